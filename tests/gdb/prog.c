// SPDX-License-Identifier: GPL-2.0-or-later
// The gdb test program: its exit code is var + the argument of func,
// so gdb changing a0 or var shows in the exit status.
volatile long var = 3;

long __attribute__((noinline)) func(long a)
{
    var = var + a;
    return var;
}

long main(long a)
{
    return func(a);
}
