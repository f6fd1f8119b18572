#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# check-fresh.sh - `make run` and `make check` on a bare Debian 12 machine.
#
# Builds a clean Debian 12 root (debootstrap --variant=minbase bookworm, from
# the Debian mirror this machine's apt sources name, found as
# fetch-guest-images.sh finds it), adds git and make and nothing else,
# bind-mounts /dev, /dev/pts, /proc and /sys, clones the repository's HEAD
# into /root/vm and, as root in that chroot, runs `make run` in a tmux pane
# until Debian's installer shows "Select a language", then `make check`,
# which must end with "N passed, 0 failed".  No step but make's own: the
# GNUmakefile shim and the deps target install packages, configure, build
# and fetch guest images.  Prints the wall time of each phase, the total and
# one final PASS or FAIL line.  Needs root.  The mounts are undone and the
# processes left in the chroot ended on every exit; the work directory
# stays for its logs (run.log, check.log, debootstrap.log) until the next run.
#
# Usage: make check-fresh   (or scripts/check-fresh.sh)
# Environment: FRESH_DIR (work directory, default /var/tmp/vm-check-fresh;
#              removed and recreated), VM_FRESH_REPO (repository to clone,
#              default the one holding this script), VM_DEBIAN_MIRROR,
#              FRESH_RUN_TIMEOUT (seconds for `make run`, default 2400).

set -eu
set -o pipefail

PROG=check-fresh
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=$(realpath -m "${FRESH_DIR:-/var/tmp/vm-check-fresh}")
REPO=${VM_FRESH_REPO:-$(dirname "$HERE")}
RUN_TIMEOUT=${FRESH_RUN_TIMEOUT:-2400}
ROOT=$DIR/root
SOCK=$DIR/tmux.sock
PATH_IN=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

die() {
    echo "$PROG: error: $*" >&2
    exit 2
}

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, bind mounts); run: sudo make check-fresh"
case "$DIR" in
/?*) ;;
*) die "FRESH_DIR must not be /" ;;
esac
git -C "$REPO" rev-parse --verify -q HEAD >/dev/null || die "'$REPO' is no git repository with a HEAD"

# Host tools, installed quietly when missing.
need=""
for t in debootstrap:debootstrap tmux:tmux git:git; do
    command -v "${t%%:*}" >/dev/null 2>&1 || need="$need ${t#*:}"
done
if [ -n "$need" ]; then
    echo "$PROG: installing on the host:$need"
    # shellcheck disable=SC2086 # a list of package names
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $need; } \
        >/dev/null 2>&1 || die "apt-get install$need failed on the host"
fi

# The mirror: VM_DEBIAN_MIRROR, else the first deb URI ending in /debian in
# the apt sources, read by fetch-guest-images.sh's own find_mirror.
MIRROR=${VM_DEBIAN_MIRROR:-}
if [ -z "$MIRROR" ]; then
    fm=$(sed -n '/^find_mirror() {$/,/^}$/p' "$HERE/fetch-guest-images.sh")
    [ -n "$fm" ] || die "no find_mirror in $HERE/fetch-guest-images.sh"
    eval "$fm"
    for u in $(find_mirror); do
        case "${u%/}" in
        http://*/debian | https://*/debian) MIRROR=${u%/}; break ;;
        esac
    done
fi
[ -n "$MIRROR" ] || die "no Debian mirror (a deb URI ending in /debian) in the apt sources; set VM_DEBIAN_MIRROR"

# ---------------------------------------------------------------- cleanup

# The mount points under ROOT, deepest first (mountinfo's 5th field).
mounts_under_root() {
    awk -v r="$ROOT" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r
}

# The pids of the processes whose root is the chroot (all of them ours).
chroot_pids() {
    local p
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/root" 2>/dev/null)" = "$ROOT" ] && echo "${p#/proc/}"
    done
    return 0
}

# kill_chroot: end the tmux server and every process in the chroot
# (SIGTERM, then SIGKILL after 10 s).
kill_chroot() {
    local p
    tmux -S "$SOCK" kill-server 2>/dev/null || true
    for _ in $(seq 10); do
        p=$(chroot_pids)
        [ -n "$p" ] || return 0
        # shellcheck disable=SC2086 # a list of pids
        kill $p 2>/dev/null || true
        sleep 1
    done
    # shellcheck disable=SC2046 # a list of pids
    kill -9 $(chroot_pids) 2>/dev/null || true
    sleep 1
}

# cleanup: no process left in the chroot, nothing mounted inside it.
cleanup() {
    local m
    kill_chroot || true
    for m in $(mounts_under_root); do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
}

# ---------------------------------------------------------------- phases

T0=$(date +%s)
TP=$T0
times=""
fmt() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
# span NAME START: print and record the time since START (no phase ends).
span() {
    local now
    now=$(date +%s)
    printf '%s: %-28s %s\n' "$PROG" "$1" "$(fmt $((now - $2)))"
    times="$times$(printf '  %-28s %s' "$1" "$(fmt $((now - $2)))")"$'\n'
}
# phase_done NAME: span NAME since the last phase ended; a phase ends.
phase_done() {
    span "$1" "$TP"
    TP=$(date +%s)
}
finish() {
    local rc=$? now
    trap - EXIT INT TERM
    cleanup
    now=$(date +%s)
    if [ "$rc" -eq 0 ]; then
        echo "$PROG: PASS: make run and make check on a fresh Debian 12 in $(fmt $((now - T0)))"
    else
        echo "$PROG: FAIL after $(fmt $((now - T0))) (logs in $DIR)"
    fi
    exit "$rc"
}
# fail MSG: one line and exit 1 (finish prints FAIL).
fail() {
    echo "$PROG: $*" >&2
    exit 1
}

