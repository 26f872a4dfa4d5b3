/* obs-broker.h: the object that owns links and propagates changes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (OBS_GLIB_INSIDE) && !defined (OBS_GLIB_COMPILATION)
# error "Only <obs-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "obs-types.h"

G_BEGIN_DECLS

#define OBS_TYPE_BROKER (obs_broker_get_type ())

OBS_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ObsBroker, obs_broker, OBS, BROKER, GObject)

OBS_AVAILABLE_IN_1_0
ObsBroker    *obs_broker_new                (void);
OBS_AVAILABLE_IN_1_0
ObsBroker    *obs_broker_new_for_context    (GMainContext     *context);
OBS_AVAILABLE_IN_1_0
ObsBroker    *obs_broker_get_default        (void);

OBS_AVAILABLE_IN_1_0
GMainContext *obs_broker_get_context        (ObsBroker        *self);
OBS_AVAILABLE_IN_1_0
int           obs_broker_get_priority       (ObsBroker        *self);
OBS_AVAILABLE_IN_1_0
void          obs_broker_set_priority       (ObsBroker        *self,
                                             int               priority);
OBS_AVAILABLE_IN_1_0
guint         obs_broker_get_max_rounds     (ObsBroker        *self);
OBS_AVAILABLE_IN_1_0
void          obs_broker_set_max_rounds     (ObsBroker        *self,
                                             guint             max_rounds);

OBS_AVAILABLE_IN_1_0
ObsLink      *obs_broker_dlink              (ObsBroker        *self,
                                             GObject          *source,
                                             const char       *source_property,
                                             GObject          *target,
                                             const char       *target_property,
                                             ObsLinkFlags      flags,
                                             GError          **error);
OBS_AVAILABLE_IN_1_0
ObsLink      *obs_broker_link               (ObsBroker        *self,
                                             GObject          *source,
                                             const char       *source_property,
                                             GObject          *target,
                                             const char       *target_property,
                                             ObsLinkFlags      flags,
                                             GError          **error);
OBS_AVAILABLE_IN_1_0
ObsLink      *obs_broker_dlink_full         (ObsBroker        *self,
                                             GObject          *source,
                                             const char       *source_property,
                                             GObject          *target,
                                             const char       *target_property,
                                             ObsLinkFlags      flags,
                                             ObsTransformFunc  transform,
                                             gpointer          user_data,
                                             GDestroyNotify    destroy,
                                             GError          **error);
OBS_AVAILABLE_IN_1_0
ObsLink      *obs_broker_link_full          (ObsBroker        *self,
                                             GObject          *source,
                                             const char       *source_property,
                                             GObject          *target,
                                             const char       *target_property,
                                             ObsLinkFlags      flags,
                                             ObsTransformFunc  transform_to,
                                             gpointer          transform_to_data,
                                             GDestroyNotify    transform_to_destroy,
                                             ObsTransformFunc  transform_from,
                                             gpointer          transform_from_data,
                                             GDestroyNotify    transform_from_destroy,
                                             GError          **error);
OBS_AVAILABLE_IN_1_0
ObsLink      *obs_broker_dlink_with_closure (ObsBroker        *self,
                                             GObject          *source,
                                             const char       *source_property,
                                             GObject          *target,
                                             const char       *target_property,
                                             ObsLinkFlags      flags,
                                             GClosure         *transform,
                                             GError          **error);
OBS_AVAILABLE_IN_1_0
ObsLink      *obs_broker_link_with_closures (ObsBroker        *self,
                                             GObject          *source,
                                             const char       *source_property,
                                             GObject          *target,
                                             const char       *target_property,
                                             ObsLinkFlags      flags,
                                             GClosure         *transform_to,
                                             GClosure         *transform_from,
                                             GError          **error);
OBS_AVAILABLE_IN_1_0
ObsLink      *obs_broker_subscribe          (ObsBroker        *self,
                                             GObject          *source,
                                             const char       *property,
                                             ObsSubscribeFunc  func,
                                             gpointer          user_data,
                                             GDestroyNotify    destroy,
                                             GError          **error);
OBS_AVAILABLE_IN_1_0
ObsLink      *obs_broker_subscribe_closure  (ObsBroker        *self,
                                             GObject          *source,
                                             const char       *property,
                                             GClosure         *callback,
                                             GError          **error);

OBS_AVAILABLE_IN_1_0
void          obs_broker_trigger            (ObsBroker        *self,
                                             GObject          *source,
                                             const char       *property);
OBS_AVAILABLE_IN_1_0
guint         obs_broker_flush              (ObsBroker        *self);
OBS_AVAILABLE_IN_1_0
void          obs_broker_hold               (ObsBroker        *self);
OBS_AVAILABLE_IN_1_0
void          obs_broker_release            (ObsBroker        *self);
OBS_AVAILABLE_IN_1_0
gboolean      obs_broker_is_held            (ObsBroker        *self);

OBS_AVAILABLE_IN_1_0
GListModel   *obs_broker_get_links          (ObsBroker        *self);
OBS_AVAILABLE_IN_1_0
char         *obs_broker_to_dot             (ObsBroker        *self);

OBS_AVAILABLE_IN_1_0
void          obs_set_object_name           (GObject          *object,
                                             const char       *name);
OBS_AVAILABLE_IN_1_0
const char   *obs_get_object_name           (GObject          *object);

G_END_DECLS
