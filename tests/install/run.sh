#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `vm-cli install-debian` on real input: the machine's Debian mirror, the
# archive's signed InRelease, Debian's netboot installer.  Bad input (an
# existing disk, an unreachable mirror, a tampered file, the wrong keyring,
# a full host disk) gets one line and exit status 2 with nothing left
# behind.  Then the short install: the preseeded installer gets its DHCP
# lease through slirp, reaches the mirror, partitions the disk and starts
# retrieving the base system's packages; the test then interrupts it
# (SIGINT, as Ctrl-C) and checks that no disk claims to be installed.  A
# mirror the installer cannot use (a stale or partial one: its udeb index
# or Release.gpg not matching the signed InRelease) must instead be refused
# up front in one line, and the test takes that branch when the mirror is
# such a one.  Asserts on what vm-cli prints and leaves, never on time.
#   tests/install/run.sh VM_CLI OUT_DIR
set -u
vm=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
out=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/common.sh
. "$here/../lib/common.sh"
rm -rf "$out"
mkdir -p "$out"
printf 'correct horse battery staple\n' >"$out/pw"
pids=()
finish() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; }
trap finish EXIT

# one_line NAME RC WANT_RC LOG PATTERN: the exit status, and exactly one error line
# (besides "install-debian: ..." progress lines) matching PATTERN.
one_line() {
    local n
    grep -v '^install-debian: ' "$4" >"$4.errors"
    set -- "$1" "$2" "$3" "$4.errors" "$5"
    n=$(wc -l <"$4")
    if [ "$2" -ne "$3" ]; then
        tl_fail "$1" "" "exit status $2, want $3: $(head -2 "$4" | tr '\n' ' ')"
    elif [ "$n" -ne 1 ]; then
        tl_fail "$1" "" "$n lines, want 1: $(head -3 "$4" | tr '\n' '|')"
    elif ! grep -qE -- "$5" "$4"; then
        tl_fail "$1" "" "'$(cat "$4")' does not match '$5'"
    else
        tl_pass "$1"
    fi
}

install() { "$vm" install-debian --password-file "$out/pw" "$@" </dev/null; }

# --- bad input --------------------------------------------------------------
install --disk "$out/a.qcow2" --size 1G 2>"$out/size.err" >/dev/null
one_line install-rejects-small-size $? 2 "$out/size.err" "^vm-cli install-debian: --size: '1G'"

install --disk "$out/a.qcow2" --hostname 'bad_host!' 2>"$out/host.err" >/dev/null
one_line install-rejects-bad-hostname $? 2 "$out/host.err" "--hostname: 'bad_host!'"

echo "precious" >"$out/exists.qcow2"
install --disk "$out/exists.qcow2" 2>"$out/exists.err" >/dev/null
one_line install-refuses-existing-disk $? 2 "$out/exists.err" "exists.qcow2 exists; --force"
[ "$(cat "$out/exists.qcow2")" = precious ] && tl_pass install-existing-disk-untouched ||
    tl_fail install-existing-disk-untouched "" "the file changed"

install --disk "$out/b.qcow2" --mirror http://127.0.0.1:1/debian 2>"$out/unreach.err" >/dev/null
one_line install-unreachable-mirror $? 2 "$out/unreach.err" \
    "http://127\.0\.0\.1:1/debian/dists/trixie/InRelease: .*([Cc]onnect|refused)"

install --disk "$out/b.qcow2" --mirror ftp://example.invalid/debian 2>"$out/ftp.err" >/dev/null
one_line install-rejects-non-http-mirror $? 2 "$out/ftp.err" "--mirror: 'ftp://"

# A full host disk: a 64 MiB tmpfs in a private mount namespace.
mkdir -p "$out/small"
unshare -m sh -c 'mount -t tmpfs -o size=64m tmpfs "$1" && shift && exec "$@"' sh "$out/small" \
    "$vm" install-debian --password-file "$out/pw" --disk "$out/small/d.qcow2" \
    2>"$out/full.err" >/dev/null </dev/null
one_line install-refuses-full-host-disk $? 2 "$out/full.err" "small/ has [0-9]+ MiB free"

# --- the real mirror: fetch and check the installer --------------------------
# This also brings the installer into the cache the tampering cases copy.
cache=${XDG_CACHE_HOME:-$HOME/.cache}/vm/debian
"$vm" install-debian --password-file "$out/pw" --disk "$out/real.qcow2" \
    >"$out/real.out" 2>"$out/real.err" </dev/null &
real=$!
pids+=("$real")
state=
for _ in $(seq 1800); do
    if ! kill -0 "$real" 2>/dev/null; then
        state=exited
        break
    fi
    if grep -q "installing into" "$out/real.err"; then
        state=running
        break
    fi
    sleep 0.5
