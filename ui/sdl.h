/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SDL2 window (DESIGN.md §6): shows the display's active surface,
 * feeds keyboard and pointer events to the input devices.
 */
#ifndef VM_UI_SDL_H
#define VM_UI_SDL_H

#include "hw/core/machine.h"

/*
 * Whether a window can be opened: a window system is named ($DISPLAY or
 * $WAYLAND_DISPLAY) and SDL's video subsystem starts on it.  Returns 0,
 * or a negative errno with one line in err (no display, SDL not built in).
 */
int sdl_display_probe(char *err, size_t errlen);

/*
 * Open the window for m's display (after sdl_display_probe() succeeded
 * and the board created its display devices) and join the main loop: a
 * poll hook on the window system's connection plus a 30 ms host-clock
 * refresh that redraws only what changed, also while the machine is
 * stopped.  Ends the process with one line on failure.
 */
void sdl_display_init(Machine *m);

#endif /* VM_UI_SDL_H */
