/* obs-types.h: flags, errors and callback types shared by the classes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (OBS_GLIB_INSIDE) && !defined (OBS_GLIB_COMPILATION)
# error "Only <obs-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "obs-version.h"

G_BEGIN_DECLS

typedef struct _ObsBroker ObsBroker;
typedef struct _ObsLink   ObsLink;

/**
 * ObsLinkFlags:
 * @OBS_LINK_DEFAULT: propagate from the broker's main context, coalesced
 * @OBS_LINK_SYNC_CREATE: copy the source value to the target when the
 *   link is made, after draining changes still queued; while the broker
 *   is held, the copy waits in the queue
 * @OBS_LINK_IMMEDIATE: propagate inside the source's `notify` emission
 *   instead of waiting for the main loop (only when the notify is emitted
 *   on the broker's thread; from another thread the change is queued)
 * @OBS_LINK_INVERT_BOOLEAN: both properties hold booleans and the target
 *   receives the negation of the source
 *
 * How a link propagates values.
 *
 * Since: 1.0
 */
typedef enum /*< flags,prefix=OBS_LINK >*/
{
  OBS_LINK_DEFAULT        = 0,
  OBS_LINK_SYNC_CREATE    = 1 << 0,
  OBS_LINK_IMMEDIATE      = 1 << 1,
  OBS_LINK_INVERT_BOOLEAN = 1 << 2,
} ObsLinkFlags;

/**
 * OBS_LINK_ERROR:
 *
 * The error domain of links, with codes from [enum@Obs.LinkError].
 *
 * Since: 1.0
 */
#define OBS_LINK_ERROR (obs_link_error_quark ())

/**
 * ObsLinkError:
 * @OBS_LINK_ERROR_UNKNOWN_PROPERTY: the object has no property of that name
 * @OBS_LINK_ERROR_NOT_READABLE: the source property cannot be read
 * @OBS_LINK_ERROR_NOT_WRITABLE: the target property cannot be written, or
 *   can only be set at construction
 * @OBS_LINK_ERROR_TYPE_MISMATCH: the value types cannot be converted
 *   without a transform
 * @OBS_LINK_ERROR_SELF_LINK: a property was linked to itself
 * @OBS_LINK_ERROR_CYCLE: a cycle of links did not settle and was cut
 * @OBS_LINK_ERROR_TRANSFORM_FAILED: a transform raised an error or
 *   returned a value of the wrong type
 * @OBS_LINK_ERROR_INVALID_VALUE: a value was invalid or out of range for
 *   the property it was to be written to, which was left unchanged
 *
 * Errors reported when a link is made, and through
 * [signal@Obs.Broker::link-error] while links propagate.
 *
 * Since: 1.0
 */
typedef enum /*< prefix=OBS_LINK_ERROR >*/
{
  OBS_LINK_ERROR_UNKNOWN_PROPERTY,
  OBS_LINK_ERROR_NOT_READABLE,
  OBS_LINK_ERROR_NOT_WRITABLE,
  OBS_LINK_ERROR_TYPE_MISMATCH,
  OBS_LINK_ERROR_SELF_LINK,
  OBS_LINK_ERROR_CYCLE,
  OBS_LINK_ERROR_TRANSFORM_FAILED,
  OBS_LINK_ERROR_INVALID_VALUE,
} ObsLinkError;

/**
 * ObsTransformFunc:
 * @link: the link that is propagating
 * @from_value: the value read from the property the change comes from
 * @to_value: (out caller-allocates): a value initialized to the type of the property being
 *   written; the function fills it in
 * @user_data: the data given when the link was made
 *
 * Converts a value on its way along a link.
 *
 * Returns: %TRUE to write @to_value, %FALSE to leave the target alone
 *
 * Since: 1.0
 */
typedef gboolean (*ObsTransformFunc) (ObsLink      *link,
                                      const GValue *from_value,
                                      GValue       *to_value,
                                      gpointer      user_data);

/**
 * ObsSubscribeFunc:
 * @link: the subscription
 * @value: the current value of the watched property
 * @user_data: the data given to [method@Obs.Broker.subscribe]
 *
 * Receives the value of a watched property after it changed.
 *
 * Since: 1.0
 */
typedef void (*ObsSubscribeFunc) (ObsLink      *link,
                                  const GValue *value,
                                  gpointer      user_data);

/**
 * obs_link_error_quark:
 *
 * Gets the quark of the %OBS_LINK_ERROR domain.
 *
 * Returns: the error domain
 *
 * Since: 1.0
 */
OBS_AVAILABLE_IN_1_0
GQuark obs_link_error_quark (void);

G_END_DECLS
