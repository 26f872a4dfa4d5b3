/* obs-link.c: the handle of one link
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "obs-private.h"

/**
 * ObsLink:
 *
 * One link made by an [class@Obs.Broker]: a one-way link
 * ([method@Obs.Broker.dlink]), a two-way link ([method@Obs.Broker.link])
 * or a subscription ([method@Obs.Broker.subscribe]).
 *
 * The broker owns its links; the handle it returns stays valid for as long
 * as the caller keeps a reference, even after the link went inactive
 * because one of its objects was finalized, the link was unlinked or the
 * broker itself went away. [method@Obs.Link.unlink] may be called on it any
 * number of times.
 *
 * A link holds its objects weakly: it never keeps them alive.
 *
 * Since: 1.0
 */

enum {
  PROP_0,
  PROP_SOURCE,
  PROP_SOURCE_PROPERTY,
  PROP_TARGET,
  PROP_TARGET_PROPERTY,
  PROP_FLAGS,
  PROP_ACTIVE,
  PROP_TWO_WAY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ObsLink, obs_link, G_TYPE_OBJECT)

void
obs_transform_free (ObsTransform *transform)
{
  if (transform == NULL)
    return;

  if (transform->destroy != NULL)
    transform->destroy (transform->data);

  if (transform->closure != NULL)
    {
      g_closure_invalidate (transform->closure);
      g_closure_unref (transform->closure);
    }

  g_free (transform);
}

static void
obs_link_finalize (GObject *object)
{
  ObsLink *self = OBS_LINK (object);

  OBS_TSAN_ACQUIRE (self);

  g_assert (!g_atomic_int_get (&self->active));
  g_assert (self->source == NULL);
  g_assert (self->target == NULL);
  g_assert (self->to == NULL);
  g_assert (self->from == NULL);

  G_OBJECT_CLASS (obs_link_parent_class)->finalize (object);
}

