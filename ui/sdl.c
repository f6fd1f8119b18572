/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SDL2 window.  It runs on the execution loop's thread as a poll
 * hook (hw/core/fdwatch.h): the X11 connection's fd wakes the loop when
 * events arrive, and a refresh every 30 ms of host time (so also while
 * the machine is stopped) drains SDL's events, asks the display sources
 * what the guest changed and copies only that rectangle to the window
 * surface, which is then updated on screen by rectangle.  The window
 * takes the size of the guest's mode; Ctrl-Alt-G releases the
 * keyboard and pointer grab a click took; closing the window powers the
 * machine off, as `system_powerdown` does; " [Paused]" is in the title
 * while the machine is stopped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "config-host.h"
#include "ui/sdl.h"

#ifdef CONFIG_SDL
#include <SDL.h>
#include <SDL_syswm.h>

#include "hw/core/fdwatch.h"
#include "ui/display.h"
#include "util/error.h"

#define SDL_REFRESH_NS 30000000ll

typedef struct SDLDisplay {
    Machine *machine;
    DisplayState *display;
    SDL_Window *win;
    int x11_fd;                    /* the window system connection, or -1 */
    int64_t next_refresh;          /* host ns */
    bool grab;
    bool paused;                   /* as shown in the title */
    uint32_t width, height;        /* the window's picture size */
    FDPollHook hook;
} SDLDisplay;

int sdl_display_probe(char *err, size_t errlen)
{
    const char *x = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");

    if ((!x || !*x) && (!wl || !*wl)) {
        snprintf(err, errlen, "no X or Wayland display ($DISPLAY and $WAYLAND_DISPLAY unset)");
        return -ENODEV;
    }
    /* Only a window system will do: no fallback to kmsdrm or offscreen drivers. */
    if (!getenv("SDL_VIDEODRIVER")) {
        SDL_SetHint(SDL_HINT_VIDEODRIVER, x && *x ? "x11" : "wayland");
    }
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
    if (SDL_Init(SDL_INIT_VIDEO) < 0) {
        snprintf(err, errlen, "cannot open the display %s: %s", x && *x ? x : wl,
                 SDL_GetError());
        return -ENODEV;
    }
    return 0;
}

static void sdl_set_title(SDLDisplay *s)
{
    char title[128];

    snprintf(title, sizeof(title), "vm%s%s", s->paused ? " [Paused]" : "",
             s->grab ? " - Press Ctrl-Alt-G to exit grab" : "");
    SDL_SetWindowTitle(s->win, title);
}

static void sdl_set_grab(SDLDisplay *s, bool grab)
{
    s->grab = grab;
    SDL_SetWindowGrab(s->win, grab ? SDL_TRUE : SDL_FALSE);
    SDL_SetWindowKeyboardGrab(s->win, grab ? SDL_TRUE : SDL_FALSE);
    sdl_set_title(s);
}

static Uint32 sdl_format(DisplayFormat f)
{
    switch (f) {
    case DISPLAY_BGRX: return SDL_PIXELFORMAT_XRGB8888;   /* packed 32-bit, little-endian */
    case DISPLAY_XRGB: return SDL_PIXELFORMAT_BGRX8888;
    case DISPLAY_RGBX: return SDL_PIXELFORMAT_XBGR8888;
    default: return SDL_PIXELFORMAT_RGBX8888;
    }
}

/*
 * Give the window the guest's mode size, moving it first so that it stays
 * on its screen (SDL shrinks a window that would reach past the edge).
 */
static void sdl_resize(SDLDisplay *s)
{
    int x, y, w = (int)s->width, h = (int)s->height;
    SDL_Rect b;

    SDL_GetWindowPosition(s->win, &x, &y);
    if (SDL_GetDisplayUsableBounds(SDL_GetWindowDisplayIndex(s->win), &b) == 0) {
        x = x + w > b.x + b.w ? (b.x + b.w - w > b.x ? b.x + b.w - w : b.x) : x;
        y = y + h > b.y + b.h ? (b.y + b.h - h > b.y ? b.y + b.h - h : b.y) : y;
        SDL_SetWindowPosition(s->win, x, y);
    }
    SDL_SetWindowSize(s->win, w, h);
}

