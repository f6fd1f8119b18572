/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The display core (see display.h): scanout sources, the active one, its
 * accumulated dirty rectangle, and `screendump` (PNG, libpng).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include "config-host.h"
#include "ui/display.h"
#include "util/error.h"
#ifdef CONFIG_PNG
#include <png.h>
#endif

DisplayState *display_get(Machine *m)
{
    if (!m->display) {
        m->display = calloc(1, sizeof(DisplayState));
        if (!m->display) {
            error_exit("out of memory for the display");
        }
        m->display->machine = m;
    }
    return m->display;
}

void display_add_source(Machine *m, DisplaySource *src)
{
    DisplayState *d = display_get(m);
    DisplaySource **p = &d->sources;

    while (*p) {
        p = &(*p)->next;
    }
    src->next = NULL;
    src->display = d;
    *p = src;
    if (!d->active && src->surface.width) {
        display_set_surface(src, &src->surface);
    }
}

static void display_activate(DisplayState *d, DisplaySource *src)
{
    if (d->active != src) {
        d->active = src;
        d->changed = true;
    }
}

void display_set_surface(DisplaySource *src, const DisplaySurface *s)
{
    DisplayState *d = src->display;

    src->surface = *s;
    if (s->width && s->height) {
        display_activate(d, src);
        d->changed = true;
        return;
    }
    if (d->active == src) {
        d->active = NULL;
        d->changed = true;
        for (DisplaySource *o = d->sources; o; o = o->next) {
            if (o->surface.width) {
                d->active = o;
                break;
            }
        }
    }
}

void display_update(DisplaySource *src, DisplayRect r)
{
    DisplayState *d = src->display;
    const DisplaySurface *s = &src->surface;
    uint32_t x1, y1;

    if (r.x >= s->width || r.y >= s->height || !r.w || !r.h) {
        return;
    }
    r.w = r.w < s->width - r.x ? r.w : s->width - r.x;
    r.h = r.h < s->height - r.y ? r.h : s->height - r.y;
    display_activate(d, src);
    if (!d->dirty.w) {
        d->dirty = r;
        return;
    }
    x1 = d->dirty.x + d->dirty.w > r.x + r.w ? d->dirty.x + d->dirty.w : r.x + r.w;
    y1 = d->dirty.y + d->dirty.h > r.y + r.h ? d->dirty.y + d->dirty.h : r.y + r.h;
    d->dirty.x = d->dirty.x < r.x ? d->dirty.x : r.x;
    d->dirty.y = d->dirty.y < r.y ? d->dirty.y : r.y;
    d->dirty.w = x1 - d->dirty.x;
    d->dirty.h = y1 - d->dirty.y;
}

void display_refresh_sources(DisplayState *d)
{
    for (DisplaySource *s = d->sources; s; s = s->next) {
        if (s->refresh) {
            s->refresh(s);
        }
    }
}

bool display_take_dirty(DisplayState *d, DisplayRect *r, bool *changed)
{
    bool any = d->changed || d->dirty.w;

    *changed = d->changed;
    *r = d->dirty;
    d->changed = false;
    d->dirty = (DisplayRect){ 0, 0, 0, 0 };
    return any;
}

/* Byte offsets of red, green and blue in a pixel of format f. */
static void display_rgb_offsets(DisplayFormat f, unsigned off[3])
{
    static const uint8_t tab[4][3] = {
        [DISPLAY_BGRX] = { 2, 1, 0 }, [DISPLAY_XRGB] = { 1, 2, 3 },
        [DISPLAY_RGBX] = { 0, 1, 2 }, [DISPLAY_XBGR] = { 3, 2, 1 },
    };

    for (int i = 0; i < 3; i++) {
        off[i] = tab[f][i];
    }
}

#ifdef CONFIG_PNG
/* Write s as PNG to f; returns 0 or -EIO. */
static int display_write_png(FILE *f, const DisplaySurface *s)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    uint8_t *row = malloc((size_t)s->width * 3);
    unsigned off[3];
    int ret = -EIO;

    display_rgb_offsets(s->format, off);
    if (!png || !info || !row) {
        goto out;
    }
    if (setjmp(png_jmpbuf(png))) {
        goto out;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, s->width, s->height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (uint32_t y = 0; y < s->height; y++) {
        const uint8_t *p = s->data + (size_t)y * s->stride;
        for (uint32_t x = 0; x < s->width; x++, p += 4) {
            row[3 * x] = p[off[0]];
            row[3 * x + 1] = p[off[1]];
            row[3 * x + 2] = p[off[2]];
        }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    ret = 0;
out:
    png_destroy_write_struct(&png, &info);
    free(row);
    return ret;
}
#endif

int display_screendump(Machine *m, const char *path, char *err, size_t errlen)
{
#ifdef CONFIG_PNG
    DisplayState *d = m->display;
    char tmp[4096];
    FILE *f;
    int ret;

    if (d) {
        display_refresh_sources(d);
    }
    if (!d || !d->active) {
        snprintf(err, errlen, "screendump: the guest has no display surface");
        return -ENODEV;
    }
    if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >= (int)sizeof(tmp)) {
        snprintf(err, errlen, "screendump: %s: file name too long", path);
        return -ENAMETOOLONG;
    }
    ret = mkstemp(tmp);
    if (ret >= 0) {
        mode_t mask = umask(0);
        umask(mask);
        fchmod(ret, 0666 & ~mask);
    }
    if (ret < 0 || !(f = fdopen(ret, "wb"))) {
        ret = -errno;
        snprintf(err, errlen, "screendump: %s: %s", path, strerror(errno));
        return ret;
    }
    ret = display_write_png(f, &d->active->surface);
    if (fclose(f) != 0 && ret == 0) {
        ret = -EIO;
    }
    if (ret == 0 && rename(tmp, path) < 0) {
        ret = -errno;
    }
    if (ret < 0) {
        unlink(tmp);
        snprintf(err, errlen, "screendump: %s: %s", path, strerror(-ret));
    }
    return ret;
#else
    snprintf(err, errlen, "screendump: built without libpng (apt-get install libpng-dev)");
    return -ENOTSUP;
#endif
}
