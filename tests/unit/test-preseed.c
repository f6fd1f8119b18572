/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the preseed generator (install/preseed.c): the file passes
 * Debian's own parser (`debconf-set-selections --checkonly`, package
 * debconf) and holds the given mirror, user, host name and disk; the
 * crypted password verifies with crypt(3) against the plain one only;
 * each class of bad input is refused naming its command-line option; and
 * the late_command, run by /bin/sh with its target root pointed at a
 * temporary directory and a stand-in `in-target`, writes the SSH key to
 * authorized_keys byte for byte with the modes sshd wants.  Files live in
 * a temporary directory removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "install/install.h"

static char dir[64];
static char err[512];

/* Made by ssh-keygen for these tests; the private halves were thrown away. */
static const char key_ed25519[] =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKDH/XR2gt0oUgS1lgxP+fgyKQO0Y60SL7SV9fbgGMLq "
    "test-ed25519@example";
static const char key_ecdsa[] =
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBLThkSbh2LcQX7l"
    "SWZDKr4k/280swdyZHGiRSPr/6+dQwYpJ8iXHqaMHs/7MHG0+ts76egFqJ3zjsiKzz6CZt2I= "
    "test-ecdsa@example";

static const char *path(const char *name)
{
    static char buf[4][160];
    static int n;
    char *p = buf[n++ & 3];

    snprintf(p, 160, "%s/%s", dir, name);
    return p;
}

static PreseedConfig sample(void)
{
    return (PreseedConfig){
        .mirror_host = "10.0.2.2:8080",
        .mirror_dir = "/debian",
        .suite = "trixie",
        .hostname = "vm1",
        .domain = "example.org",
        .user = "alice",
        .password = "correct horse",
        .ssh_key = key_ed25519,
        .packages = "vim  curl",
    };
}

static char *generate(const PreseedConfig *c)
{
    err[0] = '\0';
    char *s = preseed_generate(c, err, sizeof(err));
    if (!s) {
        fail_msg("preseed_generate: %s", err);
    }
    return s;
}

/*
 * The value of `owner question` in a preseed text (malloc'd), or NULL when
 * the question is absent.  The type field is skipped.
 */
static char *value_of(const char *text, const char *owner, const char *question)
{
    size_t ol = strlen(owner), ql = strlen(question);

    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        const char *end = strchr(l, '\n');
        size_t len = end ? (size_t)(end - l) : strlen(l);
        if (len > ol + ql + 2 && !strncmp(l, owner, ol) && l[ol] == ' ' &&
            !strncmp(l + ol + 1, question, ql) && l[ol + 1 + ql] == ' ') {
            const char *type = l + ol + 1 + ql + 1;
            const char *sp = memchr(type, ' ', len - (size_t)(type - l));
            if (!sp) {
                return strdup("");
            }
            return strndup(sp + 1, len - (size_t)(sp + 1 - l));
        }
    }
    return NULL;
}

static void assert_value(const char *text, const char *question, const char *want)
{
    char *v = value_of(text, "d-i", question);
    if (!v) {
        fail_msg("%s is missing", question);
    }
    assert_string_equal(v, want);
    free(v);
}