/* Copy rectangle r of the active surface to the window and show it. */
static void sdl_draw(SDLDisplay *s, DisplayRect r, bool all)
{
    const DisplaySurface *surf = s->display->active ? &s->display->active->surface : NULL;
    SDL_Surface *ws;
    SDL_Rect rect;

    if (surf && (surf->width != s->width || surf->height != s->height)) {
        s->width = surf->width;
        s->height = surf->height;
        sdl_resize(s);
        all = true;
    }
    ws = SDL_GetWindowSurface(s->win);
    if (!ws) {
        return;
    }
    if (!surf) {
        SDL_FillRect(ws, NULL, 0);
        SDL_UpdateWindowSurface(s->win);
        return;
    }
    if (all) {
        r = (DisplayRect){ 0, 0, surf->width, surf->height };
    }
    /* The window may not have taken the new size yet: clip to what it has. */
    if (r.x >= (uint32_t)ws->w || r.y >= (uint32_t)ws->h) {
        return;
    }
    r.w = r.w < (uint32_t)ws->w - r.x ? r.w : (uint32_t)ws->w - r.x;
    r.h = r.h < (uint32_t)ws->h - r.y ? r.h : (uint32_t)ws->h - r.y;
    SDL_ConvertPixels((int)r.w, (int)r.h, sdl_format(surf->format),
                      surf->data + (size_t)r.y * surf->stride + (size_t)r.x * 4,
                      (int)surf->stride, ws->format->format,
                      (uint8_t *)ws->pixels + (size_t)r.y * ws->pitch +
                      (size_t)r.x * ws->format->BytesPerPixel, ws->pitch);
    rect = (SDL_Rect){ (int)r.x, (int)r.y, (int)r.w, (int)r.h };
    SDL_UpdateWindowSurfaceRects(s->win, &rect, 1);
}

static void sdl_key(SDLDisplay *s, const SDL_KeyboardEvent *k)
{
    bool down = k->type == SDL_KEYDOWN;
    uint16_t code;

    if (down && k->keysym.scancode == SDL_SCANCODE_G &&
        (k->keysym.mod & KMOD_CTRL) && (k->keysym.mod & KMOD_ALT)) {
        sdl_set_grab(s, !s->grab);
        return;
    }
    if (k->repeat) {
        return;                    /* the guest repeats keys itself */
    }
    code = input_key_by_hid_usage(k->keysym.scancode);
    if (code) {
        input_key_event(s->machine, code, down);
    }
}

static void sdl_pointer(SDLDisplay *s, int x, int y)
{
    uint32_t w = s->width > 1 ? s->width - 1 : 1, h = s->height > 1 ? s->height - 1 : 1;

    x = x < 0 ? 0 : x;
    y = y < 0 ? 0 : y;
    input_pointer_move(s->machine, (uint32_t)((uint64_t)x * INPUT_ABS_MAX / w),
                       (uint32_t)((uint64_t)y * INPUT_ABS_MAX / h));
}

static void sdl_button(SDLDisplay *s, const SDL_MouseButtonEvent *b)
{
    static const uint16_t buttons[] = {
        [SDL_BUTTON_LEFT] = BTN_LEFT, [SDL_BUTTON_MIDDLE] = BTN_MIDDLE,
        [SDL_BUTTON_RIGHT] = BTN_RIGHT,
    };

    if (b->type == SDL_MOUSEBUTTONDOWN && !s->grab) {
        sdl_set_grab(s, true);
    }
    if (b->button < ARRAY_SIZE(buttons) && buttons[b->button]) {
        sdl_pointer(s, b->x, b->y);
        input_key_event(s->machine, buttons[b->button], b->type == SDL_MOUSEBUTTONDOWN);
    }
}

