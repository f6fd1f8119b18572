/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Following debian-installer on its serial console.  d-i's newt frontend
 * (inside GNU screen) draws with the VT100 subset of ECMA-48: cursor
 * addressing (CUP, CUU/CUD/CUF/CUB, HPA/VPA), erasing (ED, EL, ECH),
 * insert/delete (ICH, DCH, IL, DL), a scrolling region (DECSTBM), save and
 * restore (DECSC/DECRC), SGR colours and the DEC special graphics set for
 * box borders.  We keep a character model of the screen (colours and
 * character sets dropped: a box border reads as "lqqqu TITLE tqqqk") and
 * after each chunk read the topmost dialog off it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "install/install.h"

enum { ST_TEXT, ST_ESC, ST_CSI, ST_CHARSET };

static void clear_rows(InstallProgress *p, int from, int to)
{
    for (int r = from; r < to; r++) {
        memset(p->screen[r], ' ', PROGRESS_COLS);
    }
}

void progress_init(InstallProgress *p)
{
    memset(p, 0, sizeof(*p));
    clear_rows(p, 0, PROGRESS_ROWS);
    p->bottom = PROGRESS_ROWS - 1;
    p->percent = -1;
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Scroll rows top..bottom up (n > 0) or down (n < 0) by |n| lines. */
static void scroll(InstallProgress *p, int top, int bottom, int n)
{
    int height = bottom - top + 1;

    if (top > bottom) {
        return;
    }
    if (n > height || -n > height) {
        n = n > 0 ? height : -height;
    }
    if (n > 0) {
        memmove(p->screen[top], p->screen[top + n], (size_t)(height - n) * PROGRESS_COLS);
        clear_rows(p, bottom - n + 1, bottom + 1);
    } else if (n < 0) {
        memmove(p->screen[top - n], p->screen[top], (size_t)(height + n) * PROGRESS_COLS);
        clear_rows(p, top, top - n);
    }
}

static void line_feed(InstallProgress *p)
{
    if (p->row == p->bottom) {
        scroll(p, p->top, p->bottom, 1);
    } else if (p->row < PROGRESS_ROWS - 1) {
        p->row++;
    }
}

static void put_char(InstallProgress *p, char c)
{
    if (p->col >= PROGRESS_COLS) {
        p->col = 0;
        line_feed(p);
    }
    p->screen[p->row][p->col++] = c;
}

static int param(const InstallProgress *p, int i, int dflt)
{
    return i < p->nparams && p->params[i] > 0 ? p->params[i] : dflt;
}

static void csi_final(InstallProgress *p, char f)
{
    int n = param(p, 0, 1);
    char *line = p->screen[p->row];

    switch (f) {
    case 'H': case 'f':
        p->row = clamp(param(p, 0, 1) - 1, 0, PROGRESS_ROWS - 1);
        p->col = clamp(param(p, 1, 1) - 1, 0, PROGRESS_COLS - 1);
        break;
    case 'A': p->row = clamp(p->row - n, 0, PROGRESS_ROWS - 1); break;
    case 'B': p->row = clamp(p->row + n, 0, PROGRESS_ROWS - 1); break;
    case 'C': p->col = clamp(p->col + n, 0, PROGRESS_COLS - 1); break;
    case 'D': p->col = clamp(p->col - n, 0, PROGRESS_COLS - 1); break;
    case 'G': case '`': p->col = clamp(n - 1, 0, PROGRESS_COLS - 1); break;
    case 'd': p->row = clamp(n - 1, 0, PROGRESS_ROWS - 1); break;
    case 'J':
        if (param(p, 0, 0) == 0) {
            memset(line + p->col, ' ', PROGRESS_COLS - p->col);
            clear_rows(p, p->row + 1, PROGRESS_ROWS);
        } else if (param(p, 0, 0) == 1) {
            clear_rows(p, 0, p->row);
            memset(line, ' ', p->col + 1 < PROGRESS_COLS ? p->col + 1 : PROGRESS_COLS);
        } else {
            clear_rows(p, 0, PROGRESS_ROWS);
        }
        break;
    case 'K':
        if (param(p, 0, 0) == 0) {
            memset(line + p->col, ' ', PROGRESS_COLS - p->col);
        } else if (param(p, 0, 0) == 1) {
            memset(line, ' ', p->col + 1 < PROGRESS_COLS ? p->col + 1 : PROGRESS_COLS);
        } else {
            memset(line, ' ', PROGRESS_COLS);
        }
        break;
    case 'X':
        memset(line + p->col, ' ', clamp(n, 0, PROGRESS_COLS - p->col));
        break;
    case '@':
        n = clamp(n, 0, PROGRESS_COLS - p->col);
        memmove(line + p->col + n, line + p->col, PROGRESS_COLS - p->col - n);
        memset(line + p->col, ' ', n);
        break;
    case 'P':
        n = clamp(n, 0, PROGRESS_COLS - p->col);
        memmove(line + p->col, line + p->col + n, PROGRESS_COLS - p->col - n);
        memset(line + PROGRESS_COLS - n, ' ', n);
        break;
    case 'L':
        if (p->row >= p->top && p->row <= p->bottom) {
            scroll(p, p->row, p->bottom, -n);
        }
        break;
    case 'M':
        if (p->row >= p->top && p->row <= p->bottom) {
            scroll(p, p->row, p->bottom, n);
        }
        break;
    case 'r':
        p->top = clamp(param(p, 0, 1) - 1, 0, PROGRESS_ROWS - 1);
        p->bottom = clamp(param(p, 1, PROGRESS_ROWS) - 1, 0, PROGRESS_ROWS - 1);
        if (p->top >= p->bottom) {
            p->top = 0;
            p->bottom = PROGRESS_ROWS - 1;
        }
        p->row = p->col = 0;
        break;
    default:
        break; /* SGR, modes and the rest do not move text */
    }
}

static void feed_byte(InstallProgress *p, unsigned char c)
{
    switch (p->state) {
    case ST_ESC:
        p->state = ST_TEXT;
        switch (c) {
        case '[':
            p->state = ST_CSI;
            p->nparams = 0;
            memset(p->params, 0, sizeof(p->params));
            break;
        case '(': case ')': case '*': case '+':
            p->state = ST_CHARSET;
            break;
        case '7':
            p->saved_row = p->row;
            p->saved_col = p->col;
            break;
        case '8':
            p->row = p->saved_row;
            p->col = p->saved_col;
            break;
        case 'M':
            if (p->row == p->top) {
                scroll(p, p->top, p->bottom, -1);
            } else if (p->row > 0) {
                p->row--;
            }
            break;
        case 'D':
            line_feed(p);
            break;
        case 'E':
            p->col = 0;
            line_feed(p);
            break;
        case 'c':
            progress_init(p);
            break;
        default:
            break;
        }
        return;
    case ST_CHARSET:
        p->state = ST_TEXT;
        return;
    case ST_CSI:
        if (isdigit(c)) {
            if (p->nparams == 0) {
                p->nparams = 1;
            }
            if (p->nparams <= (int)(sizeof(p->params) / sizeof(p->params[0])) &&
                p->params[p->nparams - 1] < 10000) {
                p->params[p->nparams - 1] = p->params[p->nparams - 1] * 10 + (c - '0');
            }
        } else if (c == ';') {
            if (p->nparams == 0) {
                p->nparams = 1;
            }
            p->nparams++;
        } else if (c >= 0x40 && c <= 0x7e) {
            if (p->nparams > (int)(sizeof(p->params) / sizeof(p->params[0]))) {
                p->nparams = sizeof(p->params) / sizeof(p->params[0]);
            }
            csi_final(p, (char)c);
            p->state = ST_TEXT;
        } else if (c == 0x1b) {
            p->state = ST_ESC;
        }
        /* '?' and other intermediates: part of a mode we ignore */
        return;
    default:
        break;
    }
    switch (c) {
    case 0x1b: p->state = ST_ESC; break;
    case '\r': p->col = 0; break;
    case '\n': case 0x0b: case 0x0c: line_feed(p); break;
    case '\b': if (p->col > 0) p->col--; break;
    case '\t': p->col = clamp((p->col / 8 + 1) * 8, 0, PROGRESS_COLS - 1); break;
    default:
        if (c >= 0x20 && c < 0x7f) {
            put_char(p, (char)c);
        } else if (c >= 0xc0) {
            put_char(p, '?'); /* a UTF-8 lead byte: one cell; continuation bytes take none */
        }
        break;
    }
}

/* Copy s[0..len) into out with surrounding blanks removed. */
static void trimmed(char *out, size_t size, const char *s, size_t len)
{
    while (len && s[0] == ' ') {
        s++, len--;
    }
    while (len && s[len - 1] == ' ') {
        len--;
    }
    if (len >= size) {
        len = size - 1;
    }
    memcpy(out, s, len);
    out[len] = '\0';
}

/*
 * A dialog's top border: "lqq...u TITLE tqq...k" (in the line drawing set
 * l, q, k, u, t are the corners, the line and the two tees).  Returns the
 * border's first and last columns, or false.
 */
static bool title_row(const char *row, int *left, int *right, char *title, size_t size)
{
    const char *l = memchr(row, 'l', PROGRESS_COLS), *u, *t, *k;

    for (; l; l = memchr(l + 1, 'l', PROGRESS_COLS - (l + 1 - row))) {
        u = l + 1;
        while (u < row + PROGRESS_COLS && *u == 'q') {
            u++;
        }
        if (u == l + 1 || u + 2 >= row + PROGRESS_COLS || u[0] != 'u' || u[1] != ' ') {
            continue;
        }
        t = memmem(u + 2, PROGRESS_COLS - (u + 2 - row), " tq", 3);
        if (!t) {
            continue;
        }
        k = t + 2;
        while (k < row + PROGRESS_COLS && *k == 'q') {
            k++;
        }
        if (k == row + PROGRESS_COLS || *k != 'k') {
            continue;
        }
        trimmed(title, size, u + 2, t - (u + 2));
        *left = l - row;
        *right = k - row;
        return true;
    }
    return false;
}

static bool percent_text(const char *s, int *percent)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (end == s || strcmp(end, "%") || v < 0 || v > 100) {
        return false;
    }
    *percent = (int)v;
    return true;
}