/* Runs `sh -c cmd` (sh: /bin/sh or busybox) with PATH starting at dir/bin; the exit status. */
static int run_sh(const char *sh, const char *cmd)
{
    pid_t pid = fork();
    int st;

    assert_true(pid >= 0);
    if (pid == 0) {
        char p[512];
        snprintf(p, sizeof(p), "%s/bin:/usr/bin:/bin", dir);
        setenv("PATH", p, 1);
        setenv("IN_TARGET_LOG", path("in-target.log"), 1);
        execl(sh, "sh", "-c", cmd, (char *)NULL);   /* busybox dispatches on "sh" */
        _exit(127);
    }
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(const char *file)
{
    FILE *f = fopen(file, "rb");
    char *buf;
    long n;

    if (!f) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = calloc(1, (size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return buf;
}

static void spill(const char *file, const char *text, mode_t mode)
{
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(file, mode), 0);
}

/*
 * A fake installed system under dir/root: the ESP's removable path holds
 * a loader when `with_loader`; `in-target` only records its arguments.
 */
static char *late_command_for_test(const char *text, bool with_loader)
{
    char cmd[512];
    char *late = value_of(text, "d-i", "preseed/late_command");

    assert_non_null(late);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s/root' '%s/bin' '%s/in-target.log' && mkdir -p "
             "'%s/root/boot/efi/EFI/BOOT' '%s/root/home' '%s/bin'", dir, dir, dir, dir, dir, dir);
    assert_int_equal(system(cmd), 0);
    if (with_loader) {
        spill(path("root/boot/efi/EFI/BOOT/BOOTRISCV64.EFI"), "MZ", 0644);
    }
    spill(path("bin/in-target"), "#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"$IN_TARGET_LOG\"\n", 0755);

    /* the command names its target root once, first: point it at the fake one */
    static const char prefix[] = "t=/target && ";
    assert_true(strncmp(late, prefix, strlen(prefix)) == 0);
    char *out;
    assert_true(asprintf(&out, "t='%s/root' && %s", dir, late + strlen(prefix)) > 0);
    free(late);
    return out;
}

static void test_preseed_passes_debconf_set_selections_checkonly(void **state)
{
    if (access("/usr/bin/debconf-set-selections", X_OK) != 0) {
        fail_msg("debconf-set-selections missing (scripts/install-deps.sh installs debconf)");
    }
    PreseedConfig c = sample();
    char *s = generate(&c);
    spill(path("preseed.cfg"), s, 0644);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "debconf-set-selections --checkonly '%s'", path("preseed.cfg"));
    assert_int_equal(system(cmd), 0);

    c.password = NULL;       /* the key-only variant too */
    c.domain = NULL;
    free(s);
    s = generate(&c);
    spill(path("preseed2.cfg"), s, 0644);
    snprintf(cmd, sizeof(cmd), "debconf-set-selections --checkonly '%s'", path("preseed2.cfg"));
    assert_int_equal(system(cmd), 0);
    free(s);
}

static void test_preseed_has_given_mirror_user_host_and_disk(void **state)
{
    PreseedConfig c = sample();
    char *s = generate(&c);

    assert_true(strncmp(s, "#_preseed_V1\n", 13) == 0);
    assert_value(s, "mirror/country", "manual");
    assert_value(s, "mirror/http/hostname", "10.0.2.2:8080");
    assert_value(s, "mirror/http/directory", "/debian");
    assert_value(s, "mirror/http/proxy", "");
    assert_value(s, "mirror/suite", "trixie");
    assert_value(s, "passwd/username", "alice");
    assert_value(s, "passwd/root-login", "false");
    assert_value(s, "netcfg/get_hostname", "vm1");
    assert_value(s, "netcfg/hostname", "vm1");
    assert_value(s, "netcfg/get_domain", "example.org");
    assert_value(s, "partman-auto/disk", "/dev/vda");
    assert_value(s, "partman-auto/method", "regular");
    assert_value(s, "grub-installer/bootdev", "/dev/vda");
    assert_value(s, "grub-installer/force-efi-extra-removable", "true");
    assert_value(s, "debian-installer/add-kernel-opts", "console=ttyS0");
    assert_value(s, "debian-installer/exit/poweroff", "true");
    free(s);
}

static void test_preseed_defaults_fill_unset_fields(void **state)
{
    PreseedConfig c = { .ssh_key = key_ed25519, .mirror_host = "10.0.2.2:8080" };
    char *s = generate(&c);

    assert_value(s, "mirror/http/hostname", "10.0.2.2:8080");
    assert_value(s, "mirror/http/directory", "/debian");
    assert_value(s, "mirror/suite", "trixie");
    assert_value(s, "netcfg/get_hostname", "debian");
    assert_value(s, "netcfg/get_domain", "");
    assert_value(s, "passwd/username", "debian");
    assert_value(s, "debian-installer/locale", "en_US.UTF-8");
    assert_value(s, "keyboard-configuration/xkb-keymap", "us");
    assert_value(s, "time/zone", "UTC");
    free(s);
}