/* Drain SDL's event queue. */
static void sdl_handle_events(SDLDisplay *s)
{
    SDL_Event ev;

    while (SDL_PollEvent(&ev)) {
        switch (ev.type) {
        case SDL_QUIT:
            /* As QEMU: closing the window is a power-down request. */
            machine_request_shutdown(s->machine, 0);
            break;
        case SDL_KEYDOWN:
        case SDL_KEYUP:
            sdl_key(s, &ev.key);
            break;
        case SDL_MOUSEMOTION:
            sdl_pointer(s, ev.motion.x, ev.motion.y);
            break;
        case SDL_MOUSEBUTTONDOWN:
        case SDL_MOUSEBUTTONUP:
            sdl_button(s, &ev.button);
            break;
        case SDL_WINDOWEVENT:
            if (ev.window.event == SDL_WINDOWEVENT_EXPOSED ||
                ev.window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
                sdl_draw(s, (DisplayRect){ 0 }, true);
            } else if (ev.window.event == SDL_WINDOWEVENT_FOCUS_LOST && s->grab) {
                sdl_set_grab(s, false);
            }
            break;
        default:
            break;
        }
    }
}

static void sdl_refresh(SDLDisplay *s)
{
    bool paused = s->machine->run_state == RUN_STATE_STOPPED;
    DisplayRect r;
    bool changed;

    sdl_handle_events(s);
    if (paused != s->paused) {
        s->paused = paused;
        sdl_set_title(s);
    }
    display_refresh_sources(s->display);
    if (display_take_dirty(s->display, &r, &changed)) {
        sdl_draw(s, r, changed);
    }
}

static unsigned sdl_poll_fill(void *opaque, struct pollfd *pfd, unsigned max, int64_t *timeout)
{
    SDLDisplay *s = opaque;
    int64_t wait = s->next_refresh - clock_host_ns();

    if (wait < *timeout) {
        *timeout = wait;
    }
    if (s->x11_fd < 0 || max == 0) {
        return 0;
    }
    pfd[0] = (struct pollfd){ .fd = s->x11_fd, .events = POLLIN };
    return 1;
}

static void sdl_poll_dispatch(void *opaque, struct pollfd *pfd, unsigned n, bool error)
{
    SDLDisplay *s = opaque;
    int64_t now = clock_host_ns();

    if (now >= s->next_refresh) {
        s->next_refresh = now + SDL_REFRESH_NS;
        sdl_refresh(s);
    } else if (n && pfd[0].revents) {
        sdl_handle_events(s);
    }
}

void sdl_display_init(Machine *m)
{
    SDLDisplay *s = calloc(1, sizeof(*s));
    const DisplaySurface *surf;
    SDL_SysWMinfo info;

    if (!s) {
        error_exit("--display sdl: out of memory");
    }
    s->machine = m;
    s->display = display_get(m);
    surf = s->display->active ? &s->display->active->surface : NULL;
    s->width = surf ? surf->width : 640;
    s->height = surf ? surf->height : 480;
    s->win = SDL_CreateWindow("vm", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
                              (int)s->width, (int)s->height, 0);
    if (!s->win) {
        error_exit("--display sdl: cannot open a window: %s", SDL_GetError());
    }
    s->x11_fd = -1;
    SDL_VERSION(&info.version);
#ifdef SDL_VIDEO_DRIVER_X11
    if (SDL_GetWindowWMInfo(s->win, &info) && info.subsystem == SDL_SYSWM_X11) {
        s->x11_fd = ConnectionNumber(info.info.x11.display);
    }
#endif
    sdl_set_title(s);
    s->display->changed = true;
    s->next_refresh = clock_host_ns();
    fdwatch_add_hook(m, &s->hook, sdl_poll_fill, sdl_poll_dispatch, s);
}

#else /* !CONFIG_SDL */

int sdl_display_probe(char *err, size_t errlen)
{
    snprintf(err, errlen, "built without SDL2 (apt-get install libsdl2-dev, then ./configure)");
    return -ENOTSUP;
}

void sdl_display_init(Machine *m)
{
}

#endif