done
if [ "$state" = exited ]; then
    wait "$real"
    rc=$?
    if grep -q "mirror .*stale\|mirror .*inconsistent\|does not match the signed Release\|does not verify" \
            "$out/real.err"; then
        # This machine's mirror cannot serve the installer: refused up front.
        one_line install-refuses-unusable-mirror "$rc" 2 "$out/real.err" "^vm-cli install-debian: "
        [ ! -e "$out/real.qcow2" ] && [ ! -e "$out/real.qcow2.partial" ] &&
            tl_pass install-unusable-mirror-leaves-no-disk ||
            tl_fail install-unusable-mirror-leaves-no-disk "" "a disk was left"
    else
        tl_fail install-short-install "" "exited $rc before installing: $(tail -2 "$out/real.err")"
    fi
elif [ "$state" = running ]; then
    # Wait for the base system's packages to be retrieved, then Ctrl-C.
    got=
    for _ in $(seq 2400); do
        if grep -q "Installing the base system.*Retriev" "$out/real.err"; then
            got=1
            break
        fi
        kill -0 "$real" 2>/dev/null || break
        sleep 0.5
    done
    grep -q "Configuring the network with DHCP" "$out/real.err" &&
        tl_pass install-dhcp-through-slirp ||
        tl_fail install-dhcp-through-slirp "" "$(tail -1 "$out/real.err")"
    [ -n "$got" ] && tl_pass install-retrieves-base-system ||
        tl_fail install-retrieves-base-system "" "$(tail -1 "$out/real.err")"
    kill -INT "$real"
    wait "$real"
    rc=$?
    [ "$rc" -eq 130 ] && [ ! -e "$out/real.qcow2" ] && [ ! -e "$out/real.qcow2.partial" ] &&
        tl_pass install-ctrl-c-leaves-no-disk ||
        tl_fail install-ctrl-c-leaves-no-disk "" "exit $rc; $(ls "$out" | tr '\n' ' ')"
else
    tl_fail install-short-install "" "install-debian neither started nor ended"
fi

# --- tampered files and the wrong keyring, from a local copy of the cache ----
if [ -f "$cache/dists/trixie/InRelease" ]; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    mkdir -p "$out/mirror/debian"
    cp -r "$cache/dists" "$out/mirror/debian/"
    [ -d "$cache/pool" ] && cp -r "$cache/pool" "$out/mirror/debian/"
    python3 -m http.server --bind 127.0.0.1 --directory "$out/mirror" "$port" \
        >"$out/http.log" 2>&1 &
    pids+=("$!")
    for _ in $(seq 50); do
        curl -s -o /dev/null "http://127.0.0.1:$port/" && break
        sleep 0.1
    done
    url=http://127.0.0.1:$port/debian
    # the newest netboot image in the copy: the package or the images directory
    victim=$(find "$out/mirror/debian" -name 'debian-installer-*-netboot-*.deb' -o \
             -path '*netboot/debian-installer/*/initrd.gz' | head -1)
    if [ -n "$victim" ]; then
        printf 'X' | dd of="$victim" bs=1 seek=5000 conv=notrunc status=none
        XDG_CACHE_HOME=$out/cache-t install --disk "$out/t.qcow2" --mirror "$url" \
            2>"$out/tamper.err" >/dev/null
        one_line install-refuses-tampered-image $? 2 "$out/tamper.err" \
            "$(basename "$victim" | sed 's/[.+]/\\&/g').*SHA-256 mismatch"
        [ ! -e "$out/cache-t/vm/debian/${victim#"$out/mirror/debian/"}" ] &&
            tl_pass install-tampered-image-not-cached ||
            tl_fail install-tampered-image-not-cached "" "the bad file stayed in the cache"
    else
        tl_fail install-refuses-tampered-image "" "no netboot image in $cache"
    fi
    sed -i '0,/^ [0-9a-f]\{64\} /s/^ \([0-9a-f]\)/ f\1/' "$out/mirror/debian/dists/trixie/InRelease"
    XDG_CACHE_HOME=$out/cache-s install --disk "$out/s.qcow2" --mirror "$url" \
        2>"$out/sig.err" >/dev/null
    one_line install-refuses-tampered-inrelease $? 2 "$out/sig.err" "InRelease.*(BAD|signature)"
    cp "$cache/dists/trixie/InRelease" "$out/mirror/debian/dists/trixie/InRelease"
    XDG_CACHE_HOME=$out/cache-k install --disk "$out/k.qcow2" --mirror "$url" \
        --keyring /usr/share/keyrings/debian-archive-removed-keys.gpg 2>"$out/key.err" >/dev/null
    one_line install-refuses-wrong-keyring $? 2 "$out/key.err" "InRelease"
else
    tl_fail install-refuses-tampered-image "" "no InRelease in $cache after a fetch"
fi

tl_summary
