/* obs-watch.c: per-object watches and their per-property slots
 *
 * A broker watches each object once, however many links touch it: one
 * weak reference tells it when the object goes away, and one "notify"
 * handler (only while some link propagates out of the object) tells it
 * what changed. Each linked property of the object is a slot, the key the
 * broker queues.
 *
 * What it costs: GLib charges about 270 bytes for the handler and about
 * 100 for each weak reference, and obs-glib adds a watch, a slot and the
 * broker's table entry per object and a link object per link. A link
 * between two objects that nothing else links costs about 940 bytes in
 * all, a little less than a GBinding, of which GLib's part alone is
 * about 460; the benchmark's goal of a quarter of a GBinding is out of
 * reach while each watched object needs its own handler and weak
 * reference. Objects linked many times share theirs.
 *
 * All functions here are called with the broker's lock held.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "obs-private.h"

static void
obs_watch_free (ObsWatch *watch)
{
  g_assert (watch->slots == NULL);

  g_free (watch);
}

void
obs_watch_unref (ObsWatch *watch)
{
  if (g_atomic_int_dec_and_test (&watch->ref_count))
    obs_watch_free (watch);
}

static void
obs_watch_closure_destroyed (gpointer  data,
                             GClosure *closure)
{
  obs_watch_unref (data);
}

ObsWatch *
obs_watch_new (ObsBroker *broker,
               GObject   *object)
{
  ObsWatch *watch;

  watch = g_new0 (ObsWatch, 1);
  watch->broker = broker;
  watch->object = object;
  watch->ref_count = 1;

  return watch;
}

void
obs_watch_connect_notify (ObsWatch  *watch,
                          GCallback  callback)
{
  if (watch->notify_id != 0 || watch->dead)
    return;

  g_atomic_int_inc (&watch->ref_count);
  watch->notify_id = g_signal_connect_data (watch->object,
                                            "notify",
                                            callback,
                                            watch,
                                            obs_watch_closure_destroyed,
                                            0);
}

/* Stops listening to the object's "notify". The closure's reference on
 * the watch goes when GSignal lets go of the handler, which may be later
 * if a notify is running on another thread. Matching by data does not
 * complain when a dispose on another thread removed the handler first.
 */
void
obs_watch_disconnect_notify (ObsWatch *watch)
{
  if (watch->notify_id == 0 || watch->dead)
    return;

  g_signal_handlers_disconnect_matched (watch->object,
                                        G_SIGNAL_MATCH_DATA,
                                        0, 0, NULL, NULL, watch);
  watch->notify_id = 0;
}

ObsSlot *
obs_watch_lookup_slot (ObsWatch   *watch,
                       GParamSpec *pspec)
{
  for (ObsSlot *slot = watch->slots; slot != NULL; slot = slot->next)
    {
      if (slot->pspec == pspec)
        return slot;
    }

  return NULL;
}

ObsSlot *
obs_watch_ensure_slot (ObsWatch   *watch,
                       GParamSpec *pspec)
{
  ObsSlot *slot;

  slot = obs_watch_lookup_slot (watch, pspec);
  if (slot != NULL)
    return slot;

  slot = g_new0 (ObsSlot, 1);
  slot->watch = watch;
  slot->pspec = pspec;
  slot->plain = g_type_value_table_peek (pspec->value_type)->value_free == NULL;
  slot->next = watch->slots;
  watch->slots = slot;

  return slot;
}

void
obs_slot_ref (ObsSlot *slot)
{
  slot->ref_count++;
}

/* Returns TRUE when this was the last slot of its watch, so the caller
 * can retire the watch.
 */
gboolean
obs_slot_unref (ObsSlot *slot)
{
  ObsWatch *watch = slot->watch;
  ObsSlot **link;

  g_assert (slot->ref_count > 0);

  if (--slot->ref_count > 0)
    return FALSE;

  g_assert (slot->links == NULL);
  g_assert (!slot->queued);

  for (link = &watch->slots; *link != slot; link = &(*link)->next)
    ;
  *link = slot->next;

  if (slot->pending != NULL)
    obs_broker_trash_value_locked (watch->broker,
                                   g_steal_pointer (&slot->pending));

  g_free (slot);

  return watch->slots == NULL;
}

/* Whether link carries values out of slot. */
gboolean
obs_slot_propagates (ObsSlot *slot,
                     ObsLink *link)
{
  return link->source == slot || link->two_way;
}

ObsLink *
obs_slot_next_link (ObsSlot *slot,
                    ObsLink *link)
{
  if (link->source == slot)
    return link->next_at_source;

  return link->next_at_target;
}

static ObsLink **
obs_slot_next_pointer (ObsSlot *slot,
                       ObsLink *link)
{
  if (link->source == slot)
    return &link->next_at_source;

  return &link->next_at_target;
}

void
obs_slot_add_link (ObsSlot *slot,
                   ObsLink *link)
{
  *obs_slot_next_pointer (slot, link) = slot->links;
  slot->links = link;

  if (obs_slot_propagates (slot, link))
    {
      /* Changes are ordered from the moment a property has links out of
       * it; what happened to it before is older than all of them. */
      if (slot->n_immediate + slot->n_deferred == 0)
        slot->stamp = 0;

      if (link->flags & OBS_LINK_IMMEDIATE)
        slot->n_immediate++;
      else
        slot->n_deferred++;
    }

  obs_slot_ref (slot);
}

/* Takes link out of the slot's list. The caller drops the slot
 * reference the link held, with obs_slot_unref().
 */
void
obs_slot_remove_link (ObsSlot *slot,
                      ObsLink *link)
{
  ObsLink **cursor = &slot->links;

  while (*cursor != link)
    {
      g_assert (*cursor != NULL);
      cursor = obs_slot_next_pointer (slot, *cursor);
    }

  *cursor = obs_slot_next_link (slot, link);

  if (obs_slot_propagates (slot, link))
    {
      if (link->flags & OBS_LINK_IMMEDIATE)
        slot->n_immediate--;
      else
        slot->n_deferred--;
    }
}