static void
obs_link_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  ObsLink *self = OBS_LINK (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      g_value_take_object (value, obs_link_dup_source (self));
      break;

    case PROP_SOURCE_PROPERTY:
      g_value_set_string (value, obs_link_get_source_property (self));
      break;

    case PROP_TARGET:
      g_value_take_object (value, obs_link_dup_target (self));
      break;

    case PROP_TARGET_PROPERTY:
      g_value_set_string (value, obs_link_get_target_property (self));
      break;

    case PROP_FLAGS:
      g_value_set_flags (value, obs_link_get_flags (self));
      break;

    case PROP_ACTIVE:
      g_value_set_boolean (value, obs_link_is_active (self));
      break;

    case PROP_TWO_WAY:
      g_value_set_boolean (value, obs_link_is_two_way (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
obs_link_class_init (ObsLinkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = obs_link_finalize;
  object_class->get_property = obs_link_get_property;

  /**
   * ObsLink:source:
   *
   * The object values come from, or %NULL once it is gone.
   *
   * Since: 1.0
   */
  properties[PROP_SOURCE] =
    g_param_spec_object ("source", NULL, NULL,
                         G_TYPE_OBJECT,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ObsLink:source-property:
   *
   * The name of the source's property.
   *
   * Since: 1.0
   */
  properties[PROP_SOURCE_PROPERTY] =
    g_param_spec_string ("source-property", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ObsLink:target:
   *
   * The object values go to, or %NULL for a subscription and once it is
   * gone.
   *
   * Since: 1.0
   */
  properties[PROP_TARGET] =
    g_param_spec_object ("target", NULL, NULL,
                         G_TYPE_OBJECT,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ObsLink:target-property:
   *
   * The name of the target's property, or %NULL for a subscription.
   *
   * Since: 1.0
   */
  properties[PROP_TARGET_PROPERTY] =
    g_param_spec_string ("target-property", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ObsLink:flags:
   *
   * The flags the link was made with.
   *
   * Since: 1.0
   */
  properties[PROP_FLAGS] =
    g_param_spec_flags ("flags", NULL, NULL,
                        OBS_TYPE_LINK_FLAGS,
                        OBS_LINK_DEFAULT,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ObsLink:active:
   *
   * Whether the link still propagates. It turns %FALSE, for good, when the
   * link is unlinked, when either object goes away or when the broker is
   * finalized. The property does not notify: poll it, or watch the
   * broker's list model.
   *
   * Since: 1.0
   */
  properties[PROP_ACTIVE] =
    g_param_spec_boolean ("active", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * ObsLink:two-way:
   *
   * Whether the link was made with [method@Obs.Broker.link] and carries
   * values both ways.
   *
   * Since: 1.0
   */
  properties[PROP_TWO_WAY] =
    g_param_spec_boolean ("two-way", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
obs_link_init (ObsLink *self)
{
}

ObsLink *
obs_link_new_internal (ObsBroker    *broker,
                       ObsSlot      *source,
                       ObsSlot      *target,
                       ObsLinkFlags  flags,
                       gboolean      two_way)
{
  ObsLink *self;

  self = g_object_new (OBS_TYPE_LINK, NULL);
  self->broker = broker;
  self->source = source;
  self->target = target;
  self->source_pspec = source->pspec;
  self->target_pspec = target != NULL ? target->pspec : NULL;
  self->flags = flags;
  self->two_way = !!two_way;
  self->subscription = target == NULL;
  g_atomic_int_set (&self->active, TRUE);

  return self;
}

/**
 * obs_link_unlink:
 * @self: a link
 *
 * Removes the link from its broker: no value propagates along it any
 * more, and its transform data is released. Calling it again, or on a link
 * that already went inactive, does nothing.
 *
 * Since: 1.0
 */
void
obs_link_unlink (ObsLink *self)
{
  ObsBroker *broker;

  g_return_if_fail (OBS_IS_LINK (self));

  broker = g_atomic_pointer_get (&self->broker);
  if (broker == NULL)
    return;

  obs_broker_unlink_link (broker, self);
}

static GObject *
obs_link_dup_end (ObsLink  *self,
                  gboolean  source)
{
  g_autoptr(ObsBroker) broker = NULL;
  GObject *object = NULL;
  ObsSlot *slot;

  broker = g_atomic_pointer_get (&self->broker);
  if (broker == NULL)
    return NULL;

  g_object_ref (broker);

  obs_broker_lock (broker);
  slot = source ? self->source : self->target;
  if (slot != NULL && slot->watch->object != NULL && !slot->watch->dying)
    object = g_object_ref (slot->watch->object);
  obs_broker_unlock (broker);

  return object;
}

/**
 * obs_link_dup_source:
 * @self: a link
 *
 * Gets the object values come from.
 *
 * Returns: (transfer full) (nullable): the source, or %NULL once the link
 *   is inactive
 *
 * Since: 1.0
 */
GObject *
obs_link_dup_source (ObsLink *self)
{
  g_return_val_if_fail (OBS_IS_LINK (self), NULL);

  return obs_link_dup_end (self, TRUE);
}

/**
 * obs_link_dup_target:
 * @self: a link
 *
 * Gets the object values go to.
 *
 * Returns: (transfer full) (nullable): the target, or %NULL for a
 *   subscription and once the link is inactive
 *
 * Since: 1.0
 */
GObject *
obs_link_dup_target (ObsLink *self)
{
  g_return_val_if_fail (OBS_IS_LINK (self), NULL);

  return obs_link_dup_end (self, FALSE);
}

/**
 * obs_link_get_source_property:
 * @self: a link
 *
 * Gets the name of the source's property.
 *
 * Returns: (nullable): the property name, or %NULL for a link that was
 *   not made by a broker
 *
 * Since: 1.0
 */
const char *
obs_link_get_source_property (ObsLink *self)
{
  g_return_val_if_fail (OBS_IS_LINK (self), NULL);

  /* g_object_new (OBS_TYPE_LINK, NULL), as a binding may do, makes a
   * link that no broker filled in. */
  if (self->source_pspec == NULL)
    return NULL;

  return self->source_pspec->name;
}

/**
 * obs_link_get_target_property:
 * @self: a link
 *
 * Gets the name of the target's property.
 *
 * Returns: (nullable): the property name, or %NULL for a subscription
 *
 * Since: 1.0
 */
const char *
obs_link_get_target_property (ObsLink *self)
{
  g_return_val_if_fail (OBS_IS_LINK (self), NULL);

  if (self->target_pspec == NULL)
    return NULL;

  return self->target_pspec->name;
}

/**
 * obs_link_get_flags:
 * @self: a link
 *
 * Gets the flags the link was made with.
 *
 * Returns: the flags
 *
 * Since: 1.0
 */
ObsLinkFlags
obs_link_get_flags (ObsLink *self)
{
  g_return_val_if_fail (OBS_IS_LINK (self), OBS_LINK_DEFAULT);

  return self->flags;
}

/**
 * obs_link_is_active:
 * @self: a link
 *
 * Tells whether the link still propagates values.
 *
 * Returns: %TRUE until the link is unlinked, either of its objects goes
 *   away or its broker is finalized
 *
 * Since: 1.0
 */
gboolean
obs_link_is_active (ObsLink *self)
{
  g_return_val_if_fail (OBS_IS_LINK (self), FALSE);

  return g_atomic_int_get (&self->active);
}

/**
 * obs_link_is_two_way:
 * @self: a link
 *
 * Tells whether the link carries values both ways.
 *
 * Returns: %TRUE for a link made with [method@Obs.Broker.link]
 *
 * Since: 1.0
 */
gboolean
obs_link_is_two_way (ObsLink *self)
{
  g_return_val_if_fail (OBS_IS_LINK (self), FALSE);

  return self->two_way;
}

/* A name for an object in messages: the one set with
 * obs_set_object_name(), else its type and address.
 */
char *
obs_describe_object (GObject *object)
{
  const char *name;

  if (object == NULL)
    return g_strdup ("(finalized object)");

  name = obs_get_object_name (object);
  if (name != NULL)
    return g_strdup_printf ("%s \"%s\"", G_OBJECT_TYPE_NAME (object), name);

  return g_strdup_printf ("%s(%p)", G_OBJECT_TYPE_NAME (object), object);
}

char *
obs_describe_slot (ObsSlot *slot)
{
  g_autofree char *object = obs_describe_object (slot->watch->object);

  return g_strdup_printf ("%s:%s", object, slot->pspec->name);
}

G_DEFINE_QUARK (obs-object-name, obs_object_name)

/**
 * obs_set_object_name:
 * @object: an object
 * @name: (nullable): a short name, or %NULL to remove it
 *
 * Gives @object a name that obs-glib uses in its messages, errors and in
 * [method@Obs.Broker.to_dot] instead of the object's address.
 *
 * Since: 1.0
 */
void
obs_set_object_name (GObject    *object,
                     const char *name)
{
  g_return_if_fail (G_IS_OBJECT (object));

  g_object_set_qdata_full (object, obs_object_name_quark (),
                           g_strdup (name), g_free);
}

/**
 * obs_get_object_name:
 * @object: an object
 *
 * Gets the name given with [func@Obs.set_object_name].
 *
 * Returns: (nullable): the name, or %NULL
 *
 * Since: 1.0
 */
const char *
obs_get_object_name (GObject *object)
{
  g_return_val_if_fail (G_IS_OBJECT (object), NULL);

  return g_object_get_qdata (object, obs_object_name_quark ());
}