static void test_preseed_proxy_is_passed_through(void **state)
{
    PreseedConfig c = sample();
    c.mirror_proxy = "http://10.0.2.2:3128/";
    char *s = generate(&c);

    assert_value(s, "mirror/http/proxy", "http://10.0.2.2:3128/");
    free(s);
}

static void test_preseed_dotted_hostname_splits_into_domain(void **state)
{
    PreseedConfig c = sample();
    c.hostname = "build7.lab.example.net";
    c.domain = NULL;
    char *s = generate(&c);

    assert_value(s, "netcfg/get_hostname", "build7");
    assert_value(s, "netcfg/hostname", "build7");
    assert_value(s, "netcfg/get_domain", "lab.example.net");
    free(s);
}

static void test_preseed_packages_join_openssh_server(void **state)
{
    PreseedConfig c = sample();
    char *s = generate(&c);

    assert_value(s, "pkgsel/include", "openssh-server vim curl");
    char *tasks = value_of(s, "tasksel", "tasksel/first");
    assert_non_null(tasks);
    assert_string_equal(tasks, "standard, ssh-server");
    free(tasks);
    free(s);
}

static void test_preseed_crypted_password_verifies_only_the_password(void **state)
{
    PreseedConfig c = sample();
    char *s = generate(&c);
    char *hash = value_of(s, "d-i", "passwd/user-password-crypted");

    assert_non_null(hash);
    assert_true(strncmp(hash, "$6$", 3) == 0);
    const char *salt_end = strchr(hash + 3, '$');
    assert_non_null(salt_end);
    assert_true(salt_end - (hash + 3) >= 16);
    assert_null(strstr(s, "correct horse"));

    char *good = crypt("correct horse", hash);
    assert_non_null(good);
    assert_string_equal(good, hash);
    char *bad = crypt("correct horsf", hash);
    assert_true(bad == NULL || strcmp(bad, hash) != 0);
    free(hash);
    free(s);
}

static void test_preseed_salts_differ_between_runs(void **state)
{
    PreseedConfig c = sample();
    char *a = generate(&c), *b = generate(&c);
    char *ha = value_of(a, "d-i", "passwd/user-password-crypted");
    char *hb = value_of(b, "d-i", "passwd/user-password-crypted");

    assert_string_not_equal(ha, hb);
    free(ha);
    free(hb);
    free(a);
    free(b);
}