# A previous run's leftovers: never rm -rf across a live bind mount.
[ -z "$(mounts_under_root)" ] || cleanup
[ -z "$(mounts_under_root)" ] || die "mounts remain under $ROOT; unmount them first"
rm -rf --one-file-system "$DIR"
mkdir -p "$ROOT"
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "$PROG: debootstrap bookworm from $MIRROR into $ROOT"
debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" >"$DIR/debootstrap.log" 2>&1 ||
    fail "debootstrap failed: $(grep -E '^[EW]:' "$DIR/debootstrap.log" | tail -1); see $DIR/debootstrap.log"
phase_done "debootstrap (minbase)"

# ROOT's / is a mount point of its own, as a real machine's is (unshare -m,
# which the install suite uses for a small tmpfs, sets the propagation of /).
mount --bind "$ROOT" "$ROOT" && mount --make-private "$ROOT" || fail "cannot bind-mount $ROOT"
for m in dev dev/pts proc sys; do
    mount --bind "/$m" "$ROOT/$m" || fail "cannot bind-mount /$m"
done
cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
# in ROOT CMD...: a login-like environment, nothing of the caller's.
in_root() {
    chroot "$ROOT" /usr/bin/env -i HOME=/root PATH="$PATH_IN" "$@"
}
if ! in_root sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q git make' \
    >"$DIR/setup.log" 2>&1; then
    fail "apt-get install git make in the chroot failed: $(grep -E '^E:' "$DIR/setup.log" | tail -1)"
fi
phase_done "add git make"

# Only HEAD's committed files: a clone, through the chroot's own git.
mkdir -p "$ROOT/mnt/src"
mount --bind -o ro "$REPO" "$ROOT/mnt/src" || fail "cannot bind-mount $REPO"
in_root git -c safe.directory='*' clone -q /mnt/src /root/vm >"$DIR/clone.log" 2>&1 ||
    fail "git clone in the chroot failed: $(tail -1 "$DIR/clone.log")"
umount "$ROOT/mnt/src"
echo "$PROG: cloned $(git -C "$ROOT/root/vm" log -1 --format='%h %s')"
phase_done "git clone"

# make run in a tmux pane (the host's tmux, a server of our own); run.log
# keeps the pane's output, whose first lines of each kind mark sub-phases.
echo "$PROG: make run (install packages, configure, build, fetch images, boot)"
TRUN=$(date +%s)
tmux -S "$SOCK" new-session -d -s fresh -x 80 -y 25 \
    "chroot '$ROOT' /usr/bin/env -i HOME=/root PATH='$PATH_IN' TERM=\"\$TERM\" \
     sh -c 'cd /root/vm && make run'; echo MAKE-RUN-EXITED \$?; sleep 3600"
tmux -S "$SOCK" pipe-pane -t fresh -o "cat >>'$DIR/run.log'"
marks=("install-deps + configure:^configure: cc="
    "fetch guest images:-MMD -MP -c -o build/"
    "build:OpenSBI v"
    "boot to the first screen:Select a language")
deadline=$((TRUN + RUN_TIMEOUT))
m=0
while :; do
    tmux -S "$SOCK" capture-pane -p -t fresh >"$DIR/screen.txt" 2>/dev/null ||
        fail "the make run pane is gone"
    while [ "$m" -lt "${#marks[@]}" ]; do
        pat=${marks[$m]#*:}
        grep -aqE -- "$pat" "$DIR/run.log" "$DIR/screen.txt" 2>/dev/null || break
        phase_done "  ${marks[$m]%%:*}"
        m=$((m + 1))
    done
    [ "$m" -lt "${#marks[@]}" ] || break
    if grep -q '^MAKE-RUN-EXITED' "$DIR/screen.txt"; then
        grep -v '^ *$' "$DIR/screen.txt" | tail -8 >&2
        fail "make run exited before \"Select a language\"; see $DIR/run.log"
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
        grep -v '^ *$' "$DIR/screen.txt" | tail -8 >&2
        fail "no \"Select a language\" within ${RUN_TIMEOUT}s; see $DIR/run.log"
    fi
    sleep 2
done
cp "$DIR/screen.txt" "$DIR/screen-language.txt"
span "make run, in all" "$TRUN"
echo "$PROG: make run reached \"Select a language\"; stopping it"
kill_chroot
TP=$(date +%s)

echo "$PROG: make check"
{ in_root sh -c 'cd /root/vm && make check' </dev/null 2>&1; echo $? >"$DIR/check.rc"; } |
    tee "$DIR/check.log" | grep -E --line-buffered '^(suite |FAIL|[0-9]+ passed|make: )' || true
rc=$(cat "$DIR/check.rc")
last=$(grep -v '^ *$' "$DIR/check.log" | tail -1)
phase_done "make check"
echo "$PROG: make check's last line: $last"
echo "$PROG: wall times:"
printf '%s' "$times"
if [ "$rc" -ne 0 ] || ! [[ "$last" =~ ^[0-9]+\ passed,\ 0\ failed$ ]]; then
    fail "make check exited $rc; its last line must read \"N passed, 0 failed\""
fi
