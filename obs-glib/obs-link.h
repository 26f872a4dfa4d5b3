/* obs-link.h: one link between two properties, or a subscription
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (OBS_GLIB_INSIDE) && !defined (OBS_GLIB_COMPILATION)
# error "Only <obs-glib.h> can be included directly."
#endif

#include "obs-types.h"

G_BEGIN_DECLS

#define OBS_TYPE_LINK (obs_link_get_type ())

OBS_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ObsLink, obs_link, OBS, LINK, GObject)

OBS_AVAILABLE_IN_1_0
void          obs_link_unlink               (ObsLink *self);
OBS_AVAILABLE_IN_1_0
GObject      *obs_link_dup_source           (ObsLink *self);
OBS_AVAILABLE_IN_1_0
GObject      *obs_link_dup_target           (ObsLink *self);
OBS_AVAILABLE_IN_1_0
const char   *obs_link_get_source_property  (ObsLink *self);
OBS_AVAILABLE_IN_1_0
const char   *obs_link_get_target_property  (ObsLink *self);
OBS_AVAILABLE_IN_1_0
ObsLinkFlags  obs_link_get_flags            (ObsLink *self);
OBS_AVAILABLE_IN_1_0
gboolean      obs_link_is_active            (ObsLink *self);
OBS_AVAILABLE_IN_1_0
gboolean      obs_link_is_two_way           (ObsLink *self);

G_END_DECLS