/* Read the topmost dialog (title, NN%, first text line) off the screen model. */
static void read_dialog(InstallProgress *p)
{
    char step[PROGRESS_COLS] = "", detail[PROGRESS_COLS] = "", text[PROGRESS_COLS];
    int percent = -1, left = 0, right = 0, r;

    for (r = 0; r < PROGRESS_ROWS; r++) {
        if (title_row(p->screen[r], &left, &right, step, sizeof(step))) {
            break;
        }
    }
    if (r == PROGRESS_ROWS) {
        return; /* no dialog on screen (between two): keep what we had */
    }
    for (r++; r < PROGRESS_ROWS; r++) {
        const char *row = p->screen[r];

        if (row[left] == 'm') {
            break; /* bottom border */
        }
        trimmed(text, sizeof(text), row + left + 1, right - left - 1);
        if (percent < 0 && percent_text(text, &percent)) {
            continue;
        }
        if (!detail[0] && text[0] && text[0] != '<') {
            snprintf(detail, sizeof(detail), "%s", text);
        }
    }
    if (strcmp(step, p->step) || strcmp(detail, p->detail) || percent != p->percent) {
        snprintf(p->step, sizeof(p->step), "%s", step);
        snprintf(p->detail, sizeof(p->detail), "%s", detail);
        p->percent = percent;
        p->error = !strncmp(step, "[!!]", 4) || !strncmp(step, "[!]", 3);
        p->changed = true;
    }
}

void progress_feed(InstallProgress *p, const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        feed_byte(p, (unsigned char)buf[i]);
    }
    read_dialog(p);
}