static void test_preseed_key_only_locks_password_and_grants_sudo(void **state)
{
    PreseedConfig c = sample();
    c.password = NULL;
    char *s = generate(&c);

    assert_value(s, "passwd/user-password-crypted", "!");
    char *cmd = late_command_for_test(s, true);
    assert_int_equal(run_sh("/bin/sh", cmd), 0);
    char *sudo = slurp(path("root/etc/sudoers.d/90-vm-alice"));
    assert_non_null(sudo);
    assert_string_equal(sudo, "alice ALL=(ALL) NOPASSWD:ALL\n");
    struct stat st;
    assert_int_equal(stat(path("root/etc/sudoers.d/90-vm-alice"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0440);
    free(sudo);
    free(cmd);
    free(s);
}

static void test_preseed_with_password_grants_no_passwordless_sudo(void **state)
{
    PreseedConfig c = sample();
    char *s = generate(&c);

    assert_null(strstr(s, "NOPASSWD"));
    free(s);
}

static void test_preseed_late_command_writes_ssh_key_byte_exact(void **state)
{
    PreseedConfig c = sample();
    c.ssh_key = key_ecdsa;
    char *s = generate(&c);
    char *cmd = late_command_for_test(s, true);
    struct stat st;

    assert_int_equal(run_sh("/bin/sh", cmd), 0);
    char *ak = slurp(path("root/home/alice/.ssh/authorized_keys"));
    assert_non_null(ak);
    char *want;
    assert_true(asprintf(&want, "%s\n", key_ecdsa) > 0);
    assert_string_equal(ak, want);
    assert_int_equal(stat(path("root/home/alice/.ssh"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(path("root/home/alice/.ssh/authorized_keys"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char *log = slurp(path("in-target.log"));
    assert_non_null(log);
    assert_string_equal(log, "chown -R alice:alice /home/alice/.ssh\n");
    free(log);
    free(want);
    free(ak);
    free(cmd);
    free(s);
}

static void test_preseed_late_command_writes_ssh_key_under_busybox_ash(void **state)
{
    /* debian-installer's shell is busybox ash */
    const char *bb = access("/usr/bin/busybox", X_OK) == 0 ? "/usr/bin/busybox"
                     : access("/bin/busybox", X_OK) == 0 ? "/bin/busybox" : NULL;
    if (!bb) {
        fail_msg("busybox missing (scripts/install-deps.sh installs busybox)");
    }
    PreseedConfig c = sample();
    c.password = NULL;
    char *s = generate(&c);
    char *cmd = late_command_for_test(s, true);

    assert_int_equal(run_sh(bb, cmd), 0);
    char *ak = slurp(path("root/home/alice/.ssh/authorized_keys"));
    char *want;
    assert_true(asprintf(&want, "%s\n", key_ed25519) > 0);
    assert_non_null(ak);
    assert_string_equal(ak, want);
    char *sudo = slurp(path("root/etc/sudoers.d/90-vm-alice"));
    assert_non_null(sudo);
    assert_string_equal(sudo, "alice ALL=(ALL) NOPASSWD:ALL\n");
    free(sudo);
    free(want);
    free(ak);
    free(cmd);
    free(s);
}

static void test_preseed_late_command_fails_without_efi_loader(void **state)
{
    PreseedConfig c = sample();
    char *s = generate(&c);
    char *cmd = late_command_for_test(s, false);
    struct stat st;

    assert_int_not_equal(run_sh("/bin/sh", cmd), 0);
    assert_int_equal(stat(path("root/home/alice/.ssh/authorized_keys"), &st), -1);
    free(cmd);
    free(s);
}

static void test_preseed_commands_parse_as_shell(void **state)
{
    PreseedConfig c = sample();
    char *s = generate(&c);
    const char *qs[] = { "preseed/early_command", "preseed/late_command" };

    for (size_t i = 0; i < 2; i++) {
        char *v = value_of(s, "d-i", qs[i]);
        assert_non_null(v);
        assert_null(strchr(v, '\\'));      /* d-i's parser joins lines ending in '\' */
        char *check;
        assert_true(asprintf(&check, "set -n; %s", v) > 0);
        assert_int_equal(run_sh("/bin/sh", check), 0);
        free(check);
        free(v);
    }
    free(s);
}

/* preseed_check and preseed_generate both refuse `c`, naming `option`. */
static void assert_refused(const PreseedConfig *c, const char *option)
{
    err[0] = '\0';
    assert_int_equal(preseed_check(c, err, sizeof(err)), -EINVAL);
    if (strncmp(err, option, strlen(option)) != 0) {
        fail_msg("expected an error naming %s, got: %s", option, err);
    }
    assert_null(strchr(err, '\n'));
    err[0] = '\0';
    assert_null(preseed_generate(c, err, sizeof(err)));
    assert_true(strncmp(err, option, strlen(option)) == 0);
}

static void test_preseed_refuses_bad_hostname(void **state)
{
    PreseedConfig c = sample();

    c.hostname = "foo_bar";
    assert_refused(&c, "--hostname:");
    assert_non_null(strstr(err, "'foo_bar'"));
    c.hostname = "-lead";
    assert_refused(&c, "--hostname:");
    c.hostname = "a23456789012345678901234567890123456789012345678901234567890abcd";  /* 64 */
    assert_refused(&c, "--hostname:");
    c.hostname = "trailing.";
    assert_refused(&c, "--hostname:");
}

static void test_preseed_refuses_root_user(void **state)
{
    PreseedConfig c = sample();

    c.user = "root";
    assert_refused(&c, "--user:");
    c.user = "www-data";
    assert_refused(&c, "--user:");
}

static void test_preseed_refuses_user_with_uppercase(void **state)
{
    PreseedConfig c = sample();

    c.user = "Alice";
    assert_refused(&c, "--user:");
    c.user = "a23456789012345678901234567890123";   /* 33 */
    assert_refused(&c, "--user:");
}

static void test_preseed_refuses_shell_in_package_list(void **state)
{
    PreseedConfig c = sample();

    c.packages = "a;rm -rf";
    assert_refused(&c, "--packages:");
    assert_non_null(strstr(err, "'a;rm'"));
    c.packages = "vim Curl";
    assert_refused(&c, "--packages:");
}

static void test_preseed_refuses_newline_in_any_value(void **state)
{
    PreseedConfig c = sample();

    c.mirror_dir = "/debian\nd-i passwd/root-login boolean true";
    assert_refused(&c, "--mirror:");
    c = sample();
    c.password = "pw\n";
    assert_refused(&c, "--password-file:");
    c = sample();
    c.hostname = "vm\r";
    assert_refused(&c, "--hostname:");
}

static void test_preseed_refuses_no_password_and_no_key(void **state)
{
    PreseedConfig c = sample();

    c.password = NULL;
    c.ssh_key = NULL;
    assert_refused(&c, "--password-file or --ssh-key:");
}

static void test_preseed_refuses_malformed_ssh_key(void **state)
{
    PreseedConfig c = sample();

    c.ssh_key = "ssh-foo AAAAC3NzaC1lZDI1NTE5AAAAIKDH/XR2gt0oUgS1lgxP+fgyKQO0Y60SL7SV9fbgGMLq";
    assert_refused(&c, "--ssh-key:");
    c.ssh_key = "-----BEGIN OPENSSH PRIVATE KEY-----";
    assert_refused(&c, "--ssh-key:");
    c.ssh_key = "ssh-ed25519 not*base64";
    assert_refused(&c, "--ssh-key:");
    /* an ed25519 blob labelled as RSA */
    c.ssh_key = "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIKDH/XR2gt0oUgS1lgxP+fgyKQO0Y60SL7SV9fbgGMLq";
    assert_refused(&c, "--ssh-key:");
    c.ssh_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKDH/XR2gt0oUgS1lgxP+fgyKQO0Y60SL7SV9fbgGMLq "
                "it's me";
    assert_refused(&c, "--ssh-key:");
}

static void test_preseed_refuses_bad_mirror(void **state)
{
    PreseedConfig c = sample();

    c.mirror_dir = "debian";
    assert_refused(&c, "--mirror:");
    c = sample();
    c.mirror_host = "mirror example org";
    assert_refused(&c, "--mirror:");
}

static int setup(void **state)
{
    strcpy(dir, "/tmp/test-preseed-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_preseed_passes_debconf_set_selections_checkonly),
        cmocka_unit_test(test_preseed_has_given_mirror_user_host_and_disk),
        cmocka_unit_test(test_preseed_defaults_fill_unset_fields),
        cmocka_unit_test(test_preseed_proxy_is_passed_through),
        cmocka_unit_test(test_preseed_dotted_hostname_splits_into_domain),
        cmocka_unit_test(test_preseed_packages_join_openssh_server),
        cmocka_unit_test(test_preseed_crypted_password_verifies_only_the_password),
        cmocka_unit_test(test_preseed_salts_differ_between_runs),
        cmocka_unit_test(test_preseed_key_only_locks_password_and_grants_sudo),
        cmocka_unit_test(test_preseed_with_password_grants_no_passwordless_sudo),
        cmocka_unit_test(test_preseed_late_command_writes_ssh_key_byte_exact),
        cmocka_unit_test(test_preseed_late_command_writes_ssh_key_under_busybox_ash),
        cmocka_unit_test(test_preseed_late_command_fails_without_efi_loader),
        cmocka_unit_test(test_preseed_commands_parse_as_shell),
        cmocka_unit_test(test_preseed_refuses_bad_hostname),
        cmocka_unit_test(test_preseed_refuses_root_user),
        cmocka_unit_test(test_preseed_refuses_user_with_uppercase),
        cmocka_unit_test(test_preseed_refuses_shell_in_package_list),
        cmocka_unit_test(test_preseed_refuses_newline_in_any_value),
        cmocka_unit_test(test_preseed_refuses_no_password_and_no_key),
        cmocka_unit_test(test_preseed_refuses_malformed_ssh_key),
        cmocka_unit_test(test_preseed_refuses_bad_mirror),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
