/* obs-glib.h: the one header users include
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib-object.h>
#include <gio/gio.h>

#define OBS_GLIB_INSIDE
# include "obs-version.h"
# include "obs-types.h"
# include "obs-enums.h"
# include "obs-link.h"
# include "obs-broker.h"
#undef OBS_GLIB_INSIDE
