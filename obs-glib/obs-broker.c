/* obs-broker.c: links, the queue of changed properties and its drain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "obs-private.h"


/**
 * ObsBroker:
 *
 * Keeps properties of GObjects in sync.
 *
 * A broker watches the objects it links. When a linked source property
 * changes, the broker puts the (object, property) pair on its queue once;
 * more changes of the same property before the queue is drained coalesce
 * into one propagation with the latest value. The queue is drained from
 * the broker's main context by one `GSource`, at
 * [property@Obs.Broker:priority], or right away by
 * [method@Obs.Broker.flush].
 *
 * Draining is iterative: a target's own change joins the queue of the same
 * drain, so a chain of any length settles without growing the stack. A
 * value equal to the target's current one is not written, which lets
 * two-way links and cycles settle; a cycle that keeps changing is cut after
 * [property@Obs.Broker:max-rounds] rounds and reported through
 * [signal@Obs.Broker::link-error].
 *
 * ```c
 * ObsBroker *broker = obs_broker_get_default ();
 * g_autoptr(GError) error = NULL;
 *
 * if (!obs_broker_link (broker, G_OBJECT (first), "a",
 *                       G_OBJECT (second), "a",
 *                       OBS_LINK_SYNC_CREATE, &error))
 *   g_warning ("%s", error->message);
 *
 * g_object_set (first, "a", 30, NULL);
 * obs_broker_flush (broker);   // second's "a" is 30 now
 * ```
 *
 * The broker is also a [iface@Gio.ListModel] of its active
 * [class@Obs.Link]s; see [method@Obs.Broker.get_links].
 *
 * Since: 1.0
 */

#define DEFAULT_MAX_ROUNDS 100

#define OBS_LINK_FLAGS_ALL (OBS_LINK_SYNC_CREATE | OBS_LINK_IMMEDIATE | \
                            OBS_LINK_INVERT_BOOLEAN)

typedef struct
{
  GSource    parent;
  ObsBroker *broker;   /* not owned: the broker owns the source */
} ObsBrokerSource;

typedef struct
{
  /* not owned: a link stays alive until the drain is over, because
   * links are only let go of by obs_broker_finish() while one runs */
  ObsLink    *link;
  GObject    *target;     /* owned reference; NULL for a subscription */

  /* the target's watch, held with obs_broker_hold_locked() */
  ObsWatch   *target_watch;

  /* the slot written: another thread may free it meanwhile, so it is
   * only compared, never read; what the write needs is copied below */
  ObsSlot    *to;
  gboolean    to_direct;
  gboolean    to_plain;

  gboolean    forward;
} ObsStep;

typedef struct
{
  ObsLink *link;       /* owned reference, may be NULL */
  GError  *error;      /* owned */
} ObsPendingError;

struct _ObsBroker
{
  GObject       parent_instance;

  /* Guards every field below unless its comment says otherwise, and the
   * watches, slots and links of this broker. */
  GMutex        lock;

  /* owned; set at construction */
  GMainContext *context;

  /* owned, attached to context; armed with a ready time of 0 */
  GSource      *source;

  /* not owned: the thread that last drained, or the one that made the
   * broker. A notify from any other thread reads its value at once.
   * Until the first drain this may not be the thread that runs the
   * context (see doc/threads.md, "Known limitations"). */
  GThread      *owner;

  /* GObject * -> ObsWatch *, the table holds one reference per watch */
  GHashTable   *watches;

  /* changed slots, each holding a reference on itself while queued */
  ObsSlot      *queue_head;
  ObsSlot      *queue_tail;

  /* slots changed by other threads while a drain runs, waiting for the
   * next drain so that busy threads cannot keep one drain going; queued
   * the same way */
  ObsSlot      *incoming_head;
  ObsSlot      *incoming_tail;

  /* ObsWatch *: objects whose notifications are held back during a
   * burst, each entry holding a reference on its watch */
  GPtrArray    *frozen;

  /* signalled when the owner thread lets go of an object that is being
   * disposed on another thread; waited on with lock */
  GCond         released;

  /* slots waiting in an immediate run; each entry holds a reference */
  GPtrArray    *immediate;

  /* scratch steps of the slot being dispatched; owner thread, reused */
  GArray       *steps;

  /* The list model: links listed on the owner thread, in the order they
   * were made. Only the owner thread changes it. */
  ObsLink      *first_link;
  ObsLink      *last_link;
  guint         n_links;
  ObsLink      *cursor;
  guint         cursor_position;

  /* links made on other threads, listed at the next drain; the broker's
   * reference on each is the one taken when it was made */
  GPtrArray    *pending_links;

  /* inactive links whose transforms and model entry wait for the owner
   * thread; each holds the broker's reference */
  GPtrArray    *dead_links;

  /* link-error emissions waiting for the end of the drain */
  GArray       *errors;

  /* GValues dropped while the lock was held, freed after it is let go:
   * freeing one may drop the last reference on an object, whose weak
   * notify takes the lock */
  GPtrArray    *trash;

  /* Orders changes: each change of a source takes the next stamp, and a
   * write made by a link passes on the stamp of the change it carries.
   * A slot with a newer stamp than the one propagating into it is
   * not overwritten, so the latest change wins however the queue is
   * ordered. */
  guint64       stamp;

  /* the slot being written by the owner thread, and the stamp it gets;
   * owner thread only */
  ObsSlot      *writing_slot;
  guint64       writing_stamp;
  gboolean      echo_seen;

  /* a slot written from inside its own notify emission, whose echo
   * GObject delivers after the emission; compared only, never
   * dereferenced; owner thread only */
  ObsSlot      *deferred_echo;
  guint64       deferred_stamp;

  int           priority;
  guint         max_rounds;
  guint         hold_count;
  guint         serial;

  /* owner-thread calls into user code outside a drain (a SYNC_CREATE
   * copy): links unlinked meanwhile wait for obs_broker_finish() */
  guint         busy;

  guint         draining : 1;
  guint         immediate_run : 1;
  guint         scheduled : 1;
  guint         disposed : 1;
};

enum {
  PROP_0,
  PROP_CONTEXT,
  PROP_PRIORITY,
  PROP_MAX_ROUNDS,
  N_PROPS
};

enum {
  LINK_ERROR,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];
static guint notify_signal_id;

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ObsBroker, obs_broker, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      list_model_iface_init))

G_DEFINE_QUARK (obs-link-error-quark, obs_link_error)

static void obs_broker_on_notify      (GObject    *object,
                                       GParamSpec *pspec,
                                       ObsWatch   *watch);
static void obs_broker_run_immediate  (ObsBroker  *self,
                                       ObsSlot    *slot,
                                       gboolean    continued);
static guint obs_broker_drain         (ObsBroker  *self);

/* ThreadSanitizer does not see GMutex, which GLib builds on futexes:
 * tell it about the lock in TSan builds, or every field it guards looks
 * like a race. */
void
obs_broker_lock (ObsBroker *self)
{
  g_mutex_lock (&self->lock);
  OBS_TSAN_ACQUIRE (&self->lock);
}

void
obs_broker_unlock (ObsBroker *self)
{
  OBS_TSAN_RELEASE (&self->lock);
  g_mutex_unlock (&self->lock);
}

static gboolean
obs_broker_is_owner (ObsBroker *self)
{
  return self->owner == g_thread_self ();
}

static void
obs_broker_schedule_locked (ObsBroker *self)
{
  if (self->scheduled || self->hold_count > 0 || self->source == NULL)
    return;

  self->scheduled = TRUE;
  g_source_set_ready_time (self->source, 0);
}

/* Watches ---------------------------------------------------------------- */

static void
obs_broker_weak_notify (gpointer  data,
                        GObject  *where_the_object_was);

static ObsWatch *
obs_broker_ensure_watch_locked (ObsBroker *self,
                                GObject   *object)
{
  ObsWatch *watch;

  watch = g_hash_table_lookup (self->watches, object);
  if (watch != NULL)
    return watch;

  watch = obs_watch_new (self, object);
  g_hash_table_insert (self->watches, object, watch);
  g_object_weak_ref (object, obs_broker_weak_notify, watch);

  return watch;
}

/* Called when a watch has no slots left. A dead watch drops the table's
 * reference. A live one only stops listening to "notify": it keeps its
 * weak reference and its place in the table until the object goes or
 * the broker is disposed. Removing the weak reference here would race
 * with a dispose of the object on another thread, which GObject reports
 * as a missing weak reference; an idle watch costs a few dozen bytes and
 * is reused if the object is linked again.
 */
static void
obs_broker_retire_watch_locked (ObsBroker *self,
                                ObsWatch  *watch)
{
  g_assert (watch->slots == NULL);

  if (watch->dead)
    {
      obs_watch_unref (watch);
      return;
    }

  obs_watch_disconnect_notify (watch);
}

static void
obs_broker_unref_slot_locked (ObsBroker *self,
                              ObsSlot   *slot)
{
  ObsWatch *watch = slot->watch;

  if (obs_slot_unref (slot))
    obs_broker_retire_watch_locked (self, watch);
}

/* Takes an active link out of its slots. Its transforms and its place in
 * the list model are left to the caller.
 */
static void
obs_broker_deactivate_locked (ObsBroker *self,
                              ObsLink   *link)
{
  ObsSlot *source = link->source;
  ObsSlot *target = link->target;

  g_assert (g_atomic_int_get (&link->active));

  obs_slot_remove_link (source, link);
  if (target != NULL)
    obs_slot_remove_link (target, link);

  link->source = NULL;
  link->target = NULL;
  g_atomic_int_set (&link->active, FALSE);

  obs_broker_unref_slot_locked (self, source);
  if (target != NULL)
    obs_broker_unref_slot_locked (self, target);
}

/* Runs in the dispose of a watched object, on whatever thread drops it.
 * Only bookkeeping happens here: the links' transforms are released and
 * the model updated from the broker's own thread later.
 */
static void
obs_broker_weak_notify (gpointer  data,
                        GObject  *where_the_object_was)
{
  ObsWatch *watch = data;
  ObsBroker *self = watch->broker;
  g_autoptr(GPtrArray) slots = NULL;
  ObsSlot *slot;

  OBS_TSAN_ACQUIRE (where_the_object_was);

  obs_broker_lock (self);

  g_hash_table_remove (self->watches, where_the_object_was);

  /* dispose already destroyed the notify handler */
  watch->notify_id = 0;

  /* The owner thread may be using the object without the lock: no new
   * use starts from now on, and the ones under way finish first (see
   * obs_broker_hold_locked()). On the owner thread itself, a dispose
   * from its own propagation, there is nothing to wait for. */
  watch->dying = TRUE;
  while (watch->in_use > 0 && !obs_broker_is_owner (self))
    {
      /* the wait lets go of the lock and takes it again */
      OBS_TSAN_RELEASE (&self->lock);
      g_cond_wait (&self->released, &self->lock);
      OBS_TSAN_ACQUIRE (&self->lock);
    }

  /* Still held: the owner disposed it from its own propagation. Keep
   * the watch until the hold ends. */
  if (watch->in_use > 0)
    {
      g_atomic_int_inc (&watch->ref_count);
      watch->unref_when_idle = TRUE;
    }

  watch->object = NULL;
  watch->dead = TRUE;

  /* An object disposed with g_object_run_dispose() lives on: give it its
   * notifications back. With no handlers left, thawing emits nothing. */
  if (watch->frozen)
    {
      watch->frozen = FALSE;
      g_ptr_array_remove_fast (self->frozen, watch);
      g_object_thaw_notify (where_the_object_was);
      obs_watch_unref (watch);
    }

  if (watch->slots == NULL)
    {
      obs_watch_unref (watch);
      obs_broker_unlock (self);
      return;
    }

  /* Keep the slots alive while their links go; the last of them takes
   * the table's reference on the watch with it. */
  slots = g_ptr_array_new ();
  for (slot = watch->slots; slot != NULL; slot = slot->next)
    {
      obs_slot_ref (slot);
      g_ptr_array_add (slots, slot);
    }

  for (guint i = 0; i < slots->len; i++)
    {
      slot = g_ptr_array_index (slots, i);

      while (slot->links != NULL)
        {
          ObsLink *link = slot->links;

          obs_broker_deactivate_locked (self, link);
          g_ptr_array_add (self->dead_links, link);
        }
    }

  for (guint i = 0; i < slots->len; i++)
    obs_broker_unref_slot_locked (self, g_ptr_array_index (slots, i));

  obs_broker_schedule_locked (self);

  obs_broker_unlock (self);
}

/* Takes a reference on a watched object for the owner thread to use
 * without the lock. A thread that drops the object's last reference
 * meanwhile waits in the weak notify until obs_broker_unhold_locked():
 * had the owner taken its reference while the other thread disposes the
 * object, both would use the object's notify queue at once, which GLib
 * 2.74 does not survive.
 */
static GObject *
obs_broker_hold_locked (ObsBroker *self,
                        ObsWatch  *watch)
{
  watch->in_use++;

  return g_object_ref (watch->object);
}

/* Called with the lock once the reference from obs_broker_hold_locked()
 * was dropped. */
static void
obs_broker_unhold_locked (ObsBroker *self,
                          ObsWatch  *watch)
{
  g_assert (watch->in_use > 0);

  if (--watch->in_use > 0)
    return;

  if (watch->dying)
    g_cond_broadcast (&self->released);

  if (watch->unref_when_idle)
    {
      watch->unref_when_idle = FALSE;
      obs_watch_unref (watch);
    }
}

/* The queue --------------------------------------------------------------- */

static void
obs_broker_enqueue_locked (ObsBroker *self,
                           ObsSlot   *slot,
                           gboolean   forced)
{
  if (forced)
    slot->forced = TRUE;

  if (slot->queued)
    return;

  slot->queued = TRUE;
  obs_slot_ref (slot);

  if (self->draining && !obs_broker_is_owner (self))
    {
      if (self->incoming_tail != NULL)
        self->incoming_tail->queue_next = slot;
      else
        self->incoming_head = slot;

      self->incoming_tail = slot;
      return;
    }

  if (self->queue_tail != NULL)
    self->queue_tail->queue_next = slot;
  else
    self->queue_head = slot;

  self->queue_tail = slot;
}

/* Moves what other threads queued during the last drain to the end of
 * the queue.
 */
static void
obs_broker_take_incoming_locked (ObsBroker *self)
{
  if (self->incoming_head == NULL)
    return;

  if (self->queue_tail != NULL)
    self->queue_tail->queue_next = self->incoming_head;
  else
    self->queue_head = self->incoming_head;

  self->queue_tail = self->incoming_tail;
  self->incoming_head = NULL;
  self->incoming_tail = NULL;
}

static ObsSlot *
obs_broker_pop_locked (ObsBroker *self)
{
  ObsSlot *slot = self->queue_head;

  if (slot == NULL)
    return NULL;

  self->queue_head = slot->queue_next;
  if (self->queue_head == NULL)
    self->queue_tail = NULL;

  slot->queue_next = NULL;
  slot->queued = FALSE;
  slot->freeze_refused = FALSE;

  return slot;
}

/* Reads a linked property. When the name found the property itself (no
 * override or interface redirect), the class's get_property is called
 * directly: g_object_get_property() would look the name up again, under
 * a global lock, on every propagation.
 */
static void
obs_read_property (GParamSpec *pspec,
                   gboolean    direct,
                   GObject    *object,
                   GValue     *value)
{
  if (direct)
    {
      GObjectClass *klass = g_type_class_peek (pspec->owner_type);

      klass->get_property (object, pspec->param_id, value, pspec);
      return;
    }

  g_object_get_property (object, pspec->name, value);
}

/* Writes a linked property whose value already has the property's type
 * and passed its validation. When the name found the property itself, the
 * class's set_property is called directly, as GObject does once it has
 * looked the name up; a property that does not notify by itself is
 * notified after the setter returns, with the object's notifications held
 * meanwhile so the two notifies make one. Deprecated properties go through
 * g_object_set_property(), which warns about them.
 */
static void
obs_write_property (GParamSpec   *pspec,
                    gboolean      direct,
                    GObject      *object,
                    const GValue *value)
{
  GObjectClass *klass;
  gboolean notify;

  if (!direct || (pspec->flags & G_PARAM_DEPRECATED) != 0)
    {
      g_object_set_property (object, pspec->name, value);
      return;
    }

  klass = g_type_class_peek (pspec->owner_type);
  notify = (pspec->flags & G_PARAM_READABLE) != 0 &&
           (pspec->flags & G_PARAM_EXPLICIT_NOTIFY) == 0;

  if (notify)
    g_object_freeze_notify (object);

  klass->set_property (object, pspec->param_id, value, pspec);

  if (notify)
    {
      g_object_notify_by_pspec (object, pspec);
      g_object_thaw_notify (object);
    }
}

static void
obs_slot_read (ObsSlot *slot,
               GObject *object,
               GValue  *value)
{
  obs_read_property (slot->pspec, slot->direct_read, object, value);
}

static void
obs_free_value (gpointer data)
{
  GValue *value = data;

  g_value_unset (value);
  g_free (value);
}

void
obs_broker_trash_value_locked (ObsBroker *self,
                               GValue    *value)
{
  g_ptr_array_add (self->trash, value);
}

static void
obs_slot_clear_pending (ObsSlot *slot)
{
  if (slot->pending == NULL)
    return;

  obs_broker_trash_value_locked (slot->watch->broker,
                                 g_steal_pointer (&slot->pending));
}

/* Reads the source's value now, for a change made on a thread that does
 * not own the broker: that thread may change it again before the owner
 * drains the queue, and the owner must see the value of this notify.
 */
static void
obs_slot_store_pending (ObsSlot *slot)
{
  obs_slot_clear_pending (slot);
  slot->pending = g_new0 (GValue, 1);

  g_value_init (slot->pending, slot->pspec->value_type);
  obs_slot_read (slot, slot->watch->object, slot->pending);
}

/* Bursts ------------------------------------------------------------------
 *
 * A notify costs GObject several hundred nanoseconds per handler, even
 * when the slot it names is already queued. When a source is set again
 * before the drain and nothing but obs-glib can tell, its object's
 * notifications are held back with g_object_freeze_notify() until the
 * slot is dispatched: further sets cost GObject a few dozen nanoseconds.
 *
 * "Nothing can tell" means: the notify came on the owner thread outside a
 * drain; the object has this one slot, with no IMMEDIATE link; every link
 * out of it is one-way into a property that nothing else links and that
 * propagates nowhere; the object's class has no notify method and
 * obs-glib's is its only "notify" handler.
 *
 * Changes are ordered by stamps, and a frozen slot's later sets get none.
 * So the object is thawed, and its slot stamped, before anything else
 * takes a stamp on the owner thread: any other linked change, the making
 * of any link, its own dispatch. Its stamp then falls after its last set
 * and before every later change, which is the order the sets were made
 * in. Other threads do not thaw (see obs_broker_hold_locked()): the order
 * of their changes against the owner's is a race anyway.
 */

static gboolean
obs_broker_can_freeze_locked (ObsBroker *self,
                              ObsSlot   *slot)
{
  ObsWatch *watch = slot->watch;
  gulong other;

  if (watch->frozen || watch->dead || self->draining)
    return FALSE;

  if (watch->slots != slot || slot->next != NULL || slot->n_immediate > 0)
    return FALSE;

  for (ObsLink *link = slot->links;
       link != NULL;
       link = obs_slot_next_link (slot, link))
    {
      ObsSlot *to = link->target;

      if (link->source != slot || link->two_way)
        return FALSE;

      if (to != NULL &&
          (to->n_deferred + to->n_immediate > 0 ||
           to->links != link || link->next_at_target != NULL))
        return FALSE;
    }

  if (G_OBJECT_GET_CLASS (watch->object)->notify != NULL)
    return FALSE;

  /* Any other handler, whatever its detail, that is not blocked now.
   * One blocked now and unblocked during the burst gets its notifies at
   * the drain. */
  g_signal_handler_block (watch->object, watch->notify_id);
  other = g_signal_handler_find (watch->object,
                                 G_SIGNAL_MATCH_ID | G_SIGNAL_MATCH_UNBLOCKED,
                                 notify_signal_id, 0, NULL, NULL, NULL);
  g_signal_handler_unblock (watch->object, watch->notify_id);

  return other == 0;
}

static void
obs_broker_freeze_locked (ObsBroker *self,
                          ObsWatch  *watch)
{
  watch->frozen = TRUE;
  g_atomic_int_inc (&watch->ref_count);
  g_ptr_array_add (self->frozen, watch);

  /* emits nothing, so the lock may be held */
  g_object_freeze_notify (watch->object);
}

/* Lets the notifications of only's object, or of every frozen object when
 * only is NULL, go again. Called without the lock, from any thread: the
 * notifications held back arrive in obs_broker_on_notify(), here, and are
 * only stamped there.
 */
static void
obs_broker_thaw (ObsBroker *self,
                 ObsWatch  *only,
                 gboolean   any_thread)
{
  g_autoptr(GPtrArray) watches = g_ptr_array_new ();
  g_autoptr(GPtrArray) objects = g_ptr_array_new ();

  obs_broker_lock (self);

  /* Only the owner may hold objects outside the lock (see
   * obs_broker_hold_locked()); the broker's dispose may not wait. */
  if (!any_thread && !obs_broker_is_owner (self))
    {
      obs_broker_unlock (self);
      return;
    }

  for (guint i = self->frozen->len; i > 0; i--)
    {
      ObsWatch *watch = g_ptr_array_index (self->frozen, i - 1);

      if (only != NULL && watch != only)
        continue;

      g_ptr_array_remove_index_fast (self->frozen, i - 1);
      watch->frozen = FALSE;
      g_ptr_array_add (watches, watch);

      /* The weak notify thaws the object of a dead watch. */
      if (!watch->dead && !watch->dying)
        {
          watch->thawing = TRUE;
          g_ptr_array_add (objects, obs_broker_hold_locked (self, watch));
        }
    }

  obs_broker_unlock (self);

  for (guint i = 0; i < objects->len; i++)
    g_object_thaw_notify (g_ptr_array_index (objects, i));

  /* Dropping an object may finalize it, and its weak notify takes the
   * lock. */
  for (guint i = 0; i < objects->len; i++)
    g_object_unref (g_ptr_array_index (objects, i));

  obs_broker_lock (self);
  for (guint i = 0; i < watches->len; i++)
    {
      ObsWatch *watch = g_ptr_array_index (watches, i);

      if (watch->thawing)
        obs_broker_unhold_locked (self, watch);
      watch->thawing = FALSE;
    }
  obs_broker_unlock (self);

  for (guint i = 0; i < watches->len; i++)
    obs_watch_unref (g_ptr_array_index (watches, i));
}

static void
obs_broker_on_notify (GObject    *object,
                      GParamSpec *pspec,
                      ObsWatch   *watch)
{
  ObsBroker *self = watch->broker;
  gboolean continued;
  ObsSlot *slot;

  obs_broker_lock (self);

  if (watch->dead)
    goto out;

  slot = obs_watch_lookup_slot (watch, pspec);
  if (slot == NULL)
    goto out;

  if (watch->thawing)
    {
      slot->stamp = ++self->stamp;
      goto out;
    }

  /* Another change while a lone source is held back: the source's sets
   * came before it, so let them in first and stamp them now. Stamps
   * stay in the order of the sets that way, whatever links are made
   * later. */
  if (self->frozen->len > 0 && obs_broker_is_owner (self))
    {
      obs_broker_unlock (self);
      obs_broker_thaw (self, NULL, FALSE);
      obs_broker_lock (self);

      slot = watch->dead ? NULL : obs_watch_lookup_slot (watch, pspec);
      if (slot == NULL)
        goto out;
    }

  if (!obs_broker_is_owner (self))
    {
      slot->stamp = ++self->stamp;
      if (slot->n_deferred + slot->n_immediate == 0)
        goto out;
      obs_slot_store_pending (slot);
      obs_broker_enqueue_locked (self, slot, FALSE);
      obs_broker_schedule_locked (self);
      goto out;
    }

  continued = FALSE;
  if (slot == self->writing_slot)
    {
      slot->stamp = self->writing_stamp;
      self->echo_seen = TRUE;
    }
  else if (slot == self->deferred_echo && !self->draining)
    {
      slot->stamp = self->deferred_stamp;
      continued = TRUE;
    }
  else
    {
      slot->stamp = ++self->stamp;
    }

  if (!self->draining)
    self->deferred_echo = NULL;

  /* A pure target only needed its stamp. */
  if (slot->n_deferred + slot->n_immediate == 0)
    goto out;

  obs_slot_clear_pending (slot);

  if (slot->n_immediate > 0 && self->hold_count == 0)
    {
      if (!self->draining)
        {
          /* releases the lock */
          obs_broker_run_immediate (self, slot, continued);
          return;
        }

      if (self->immediate_run)
        {
          obs_slot_ref (slot);
          g_ptr_array_add (self->immediate, slot);
        }
      else
        {
          obs_broker_enqueue_locked (self, slot, FALSE);
        }
    }

  if (slot->n_deferred > 0 || self->hold_count > 0 || !self->immediate_run)
    {
      /* A second change before the drain: a burst. The answer holds
       * until the slot leaves the queue; asking again on every set would
       * walk the links each time. */
      if (slot->queued && !slot->freeze_refused)
        {
          if (obs_broker_can_freeze_locked (self, slot))
            obs_broker_freeze_locked (self, watch);
          else
            slot->freeze_refused = TRUE;
        }

      obs_broker_enqueue_locked (self, slot, FALSE);
      obs_broker_schedule_locked (self);
    }

out:
  obs_broker_unlock (self);
}

/* Propagation ------------------------------------------------------------ */

/* Calls a transform or subscription closure with the link and a copy of
 * value; result may be NULL.
 */
static void
obs_closure_call (GClosure     *closure,
                  ObsLink      *link,
                  const GValue *value,
                  GValue       *result)
{
  GValue params[2] = { G_VALUE_INIT, G_VALUE_INIT };

  g_value_init (&params[0], OBS_TYPE_LINK);
  g_value_set_object (&params[0], link);
  g_value_init (&params[1], G_VALUE_TYPE (value));
  g_value_copy (value, &params[1]);

  g_closure_invoke (closure, result, 2, params, NULL);

  g_value_unset (&params[1]);
  g_value_unset (&params[0]);
}

/* A closure returns its value wrapped in a GValue of type G_TYPE_VALUE:
 * bindings fill it from whatever the function returned, and leave it
 * empty when the function raised, which a plain typed return value could
 * not tell apart from a real result.
 */
static gboolean
obs_transform_call (ObsTransform  *transform,
                    ObsLink       *link,
                    gboolean       forward,
                    const GValue  *from_value,
                    GValue        *to_value,
                    GError       **error)
{
  GParamSpec *from = forward ? link->source_pspec : link->target_pspec;
  GParamSpec *to = forward ? link->target_pspec : link->source_pspec;
  GValue result = G_VALUE_INIT;
  const GValue *returned;
  gboolean ok = FALSE;

  if (transform->closure == NULL)
    {
      ObsTransformFunc func = (ObsTransformFunc) transform->func;

      return func (link, from_value, to_value, transform->data);
    }

  g_value_init (&result, G_TYPE_VALUE);
  obs_closure_call (transform->closure, link, from_value, &result);

  returned = g_value_get_boxed (&result);
  if (returned == NULL || !G_IS_VALUE (returned))
    g_set_error (error, OBS_LINK_ERROR, OBS_LINK_ERROR_TRANSFORM_FAILED,
                 "The transform of %s → %s returned no value "
                 "(it raised an error or returned nothing)",
                 from->name, to->name);
  else if (!g_value_transform (returned, to_value))
    g_set_error (error, OBS_LINK_ERROR, OBS_LINK_ERROR_TRANSFORM_FAILED,
                 "The transform of %s → %s returned a %s, which does not "
                 "convert to %s",
                 from->name, to->name,
                 G_VALUE_TYPE_NAME (returned),
                 G_VALUE_TYPE_NAME (to_value));
  else
    ok = TRUE;

  g_value_unset (&result);

  return ok;
}

static void
obs_subscription_call (ObsTransform *transform,
                       ObsLink      *link,
                       const GValue *value)
{
  if (transform->closure == NULL)
    {
      ObsSubscribeFunc func = (ObsSubscribeFunc) transform->func;

      func (link, value, transform->data);
      return;
    }

  obs_closure_call (transform->closure, link, value, NULL);
}

/* Whether g_debug() of the "Obs" domain would print. The environment is
 * read once; g_log_set_debug_enabled() is honoured at any time.
 */
static gboolean
obs_debug_enabled (void)
{
  static gsize from_env;

  if (g_once_init_enter (&from_env))
    {
      gboolean enabled;

      enabled = !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG,
                                                  G_LOG_DOMAIN);
      g_once_init_leave (&from_env, enabled ? 2 : 1);
    }

  return from_env == 2 || g_log_get_debug_enabled ();
}

static void
obs_broker_report_locked (ObsBroker *self,
                          ObsLink   *link,
                          GError    *error)
{
  ObsPendingError pending = { NULL, error };

  if (link != NULL)
    pending.link = g_object_ref (link);

  g_array_append_val (self->errors, pending);
}

static void
obs_broker_report (ObsBroker *self,
                   ObsLink   *link,
                   GError    *error)
{
  obs_broker_lock (self);
  obs_broker_report_locked (self, link, error);
  obs_broker_unlock (self);
}

/* Writes value into the step's target. The target's notify is this
 * write's echo: it carries the stamp of the change that caused it, not a
 * new one.
 */
static void
obs_broker_write_target (ObsBroker    *self,
                         ObsStep      *step,
                         GParamSpec   *pspec,
                         const GValue *value,
                         guint64       stamp)
{
  ObsSlot *writing_slot = self->writing_slot;
  guint64 writing_stamp = self->writing_stamp;

  self->writing_slot = step->to;
  self->writing_stamp = stamp;
  self->echo_seen = FALSE;

  obs_write_property (pspec, step->to_direct, step->target, value);

  /* "notify" does not recurse: written from inside the target's own
   * notify emission, GObject delivers the echo only after this drain
   * returns. Remember it, so that echo continues the same run (and its
   * count of rounds) instead of starting a new one. */
  if (!self->echo_seen && step->to != NULL)
    {
      self->deferred_echo = step->to;
      self->deferred_stamp = stamp;
    }

  self->writing_slot = writing_slot;
  self->writing_stamp = writing_stamp;
}

/* Carries value along one step. Returns 1 if a target was written or a
 * subscriber called, 0 otherwise.
 */
static guint
obs_broker_propagate (ObsBroker    *self,
                      ObsStep      *step,
                      GObject      *source,
                      const GValue *value,
                      guint64       stamp,
                      gboolean      forced,
                      gboolean      debug)
{
  ObsLink *link = step->link;
  ObsTransform *transform;
  GParamSpec *pspec;
  GValue out = G_VALUE_INIT;
  GValue inverted = G_VALUE_INIT;
  const GValue *input = value;
  const GValue *result;
  GError *error = NULL;
  gboolean ok;

  if (!g_atomic_int_get (&link->active))
    return 0;

  transform = step->forward ? link->to : link->from;

  if (link->subscription)
    {
      if (debug)
        {
          g_autofree char *contents = g_strdup_value_contents (value);
          g_autofree char *from = obs_describe_object (source);

          g_debug ("%s:%s -> subscriber: %s",
                   from, link->source_pspec->name, contents);
        }

      obs_subscription_call (transform, link, value);
      return 1;
    }

  pspec = step->forward ? link->target_pspec : link->source_pspec;

  if (link->flags & OBS_LINK_INVERT_BOOLEAN)
    {
      g_value_init (&inverted, G_TYPE_BOOLEAN);
      g_value_set_boolean (&inverted, !g_value_get_boolean (value));
      input = &inverted;
    }

  /* A plain copy between properties of one type writes what was read. */
  if (transform == NULL && G_VALUE_TYPE (input) == pspec->value_type)
    {
      result = input;
      ok = TRUE;
    }
  else
    {
      g_value_init (&out, pspec->value_type);
      result = &out;

      if (transform != NULL)
        ok = obs_transform_call (transform, link, step->forward, input, &out,
                                 &error);
      else
        ok = g_value_transform (input, &out);
    }

  /* A binding may hand back a value of another type in place of the one
   * it was given (Vala assigns the whole GValue): convert it. */
  if (ok && G_VALUE_TYPE (result) != pspec->value_type)
    {
      GValue converted = G_VALUE_INIT;

      g_value_init (&converted, pspec->value_type);
      ok = g_value_transform (&out, &converted);
      if (!ok)
        g_set_error (&error, OBS_LINK_ERROR, OBS_LINK_ERROR_TRANSFORM_FAILED,
                     "A transform returned a %s, which does not convert to "
                     "%s for property “%s”",
                     G_VALUE_TYPE_NAME (&out), g_type_name (G_VALUE_TYPE (&converted)),
                     pspec->name);
      g_value_unset (&out);
      out = converted;
    }

  /* GObject would refuse the value with a warning; say which link made
   * it instead, and leave the target alone. */
  if (ok && !g_param_value_is_valid (pspec, result))
    {
      if ((pspec->flags & G_PARAM_LAX_VALIDATION) != 0)
        {
          if (result != &out)
            {
              g_value_init (&out, pspec->value_type);
              g_value_copy (result, &out);
              result = &out;
            }

          g_param_value_validate (pspec, &out);
        }
      else
        {
          g_autofree char *contents = g_strdup_value_contents (result);

          g_set_error (&error, OBS_LINK_ERROR, OBS_LINK_ERROR_INVALID_VALUE,
                       "Value %s is invalid or out of range for property "
                       "“%s” of %s",
                       contents, pspec->name,
                       G_OBJECT_TYPE_NAME (step->target));
          ok = FALSE;
        }
    }

  if (error != NULL)
    obs_broker_report (self, link, g_steal_pointer (&error));

  if (ok && !forced)
    {
      GValue current = G_VALUE_INIT;

      g_value_init (&current, pspec->value_type);
      obs_read_property (pspec, step->to_direct, step->target, &current);
      if (g_param_values_cmp (pspec, result, &current) == 0)
        ok = FALSE;
      if (!step->to_plain)
        g_value_unset (&current);
    }

  if (ok && g_atomic_int_get (&link->active))
    {
      if (debug)
        {
          g_autofree char *contents = g_strdup_value_contents (result);
          g_autofree char *from = obs_describe_object (source);
          g_autofree char *to = obs_describe_object (step->target);

          g_debug ("%s:%s -> %s:%s = %s",
                   from, (step->forward ? link->source_pspec
                                        : link->target_pspec)->name,
                   to, pspec->name, contents);
        }

      obs_broker_write_target (self, step, pspec, result, stamp);
    }

  if (G_VALUE_TYPE (&out) != G_TYPE_INVALID)
    g_value_unset (&out);

  if (G_VALUE_TYPE (&inverted) != G_TYPE_INVALID)
    g_value_unset (&inverted);

  return ok ? 1 : 0;
}

/* Builds the message of a cycle that did not settle: the slots whose
 * count went past half the limit in this drain, followed from the slot
 * that went over it until the walk comes back.
 */
static GError *
obs_broker_cycle_error_locked (ObsBroker *self,
                               ObsSlot   *start)
{
  g_autoptr(GString) path = g_string_new (NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  guint threshold = MAX (self->max_rounds / 2, 1);
  ObsSlot *slot = start;

  while (slot != NULL && !g_hash_table_contains (seen, slot))
    {
      g_autofree char *name = obs_describe_slot (slot);
      ObsSlot *next = NULL;

      g_hash_table_add (seen, slot);
      g_string_append_printf (path, "%s%s", path->len ? " -> " : "", name);

      for (ObsLink *link = slot->links;
           link != NULL && next == NULL;
           link = obs_slot_next_link (slot, link))
        {
          ObsSlot *other;

          if (!obs_slot_propagates (slot, link) || link->subscription)
            continue;

          other = link->source == slot ? link->target : link->source;
          if (other->serial == self->serial && other->rounds >= threshold)
            next = other;
        }

      if (next == start)
        {
          g_autofree char *first = obs_describe_slot (start);

          g_string_append_printf (path, " -> %s", first);
          break;
        }

      slot = next;
    }

  return g_error_new (OBS_LINK_ERROR,
                      OBS_LINK_ERROR_CYCLE,
                      "Links did not settle after %u rounds and were cut: %s",
                      self->max_rounds, path->str);
}

/* Collects the steps that carry slot's value, with references, so they
 * can run without the lock. Returns FALSE if the slot has nothing to do.
 */
static gboolean
obs_broker_collect_locked (ObsBroker *self,
                           ObsSlot   *slot,
                           gboolean   immediate_only,
                           gboolean   forced)
{
  g_array_set_size (self->steps, 0);

  if (slot->watch->dead || slot->watch->dying)
    return FALSE;

  if (slot->serial != self->serial)
    {
      slot->serial = self->serial;
      slot->rounds = 0;
      slot->cut = FALSE;
    }

  if (slot->cut)
    return FALSE;

  if (++slot->rounds > self->max_rounds)
    {
      GError *error = obs_broker_cycle_error_locked (self, slot);
      ObsLink *culprit = NULL;

      for (ObsLink *link = slot->links;
           link != NULL && culprit == NULL;
           link = obs_slot_next_link (slot, link))
        {
          if (obs_slot_propagates (slot, link))
            culprit = link;
        }

      obs_broker_report_locked (self, culprit, error);
      slot->cut = TRUE;

      return FALSE;
    }

  for (ObsLink *link = slot->links;
       link != NULL;
       link = obs_slot_next_link (slot, link))
    {
      ObsStep step;
      ObsSlot *to;

      if (!obs_slot_propagates (slot, link))
        continue;

      if ((immediate_only && !(link->flags & OBS_LINK_IMMEDIATE)) ||
          link->settling)
        continue;

      step.forward = link->source == slot;
      to = step.forward ? link->target : link->source;
      step.to = to;
      step.to_direct = to != NULL && to->direct_read;
      step.to_plain = to != NULL && to->plain;

      if (to != NULL)
        {
          if (to->watch->dead || to->watch->dying)
            continue;

          /* The target, itself a source of links, changed after this
           * slot did: its value is the newer one, as it would be had
           * every link run at once. A property that is only a target is
           * owned by the links into it, and a trigger pushes
           * regardless. */
          if (!forced && to->n_deferred + to->n_immediate > 0 &&
              to->stamp > slot->stamp)
            continue;

          step.target = obs_broker_hold_locked (self, to->watch);
          step.target_watch = to->watch;
        }
      else
        {
          step.target = NULL;
          step.target_watch = NULL;
        }

      step.link = link;
      g_array_append_val (self->steps, step);
    }

  return self->steps->len > 0;
}

/* Drops the targets the steps hold. Dropping one may finalize it, and its
 * weak notify takes the lock: call this without the lock. GObject's
 * reference count is invisible to ThreadSanitizer (GLib is not
 * instrumented), so hand the objects over to whichever thread finalizes
 * them, which acquires them in the weak notify.
 */
static void
obs_broker_drop_step_targets (ObsBroker *self)
{
  for (guint i = 0; i < self->steps->len; i++)
    {
      ObsStep *step = &g_array_index (self->steps, ObsStep, i);

      if (step->target != NULL)
        OBS_TSAN_RELEASE (step->target);
      g_clear_object (&step->target);
    }
}

/* Then, with the lock, ends the holds the steps' targets were taken
 * with. */
static void
obs_broker_unhold_steps_locked (ObsBroker *self)
{
  for (guint i = 0; i < self->steps->len; i++)
    {
      ObsStep *step = &g_array_index (self->steps, ObsStep, i);

      if (step->target_watch != NULL)
        obs_broker_unhold_locked (self, step->target_watch);
      step->target_watch = NULL;
    }
}

/* Dispatches one slot: called with the lock held, returns with it held.
 * source_held says the caller is handling the source's own notify:
 * GObject holds a reference on an object while it notifies, so none is
 * taken here.
 */
static guint
obs_broker_dispatch_slot_locked (ObsBroker *self,
                                 ObsSlot   *slot,
                                 gboolean   immediate_only,
                                 gboolean   source_held,
                                 gboolean   debug)
{
  ObsWatch *watch;
  GObject *source;
  GParamSpec *pspec;
  GValue value = G_VALUE_INIT;
  gboolean forced;
  gboolean direct;
  gboolean plain;
  guint64 stamp;
  guint count = 0;

  if (slot->watch->frozen)
    {
      obs_broker_unlock (self);
      obs_broker_thaw (self, slot->watch, FALSE);
      obs_broker_lock (self);
    }

  forced = slot->forced;
  slot->forced = FALSE;

  if (!obs_broker_collect_locked (self, slot, immediate_only, forced))
    {
      obs_slot_clear_pending (slot);
      return 0;
    }

  watch = slot->watch;
  source = source_held ? watch->object
                       : obs_broker_hold_locked (self, watch);
  stamp = slot->stamp;

  /* Other threads change the slot's flags under the lock, and these
   * share their word: read them now. */
  pspec = slot->pspec;
  direct = slot->direct_read;
  plain = slot->plain;

  if (slot->pending != NULL)
    {
      value = *slot->pending;
      g_clear_pointer (&slot->pending, g_free);
    }

  obs_broker_unlock (self);

  if (G_VALUE_TYPE (&value) == G_TYPE_INVALID)
    {
      g_value_init (&value, pspec->value_type);
      obs_read_property (pspec, direct, source, &value);
    }

  for (guint i = 0; i < self->steps->len; i++)
    {
      ObsStep *step = &g_array_index (self->steps, ObsStep, i);

      count += obs_broker_propagate (self, step, source, &value,
                                     stamp, forced, debug);
    }

  obs_broker_drop_step_targets (self);

  if (!plain)
    g_value_unset (&value);

  if (!source_held)
    {
      OBS_TSAN_RELEASE (source);
      g_object_unref (source);
    }

  obs_broker_lock (self);

  obs_broker_unhold_steps_locked (self);
  if (!source_held)
    obs_broker_unhold_locked (self, watch);

  return count;
}

/* The list model ------------------------------------------------------- */

/* Whether anyone listens to the list model's "items-changed". */
static gboolean
obs_broker_model_watched (ObsBroker *self)
{
  static guint items_changed;

  if (items_changed == 0)
    items_changed = g_signal_lookup ("items-changed", G_TYPE_LIST_MODEL);

  return g_signal_has_handler_pending (self, items_changed, 0, FALSE);
}

static guint
obs_broker_position_of (ObsBroker *self,
                        ObsLink   *link)
{
  guint position = 0;

  for (ObsLink *iter = self->first_link; iter != link; iter = iter->next)
    position++;

  return position;
}

static void
obs_broker_list_append (ObsBroker *self,
                        ObsLink   *link)
{
  link->prev = self->last_link;
  link->next = NULL;

  if (self->last_link != NULL)
    self->last_link->next = link;
  else
    self->first_link = link;

  self->last_link = link;
  self->n_links++;
  link->listed = TRUE;
}

static void
obs_broker_list_remove (ObsBroker *self,
                        ObsLink   *link)
{
  if (link->prev != NULL)
    link->prev->next = link->next;
  else
    self->first_link = link->next;

  if (link->next != NULL)
    link->next->prev = link->prev;
  else
    self->last_link = link->prev;

  link->prev = NULL;
  link->next = NULL;
  link->listed = FALSE;
  self->n_links--;
  self->cursor = NULL;
}

/* Releases what an inactive link still owns on the owner thread: its
 * place in the list model, its transforms and the broker's reference.
 */
static void
obs_broker_release_link (ObsBroker *self,
                         ObsLink   *link)
{
  ObsTransform *to;
  ObsTransform *from;

  gboolean removed = FALSE;
  gboolean watched = FALSE;
  guint position = 0;

  g_assert (!g_atomic_int_get (&link->active));

  /* Finding the position walks the list: only pay for it when someone
   * listens. The list changes under the lock, which obs_broker_to_dot()
   * takes on any thread; the signal goes out after. */
  if (link->listed)
    watched = obs_broker_model_watched (self);

  obs_broker_lock (self);

  if (link->listed)
    {
      position = watched ? obs_broker_position_of (self, link) : 0;
      obs_broker_list_remove (self, link);
      removed = TRUE;
    }

  to = g_steal_pointer (&link->to);
  from = g_steal_pointer (&link->from);
  g_atomic_pointer_set (&link->broker, NULL);

  obs_broker_unlock (self);

  if (removed && watched)
    g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);

  obs_transform_free (to);
  obs_transform_free (from);

  /* The caller may hold the last reference on another thread. */
  OBS_TSAN_RELEASE (link);
  g_object_unref (link);
}

/* Does, on the owner thread and without the lock, what had to wait for
 * it: lists the links made on other threads, releases those that went
 * inactive, emits link-error and frees the values dropped under the lock.
 * Takes the lock once, and only steals what is there.
 */
static void
obs_broker_finish (ObsBroker *self)
{
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GPtrArray) dead = NULL;
  g_autoptr(GArray) errors = NULL;
  g_autoptr(GPtrArray) trash = NULL;
  guint first_new;

  obs_broker_lock (self);

  if (self->pending_links->len > 0)
    {
      pending = g_steal_pointer (&self->pending_links);
      self->pending_links = g_ptr_array_new ();
    }

  /* Steps of a drain or copy further up this thread's stack still point
   * at the links: that drain or copy lets go of them when it finishes. */
  if (self->dead_links->len > 0 && !self->draining && self->busy == 0)
    {
      dead = g_steal_pointer (&self->dead_links);
      self->dead_links = g_ptr_array_new ();
    }

  if (self->errors->len > 0)
    {
      errors = g_steal_pointer (&self->errors);
      self->errors = g_array_new (FALSE, FALSE, sizeof (ObsPendingError));
    }

  if (self->trash->len > 0)
    {
      trash = g_steal_pointer (&self->trash);
      self->trash = g_ptr_array_new_with_free_func (obs_free_value);
    }

  first_new = self->n_links;
  for (guint i = 0; pending != NULL && i < pending->len; i++)
    {
      ObsLink *link = g_ptr_array_index (pending, i);

      if (g_atomic_int_get (&link->active))
        obs_broker_list_append (self, link);
    }

  obs_broker_unlock (self);

  if (self->n_links > first_new)
    g_list_model_items_changed (G_LIST_MODEL (self),
                                first_new, 0, self->n_links - first_new);

  for (guint i = 0; dead != NULL && i < dead->len; i++)
    obs_broker_release_link (self, g_ptr_array_index (dead, i));

  for (guint i = 0; errors != NULL && i < errors->len; i++)
    {
      ObsPendingError *error = &g_array_index (errors, ObsPendingError, i);

      /* A cycle is always worth a warning; other errors only when nobody
       * listens for them. */
      if (g_error_matches (error->error, OBS_LINK_ERROR, OBS_LINK_ERROR_CYCLE) ||
          !g_signal_has_handler_pending (self, signals[LINK_ERROR], 0, TRUE))
        g_warning ("%s", error->error->message);

      g_signal_emit (self, signals[LINK_ERROR], 0, error->link, error->error);
      g_clear_object (&error->link);
      g_clear_error (&error->error);
    }
}

/* Releases the lock, then finishes when something waits for it: most
 * drains leave nothing, and taking the lock again would cost each
 * propagation. Whoever adds to these lists later schedules a drain.
 */
static void
obs_broker_unlock_and_finish (ObsBroker *self)
{
  gboolean leftovers;

  leftovers = self->pending_links->len > 0 ||
              (self->dead_links->len > 0 && !self->draining &&
               self->busy == 0) ||
              self->errors->len > 0 ||
              self->trash->len > 0;

  obs_broker_unlock (self);

  if (leftovers)
    obs_broker_finish (self);
}

/* Draining --------------------------------------------------------------- */

static guint
obs_broker_drain (ObsBroker *self)
{
  gboolean debug = obs_debug_enabled ();
  guint count = 0;
  ObsSlot *slot;

  g_object_ref (self);

  obs_broker_lock (self);

  if (self->draining || self->hold_count > 0)
    {
      obs_broker_unlock (self);
      g_object_unref (self);
      return 0;
    }

  self->draining = TRUE;
  self->serial++;
  self->owner = g_thread_self ();
  self->deferred_echo = NULL;

  obs_broker_take_incoming_locked (self);

  /* A hold() from a transform or subscriber stops the drain; the rest
   * waits for the release. */
  while (self->hold_count == 0 &&
         (slot = obs_broker_pop_locked (self)) != NULL)
    {
      count += obs_broker_dispatch_slot_locked (self, slot, FALSE, FALSE,
                                                debug);
      obs_broker_unref_slot_locked (self, slot);
    }

  self->draining = FALSE;

  if (self->incoming_head != NULL)
    obs_broker_schedule_locked (self);

  obs_broker_unlock_and_finish (self);

  g_object_unref (self);

  return count;
}

/* Runs the IMMEDIATE links of slot and of the slots they change, now.
 * Called with the lock held, returns without it.
 */
static void
obs_broker_run_immediate (ObsBroker *self,
                          ObsSlot   *slot,
                          gboolean   continued)
{
  gboolean debug = obs_debug_enabled ();

  g_object_ref (self);

  self->draining = TRUE;
  self->immediate_run = TRUE;
  if (!continued)
    self->serial++;

  if (slot->n_deferred > 0)
    {
      obs_broker_enqueue_locked (self, slot, FALSE);
      obs_broker_schedule_locked (self);
    }

  obs_slot_ref (slot);
  obs_broker_dispatch_slot_locked (self, slot, TRUE, TRUE, debug);

  /* the slots its links changed, and theirs, in the order they changed */
  for (guint i = 0; i < self->immediate->len; i++)
    {
      ObsSlot *next = g_ptr_array_index (self->immediate, i);

      obs_broker_dispatch_slot_locked (self, next, TRUE, FALSE, debug);
    }

  if (self->immediate->len > 0)
    {
      for (guint i = 0; i < self->immediate->len; i++)
        obs_broker_unref_slot_locked (self,
                                      g_ptr_array_index (self->immediate, i));
      g_ptr_array_set_size (self->immediate, 0);
    }

  obs_broker_unref_slot_locked (self, slot);

  self->immediate_run = FALSE;
  self->draining = FALSE;

  obs_broker_unlock_and_finish (self);

  g_object_unref (self);
}

static gboolean
obs_broker_source_dispatch (GSource     *source,
                            GSourceFunc  callback,
                            gpointer     user_data)
{
  ObsBroker *self = ((ObsBrokerSource *) source)->broker;

  g_source_set_ready_time (source, -1);

  obs_broker_lock (self);
  self->scheduled = FALSE;
  self->owner = g_thread_self ();
  obs_broker_unlock (self);

  obs_broker_drain (self);

  return G_SOURCE_CONTINUE;
}

static GSourceFuncs obs_broker_source_funcs = {
  .dispatch = obs_broker_source_dispatch,
};

/* GObject ---------------------------------------------------------------- */

static void
obs_broker_constructed (GObject *object)
{
  ObsBroker *self = OBS_BROKER (object);
  ObsBrokerSource *source;

  G_OBJECT_CLASS (obs_broker_parent_class)->constructed (object);

  if (self->context == NULL)
    self->context = g_main_context_ref_thread_default ();

  self->owner = g_thread_self ();

  source = (ObsBrokerSource *) g_source_new (&obs_broker_source_funcs,
                                             sizeof (ObsBrokerSource));
  source->broker = self;
  self->source = (GSource *) source;
  g_source_set_static_name (self->source, "[obs-glib] ObsBroker");
  g_source_set_priority (self->source, self->priority);
  g_source_attach (self->source, self->context);
}

static void
obs_broker_dispose (GObject *object)
{
  ObsBroker *self = OBS_BROKER (object);
  g_autoptr(GPtrArray) released = g_ptr_array_new ();
  GHashTableIter iter;
  ObsWatch *watch;
  ObsSlot *slot;
  guint n_listed;

  obs_broker_thaw (self, NULL, TRUE);

  obs_broker_lock (self);

  self->disposed = TRUE;
  n_listed = self->n_links;

  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_clear_pointer (&self->source, g_source_unref);
    }

  obs_broker_take_incoming_locked (self);
  while ((slot = obs_broker_pop_locked (self)) != NULL)
    obs_broker_unref_slot_locked (self, slot);

  for (guint i = 0; i < self->dead_links->len; i++)
    {
      ObsLink *link = g_ptr_array_index (self->dead_links, i);

      if (!link->listed)
        g_ptr_array_add (released, link);
    }
  g_ptr_array_set_size (self->dead_links, 0);

  while (self->first_link != NULL)
    {
      ObsLink *link = self->first_link;

      obs_broker_list_remove (self, link);
      if (g_atomic_int_get (&link->active))
        obs_broker_deactivate_locked (self, link);
      g_ptr_array_add (released, link);
    }

  for (guint i = 0; i < self->pending_links->len; i++)
    {
      ObsLink *link = g_ptr_array_index (self->pending_links, i);

      if (g_atomic_int_get (&link->active))
        {
          obs_broker_deactivate_locked (self, link);
          g_ptr_array_add (released, link);
        }
    }
  g_ptr_array_set_size (self->pending_links, 0);

  /* Every watch is idle now: let go of the objects. */
  g_hash_table_iter_init (&iter, self->watches);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &watch))
    {
      g_assert (watch->slots == NULL);

      g_object_weak_unref (watch->object, obs_broker_weak_notify, watch);
      watch->object = NULL;
      watch->dead = TRUE;
      obs_watch_unref (watch);
      g_hash_table_iter_remove (&iter);
    }

  self->n_links = 0;
  self->cursor = NULL;

  obs_broker_unlock (self);

  /* A view may still hold the model after g_object_run_dispose(). */
  if (n_listed > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, n_listed, 0);

  /* The finish step releases them, or leaves them to the drain or copy
   * further up the stack when user code it called disposed the broker. */
  obs_broker_lock (self);
  g_ptr_array_extend_and_steal (self->dead_links, g_steal_pointer (&released));
  obs_broker_unlock (self);

  obs_broker_finish (self);

  G_OBJECT_CLASS (obs_broker_parent_class)->dispose (object);
}

static void
obs_broker_finalize (GObject *object)
{
  ObsBroker *self = OBS_BROKER (object);

  g_assert (self->queue_head == NULL);
  g_assert (self->immediate->len == 0);

  g_clear_pointer (&self->watches, g_hash_table_unref);
  g_clear_pointer (&self->immediate, g_ptr_array_unref);
  g_clear_pointer (&self->frozen, g_ptr_array_unref);
  g_clear_pointer (&self->steps, g_array_unref);
  g_clear_pointer (&self->pending_links, g_ptr_array_unref);
  g_clear_pointer (&self->dead_links, g_ptr_array_unref);
  g_clear_pointer (&self->errors, g_array_unref);
  g_clear_pointer (&self->trash, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->released);

  G_OBJECT_CLASS (obs_broker_parent_class)->finalize (object);
}

static void
obs_broker_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  ObsBroker *self = OBS_BROKER (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      g_value_set_boxed (value, self->context);
      break;

    case PROP_PRIORITY:
      g_value_set_int (value, obs_broker_get_priority (self));
      break;

    case PROP_MAX_ROUNDS:
      g_value_set_uint (value, obs_broker_get_max_rounds (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
obs_broker_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  ObsBroker *self = OBS_BROKER (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      self->context = g_value_dup_boxed (value);
      break;

    case PROP_PRIORITY:
      obs_broker_set_priority (self, g_value_get_int (value));
      break;

    case PROP_MAX_ROUNDS:
      obs_broker_set_max_rounds (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
obs_broker_class_init (ObsBrokerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = obs_broker_constructed;
  object_class->dispose = obs_broker_dispose;
  object_class->finalize = obs_broker_finalize;
  object_class->get_property = obs_broker_get_property;
  object_class->set_property = obs_broker_set_property;

  /**
   * ObsBroker:context:
   *
   * The main context the broker drains its queue from. Defaults to the
   * thread-default context of the thread that made the broker.
   *
   * Since: 1.0
   */
  properties[PROP_CONTEXT] =
    g_param_spec_boxed ("context", NULL, NULL,
                        G_TYPE_MAIN_CONTEXT,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                        G_PARAM_STATIC_STRINGS);

  /**
   * ObsBroker:priority:
   *
   * The priority of the source that drains the queue. The default,
   * %G_PRIORITY_HIGH_IDLE, runs before GTK lays out and draws a frame, so
   * widgets show linked values in the frame after the change.
   *
   * Since: 1.0
   */
  properties[PROP_PRIORITY] =
    g_param_spec_int ("priority", NULL, NULL,
                      G_MININT, G_MAXINT, G_PRIORITY_HIGH_IDLE,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                      G_PARAM_STATIC_STRINGS);

  /**
   * ObsBroker:max-rounds:
   *
   * How many times one property may propagate within one drain before the
   * broker decides its cycle does not settle and cuts it.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_ROUNDS] =
    g_param_spec_uint ("max-rounds", NULL, NULL,
                       1, G_MAXUINT, DEFAULT_MAX_ROUNDS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                       G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ObsBroker::link-error:
   * @self: the broker
   * @link: (nullable): the link the error happened on
   * @error: what went wrong, in the %OBS_LINK_ERROR domain
   *
   * Reports a problem found while values propagate: a cycle that did not
   * settle (%OBS_LINK_ERROR_CYCLE, with every object and property on it
   * in the message) or a transform that failed
   * (%OBS_LINK_ERROR_TRANSFORM_FAILED). It is emitted from the broker's
   * thread once the drain that found the problem has finished.
   *
   * Since: 1.0
   */
  notify_signal_id = g_signal_lookup ("notify", G_TYPE_OBJECT);

  signals[LINK_ERROR] =
    g_signal_new ("link-error",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  NULL,
                  G_TYPE_NONE, 2,
                  OBS_TYPE_LINK,
                  G_TYPE_ERROR);
}

static void
obs_broker_init (ObsBroker *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->released);

  self->priority = G_PRIORITY_HIGH_IDLE;
  self->max_rounds = DEFAULT_MAX_ROUNDS;
  self->watches = g_hash_table_new (NULL, NULL);
  self->immediate = g_ptr_array_new ();
  self->frozen = g_ptr_array_new ();
  self->steps = g_array_new (FALSE, FALSE, sizeof (ObsStep));
  self->pending_links = g_ptr_array_new ();
  self->dead_links = g_ptr_array_new ();
  self->errors = g_array_new (FALSE, FALSE, sizeof (ObsPendingError));
  self->trash = g_ptr_array_new_with_free_func (obs_free_value);
}

/* GListModel ------------------------------------------------------------- */

static GType
obs_broker_get_item_type (GListModel *model)
{
  return OBS_TYPE_LINK;
}

static guint
obs_broker_get_n_items (GListModel *model)
{
  return OBS_BROKER (model)->n_links;
}

static gpointer
obs_broker_get_item (GListModel *model,
                     guint       position)
{
  ObsBroker *self = OBS_BROKER (model);
  ObsLink *link;
  guint at;

  if (position >= self->n_links)
    return NULL;

  if (self->cursor != NULL && self->cursor_position <= position)
    {
      link = self->cursor;
      at = self->cursor_position;
    }
  else
    {
      link = self->first_link;
      at = 0;
    }

  while (at < position)
    {
      link = link->next;
      at++;
    }

  self->cursor = link;
  self->cursor_position = position;

  return g_object_ref (link);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = obs_broker_get_item_type;
  iface->get_n_items = obs_broker_get_n_items;
  iface->get_item = obs_broker_get_item;
}

/* Public API -------------------------------------------------------------- */

/**
 * obs_broker_new:
 *
 * Makes a broker that drains its queue from the thread-default main
 * context of the calling thread.
 *
 * Returns: (transfer full): a new broker
 *
 * Since: 1.0
 */
ObsBroker *
obs_broker_new (void)
{
  return g_object_new (OBS_TYPE_BROKER, NULL);
}

/**
 * obs_broker_new_for_context:
 * @context: (nullable): the main context to drain the queue from, or
 *   %NULL for the global default context
 *
 * Makes a broker that drains its queue from @context. Targets are written
 * on the thread that runs @context.
 *
 * Returns: (transfer full): a new broker
 *
 * Since: 1.0
 */
ObsBroker *
obs_broker_new_for_context (GMainContext *context)
{
  if (context == NULL)
    context = g_main_context_default ();

  return g_object_new (OBS_TYPE_BROKER,
                       "context", context,
                       NULL);
}

/**
 * obs_broker_get_default:
 *
 * Gets the broker of the global default main context, made on first use.
 * It lives for the rest of the process.
 *
 * Returns: (transfer none): the default broker
 *
 * Since: 1.0
 */
ObsBroker *
obs_broker_get_default (void)
{
  static ObsBroker *default_broker;

  if (g_once_init_enter (&default_broker))
    {
      ObsBroker *broker = obs_broker_new_for_context (NULL);

      g_once_init_leave (&default_broker, broker);
    }

  return default_broker;
}

/**
 * obs_broker_get_context:
 * @self: a broker
 *
 * Gets the main context the broker drains its queue from.
 *
 * Returns: (transfer none): the main context
 *
 * Since: 1.0
 */
GMainContext *
obs_broker_get_context (ObsBroker *self)
{
  g_return_val_if_fail (OBS_IS_BROKER (self), NULL);

  return self->context;
}

/**
 * obs_broker_get_priority:
 * @self: a broker
 *
 * Gets [property@Obs.Broker:priority].
 *
 * Returns: the priority of the draining source
 *
 * Since: 1.0
 */
int
obs_broker_get_priority (ObsBroker *self)
{
  g_return_val_if_fail (OBS_IS_BROKER (self), G_PRIORITY_HIGH_IDLE);

  return self->priority;
}

/**
 * obs_broker_set_priority:
 * @self: a broker
 * @priority: a main loop priority such as %G_PRIORITY_DEFAULT
 *
 * Sets [property@Obs.Broker:priority].
 *
 * Since: 1.0
 */
void
obs_broker_set_priority (ObsBroker *self,
                         int        priority)
{
  g_return_if_fail (OBS_IS_BROKER (self));

  if (self->priority == priority)
    return;

  self->priority = priority;
  if (self->source != NULL)
    g_source_set_priority (self->source, priority);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRIORITY]);
}

/**
 * obs_broker_get_max_rounds:
 * @self: a broker
 *
 * Gets [property@Obs.Broker:max-rounds].
 *
 * Returns: the limit of rounds per property and drain
 *
 * Since: 1.0
 */
guint
obs_broker_get_max_rounds (ObsBroker *self)
{
  g_return_val_if_fail (OBS_IS_BROKER (self), DEFAULT_MAX_ROUNDS);

  return self->max_rounds;
}

/**
 * obs_broker_set_max_rounds:
 * @self: a broker
 * @max_rounds: the limit, at least 1
 *
 * Sets [property@Obs.Broker:max-rounds].
 *
 * Since: 1.0
 */
void
obs_broker_set_max_rounds (ObsBroker *self,
                           guint      max_rounds)
{
  g_return_if_fail (OBS_IS_BROKER (self));
  g_return_if_fail (max_rounds > 0);

  if (self->max_rounds == max_rounds)
    return;

  self->max_rounds = max_rounds;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_ROUNDS]);
}

/* Making links ------------------------------------------------------------ */

static GParamSpec *
obs_find_property (GObject     *object,
                   const char  *name,
                   gboolean    *direct,
                   GError     **error)
{
  GParamSpec *pspec;
  GParamSpec *redirect;

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (object), name);
  if (pspec == NULL)
    {
      g_set_error (error, OBS_LINK_ERROR, OBS_LINK_ERROR_UNKNOWN_PROPERTY,
                   "%s has no property named “%s”",
                   G_OBJECT_TYPE_NAME (object), name);
      return NULL;
    }

  redirect = g_param_spec_get_redirect_target (pspec);

  if (direct != NULL)
    *direct = redirect == NULL &&
              G_TYPE_IS_OBJECT (pspec->owner_type) &&
              G_OBJECT_CLASS (g_type_class_peek (pspec->owner_type))->get_property != NULL;

  return redirect != NULL ? redirect : pspec;
}

static gboolean
obs_check_readable (GObject     *object,
                    GParamSpec  *pspec,
                    GError     **error)
{
  if (pspec->flags & G_PARAM_READABLE)
    return TRUE;

  g_set_error (error, OBS_LINK_ERROR, OBS_LINK_ERROR_NOT_READABLE,
               "Property “%s” of %s cannot be read",
               pspec->name, G_OBJECT_TYPE_NAME (object));

  return FALSE;
}

static gboolean
obs_check_writable (GObject     *object,
                    GParamSpec  *pspec,
                    GError     **error)
{
  if (pspec->flags & G_PARAM_CONSTRUCT_ONLY)
    {
      g_set_error (error, OBS_LINK_ERROR, OBS_LINK_ERROR_NOT_WRITABLE,
                   "Property “%s” of %s can only be set at construction",
                   pspec->name, G_OBJECT_TYPE_NAME (object));
      return FALSE;
    }

  if (!(pspec->flags & G_PARAM_WRITABLE))
    {
      g_set_error (error, OBS_LINK_ERROR, OBS_LINK_ERROR_NOT_WRITABLE,
                   "Property “%s” of %s cannot be written",
                   pspec->name, G_OBJECT_TYPE_NAME (object));
      return FALSE;
    }

  return TRUE;
}

static gboolean
obs_check_types (GObject       *source,
                 GParamSpec    *source_pspec,
                 GObject       *target,
                 GParamSpec    *target_pspec,
                 ObsLinkFlags   flags,
                 gboolean       has_transform,
                 GError       **error)
{
  GType from = G_PARAM_SPEC_VALUE_TYPE (source_pspec);
  GType to = G_PARAM_SPEC_VALUE_TYPE (target_pspec);

  if (flags & OBS_LINK_INVERT_BOOLEAN)
    {
      if (from == G_TYPE_BOOLEAN && (has_transform || to == G_TYPE_BOOLEAN))
        return TRUE;

      g_set_error (error, OBS_LINK_ERROR, OBS_LINK_ERROR_TYPE_MISMATCH,
                   "OBS_LINK_INVERT_BOOLEAN needs boolean properties, but "
                   "%s:%s holds %s and %s:%s holds %s",
                   G_OBJECT_TYPE_NAME (source), source_pspec->name,
                   g_type_name (from),
                   G_OBJECT_TYPE_NAME (target), target_pspec->name,
                   g_type_name (to));
      return FALSE;
    }

  if (has_transform || g_value_type_transformable (from, to))
    return TRUE;

  g_set_error (error, OBS_LINK_ERROR, OBS_LINK_ERROR_TYPE_MISMATCH,
               "Cannot convert %s:%s (%s) to %s:%s (%s) without a transform",
               G_OBJECT_TYPE_NAME (source), source_pspec->name,
               g_type_name (from),
               G_OBJECT_TYPE_NAME (target), target_pspec->name,
               g_type_name (to));

  return FALSE;
}

static ObsTransform *
obs_transform_new (GCallback       func,
                   gpointer        data,
                   GDestroyNotify  destroy,
                   GClosure       *closure)
{
  ObsTransform *transform;

  if (func == NULL && closure == NULL)
    {
      if (destroy != NULL)
        destroy (data);
      return NULL;
    }

  transform = g_new0 (ObsTransform, 1);
  transform->func = func;
  transform->data = data;
  transform->destroy = destroy;

  if (closure != NULL)
    {
      transform->closure = g_closure_ref (closure);
      g_closure_sink (closure);
      if (G_CLOSURE_NEEDS_MARSHAL (closure))
        g_closure_set_marshal (closure, g_cclosure_marshal_generic);
    }

  return transform;
}

/* Pushes one link's current value without waiting for the queue: the
 * SYNC_CREATE copy. Called on the owner thread without the lock.
 */
static void
obs_broker_sync_link (ObsBroker *self,
                      ObsLink   *link)
{
  GValue value = G_VALUE_INIT;
  ObsWatch *source_watch;
  GObject *source = NULL;
  ObsStep step = { NULL, };
  GParamSpec *source_pspec;
  gboolean source_direct;
  guint64 stamp;

  obs_broker_lock (self);

  if (!g_atomic_int_get (&link->active) ||
      link->source->watch->dead || link->source->watch->dying ||
      (link->target != NULL &&
       (link->target->watch->dead || link->target->watch->dying)))
    {
      obs_broker_unlock (self);
      return;
    }

  source_watch = link->source->watch;
  source = obs_broker_hold_locked (self, source_watch);
  if (link->target != NULL)
    {
      step.target_watch = link->target->watch;
      step.target = obs_broker_hold_locked (self, step.target_watch);
    }

  source_pspec = link->source->pspec;
  source_direct = link->source->direct_read;

  step.link = g_object_ref (link);
  step.forward = TRUE;
  step.to = link->target;
  if (link->target != NULL)
    {
      step.to_direct = link->target->direct_read;
      step.to_plain = link->target->plain;
    }

  /* The copy is a change of the target made now. */
  stamp = ++self->stamp;

  /* User code in the transform or the target's notify may unlink this
   * link: keep its transform alive until the copy is done. */
  self->busy++;

  obs_broker_unlock (self);

  g_value_init (&value, source_pspec->value_type);
  obs_read_property (source_pspec, source_direct, source, &value);

  obs_broker_propagate (self, &step, source, &value, stamp, FALSE,
                        obs_debug_enabled ());

  g_value_unset (&value);
  g_clear_object (&step.target);
  g_clear_object (&source);

  obs_broker_lock (self);
  self->busy--;
  obs_broker_unhold_locked (self, source_watch);
  if (step.target_watch != NULL)
    obs_broker_unhold_locked (self, step.target_watch);
  obs_broker_unlock (self);

  g_clear_object (&step.link);

  obs_broker_finish (self);
}

static ObsLink *
obs_broker_make_link (ObsBroker     *self,
                      GObject       *source,
                      const char    *source_property,
                      GObject       *target,
                      const char    *target_property,
                      ObsLinkFlags   flags,
                      gboolean       two_way,
                      ObsTransform  *to,
                      ObsTransform  *from,
                      GError       **error)
{
  GParamSpec *source_pspec;
  GParamSpec *target_pspec = NULL;
  gboolean source_direct = FALSE;
  gboolean target_direct = FALSE;
  ObsWatch *source_watch;
  ObsSlot *source_slot;
  ObsSlot *target_slot = NULL;
  ObsLink *link;
  gboolean owner;
  gboolean sync_now = FALSE;
  gboolean settle = FALSE;

  source_pspec = obs_find_property (source, source_property,
                                    &source_direct, error);
  if (source_pspec == NULL ||
      !obs_check_readable (source, source_pspec, error) ||
      (two_way && !obs_check_writable (source, source_pspec, error)))
    goto failed;

  if (target != NULL)
    {
      target_pspec = obs_find_property (target, target_property,
                                        &target_direct, error);
      if (target_pspec == NULL ||
          !obs_check_writable (target, target_pspec, error) ||
          (two_way && !obs_check_readable (target, target_pspec, error)))
        goto failed;

      if (source == target && source_pspec == target_pspec)
        {
          g_set_error (error, OBS_LINK_ERROR, OBS_LINK_ERROR_SELF_LINK,
                       "Cannot link property “%s” of %s to itself",
                       source_pspec->name, G_OBJECT_TYPE_NAME (source));
          goto failed;
        }

      if (!obs_check_types (source, source_pspec, target, target_pspec,
                            flags, to != NULL, error) ||
          (two_way &&
           !obs_check_types (target, target_pspec, source, source_pspec,
                             flags, from != NULL, error)))
        goto failed;
    }

  /* A new link can give a frozen object's changes a rival: let every
   * object notify again before the graph changes. */
  obs_broker_thaw (self, NULL, FALSE);

  obs_broker_lock (self);

  if (self->disposed)
    {
      obs_broker_unlock (self);
      g_critical ("%s: the broker was disposed", G_STRFUNC);
      goto failed;
    }

  source_watch = obs_broker_ensure_watch_locked (self, source);
  source_slot = obs_watch_ensure_slot (source_watch, source_pspec);
  source_slot->direct_read = source_direct;
  obs_watch_connect_notify (source_watch, G_CALLBACK (obs_broker_on_notify));

  if (target != NULL)
    {
      ObsWatch *target_watch = obs_broker_ensure_watch_locked (self, target);

      target_slot = obs_watch_ensure_slot (target_watch, target_pspec);
      target_slot->direct_read = target_direct;
      if (two_way)
        obs_watch_connect_notify (target_watch,
                                  G_CALLBACK (obs_broker_on_notify));
    }

  link = obs_link_new_internal (self, source_slot, target_slot,
                                flags, two_way);
  link->to = to;
  link->from = from;

  obs_slot_add_link (source_slot, link);
  if (target_slot != NULL)
    obs_slot_add_link (target_slot, link);

  owner = obs_broker_is_owner (self) && !self->draining;
  if (owner)
    {
      obs_broker_list_append (self, link);

      /* Held, the copy waits with everything else. */
      sync_now = (flags & OBS_LINK_SYNC_CREATE) && self->hold_count == 0;
      if ((flags & OBS_LINK_SYNC_CREATE) && !sync_now)
        obs_broker_enqueue_locked (self, source_slot, TRUE);

      /* Changes still on their way into the source would make the copy
       * stale: let them land first, over the links there were. The new
       * link starts with the copy. */
      settle = sync_now && self->queue_head != NULL;
      link->settling = settle;
    }
  else
    {
      g_ptr_array_add (self->pending_links, link);
      if (flags & OBS_LINK_SYNC_CREATE)
        obs_broker_enqueue_locked (self, source_slot, TRUE);
      obs_broker_schedule_locked (self);
    }

  obs_broker_unlock (self);

  if (owner)
    {
      if (obs_broker_model_watched (self))
        g_list_model_items_changed (G_LIST_MODEL (self),
                                    self->n_links - 1, 0, 1);

      if (settle)
        {
          obs_broker_drain (self);

          obs_broker_lock (self);
          link->settling = FALSE;
          obs_broker_unlock (self);
        }

      if (sync_now)
        obs_broker_sync_link (self, link);
    }

  return link;

failed:
  obs_transform_free (to);
  obs_transform_free (from);

  return NULL;
}

/**
 * obs_broker_dlink:
 * @self: a broker
 * @source: the object values come from
 * @source_property: a readable property of @source
 * @target: the object values go to
 * @target_property: a writable property of @target
 * @flags: how values propagate
 * @error: return location for an error in the %OBS_LINK_ERROR domain
 *
 * Links @source_property to @target_property one way: every change of the
 * source reaches the target, converted with [method@GObject.Value.transform]
 * when the two types differ. Changes of the target do not flow back.
 *
 * The link is checked now: both properties must exist, the source must be
 * readable, the target writable and not construct-only, and the types
 * convertible. A link that fails a check is not made.
 *
 * Returns: (transfer none) (nullable): the link, owned by the broker, or
 *   %NULL with @error set
 *
 * Since: 1.0
 */
ObsLink *
obs_broker_dlink (ObsBroker     *self,
                  GObject       *source,
                  const char    *source_property,
                  GObject       *target,
                  const char    *target_property,
                  ObsLinkFlags   flags,
                  GError       **error)
{
  g_return_val_if_fail (OBS_IS_BROKER (self), NULL);
  g_return_val_if_fail (G_IS_OBJECT (source), NULL);
  g_return_val_if_fail (source_property != NULL, NULL);
  g_return_val_if_fail (G_IS_OBJECT (target), NULL);
  g_return_val_if_fail (target_property != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  g_return_val_if_fail ((flags & ~OBS_LINK_FLAGS_ALL) == 0, NULL);

  return obs_broker_make_link (self, source, source_property,
                               target, target_property, flags,
                               FALSE, NULL, NULL, error);
}

/**
 * obs_broker_link:
 * @self: a broker
 * @source: one object
 * @source_property: a readable and writable property of @source
 * @target: the other object
 * @target_property: a readable and writable property of @target
 * @flags: how values propagate; %OBS_LINK_SYNC_CREATE copies from @source
 * @error: return location for an error in the %OBS_LINK_ERROR domain
 *
 * Links two properties both ways: a change of either reaches the other.
 * The echo of a change is not written back, because the value is already
 * equal.
 *
 * Returns: (transfer none) (nullable): the link, owned by the broker, or
 *   %NULL with @error set
 *
 * Since: 1.0
 */
ObsLink *
obs_broker_link (ObsBroker     *self,
                 GObject       *source,
                 const char    *source_property,
                 GObject       *target,
                 const char    *target_property,
                 ObsLinkFlags   flags,
                 GError       **error)
{
  g_return_val_if_fail (OBS_IS_BROKER (self), NULL);
  g_return_val_if_fail (G_IS_OBJECT (source), NULL);
  g_return_val_if_fail (source_property != NULL, NULL);
  g_return_val_if_fail (G_IS_OBJECT (target), NULL);
  g_return_val_if_fail (target_property != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  g_return_val_if_fail ((flags & ~OBS_LINK_FLAGS_ALL) == 0, NULL);

  return obs_broker_make_link (self, source, source_property,
                               target, target_property, flags,
                               TRUE, NULL, NULL, error);
}

/**
 * obs_broker_dlink_full:
 * @self: a broker
 * @source: the object values come from
 * @source_property: a readable property of @source
 * @target: the object values go to
 * @target_property: a writable property of @target
 * @flags: how values propagate
 * @transform: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   converts the source value into the target's type, or %NULL for the
 *   default conversion
 * @user_data: data for @transform
 * @destroy: (nullable): releases @user_data when the link goes away
 * @error: return location for an error in the %OBS_LINK_ERROR domain
 *
 * Like [method@Obs.Broker.dlink], with a transform. The value types are
 * not checked when a transform is given. @destroy is called exactly once:
 * when the link is unlinked, when one of its objects is gone (from the
 * broker's thread, never from the object's dispose), or right away if the
 * link cannot be made.
 *
 * Returns: (transfer none) (nullable): the link, owned by the broker, or
 *   %NULL with @error set
 *
 * Since: 1.0
 */
ObsLink *
obs_broker_dlink_full (ObsBroker         *self,
                       GObject           *source,
                       const char        *source_property,
                       GObject           *target,
                       const char        *target_property,
                       ObsLinkFlags       flags,
                       ObsTransformFunc   transform,
                       gpointer           user_data,
                       GDestroyNotify     destroy,
                       GError           **error)
{
  g_return_val_if_fail (OBS_IS_BROKER (self), NULL);
  g_return_val_if_fail (G_IS_OBJECT (source), NULL);
  g_return_val_if_fail (source_property != NULL, NULL);
  g_return_val_if_fail (G_IS_OBJECT (target), NULL);
  g_return_val_if_fail (target_property != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  g_return_val_if_fail ((flags & ~OBS_LINK_FLAGS_ALL) == 0, NULL);

  return obs_broker_make_link (self, source, source_property,
                               target, target_property, flags, FALSE,
                               obs_transform_new (G_CALLBACK (transform),
                                                  user_data, destroy, NULL),
                               NULL, error);
}

/**
 * obs_broker_link_full:
 * @self: a broker
 * @source: one object
 * @source_property: a readable and writable property of @source
 * @target: the other object
 * @target_property: a readable and writable property of @target
 * @flags: how values propagate
 * @transform_to: (nullable) (scope notified) (closure transform_to_data)
 *   (destroy transform_to_destroy): converts from @source to @target, or
 *   %NULL for the default conversion
 * @transform_to_data: data for @transform_to
 * @transform_to_destroy: (nullable): releases @transform_to_data
 * @transform_from: (nullable) (scope notified) (closure transform_from_data)
 *   (destroy transform_from_destroy): converts from @target back to
 *   @source, or %NULL for the default
 * @transform_from_data: data for @transform_from
 * @transform_from_destroy: (nullable): releases @transform_from_data
 * @error: return location for an error in the %OBS_LINK_ERROR domain
 *
 * Like [method@Obs.Broker.link], with a transform each way. Each data is
 * released exactly once, as with [method@Obs.Broker.dlink_full].
 *
 * Returns: (transfer none) (nullable): the link, owned by the broker, or
 *   %NULL with @error set
 *
 * Since: 1.0
 */
ObsLink *
obs_broker_link_full (ObsBroker         *self,
                      GObject           *source,
                      const char        *source_property,
                      GObject           *target,
                      const char        *target_property,
                      ObsLinkFlags       flags,
                      ObsTransformFunc   transform_to,
                      gpointer           transform_to_data,
                      GDestroyNotify     transform_to_destroy,
                      ObsTransformFunc   transform_from,
                      gpointer           transform_from_data,
                      GDestroyNotify     transform_from_destroy,
                      GError           **error)
{
  g_return_val_if_fail (OBS_IS_BROKER (self), NULL);
  g_return_val_if_fail (G_IS_OBJECT (source), NULL);
  g_return_val_if_fail (source_property != NULL, NULL);
  g_return_val_if_fail (G_IS_OBJECT (target), NULL);
  g_return_val_if_fail (target_property != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  g_return_val_if_fail ((flags & ~OBS_LINK_FLAGS_ALL) == 0, NULL);

  return obs_broker_make_link (self, source, source_property,
                               target, target_property, flags, TRUE,
                               obs_transform_new (G_CALLBACK (transform_to),
                                                  transform_to_data,
                                                  transform_to_destroy,
                                                  NULL),
                               obs_transform_new (G_CALLBACK (transform_from),
                                                  transform_from_data,
                                                  transform_from_destroy,
                                                  NULL),
                               error);
}

/**
 * obs_broker_dlink_with_closure:
 * @self: a broker
 * @source: the object values come from
 * @source_property: a readable property of @source
 * @target: the object values go to
 * @target_property: a writable property of @target
 * @flags: how values propagate
 * @transform: (nullable): a closure called with the link and the source
 *   value, returning the value for the target; %NULL for the default
 *   conversion
 * @error: return location for an error in the %OBS_LINK_ERROR domain
 *
 * Like [method@Obs.Broker.dlink_full], with the transform as a
 * `GClosure`. This is the variant language bindings use: from Python
 * `lambda link, value: value * 2`, from JavaScript
 * `(link, value) => value * 2`.
 *
 * Returns: (transfer none) (nullable): the link, owned by the broker, or
 *   %NULL with @error set
 *
 * Since: 1.0
 */
ObsLink *
obs_broker_dlink_with_closure (ObsBroker     *self,
                               GObject       *source,
                               const char    *source_property,
                               GObject       *target,
                               const char    *target_property,
                               ObsLinkFlags   flags,
                               GClosure      *transform,
                               GError       **error)
{
  g_return_val_if_fail (OBS_IS_BROKER (self), NULL);
  g_return_val_if_fail (G_IS_OBJECT (source), NULL);
  g_return_val_if_fail (source_property != NULL, NULL);
  g_return_val_if_fail (G_IS_OBJECT (target), NULL);
  g_return_val_if_fail (target_property != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  g_return_val_if_fail ((flags & ~OBS_LINK_FLAGS_ALL) == 0, NULL);

  return obs_broker_make_link (self, source, source_property,
                               target, target_property, flags, FALSE,
                               obs_transform_new (NULL, NULL, NULL, transform),
                               NULL, error);
}

/**
 * obs_broker_link_with_closures:
 * @self: a broker
 * @source: one object
 * @source_property: a readable and writable property of @source
 * @target: the other object
 * @target_property: a readable and writable property of @target
 * @flags: how values propagate
 * @transform_to: (nullable): a closure converting from @source to
 *   @target, or %NULL for the default conversion
 * @transform_from: (nullable): a closure converting from @target back to
 *   @source, or %NULL for the default conversion
 * @error: return location for an error in the %OBS_LINK_ERROR domain
 *
 * Like [method@Obs.Broker.link_full], with the transforms as closures,
 * for language bindings.
 *
 * Returns: (transfer none) (nullable): the link, owned by the broker, or
 *   %NULL with @error set
 *
 * Since: 1.0
 */
ObsLink *
obs_broker_link_with_closures (ObsBroker     *self,
                               GObject       *source,
                               const char    *source_property,
                               GObject       *target,
                               const char    *target_property,
                               ObsLinkFlags   flags,
                               GClosure      *transform_to,
                               GClosure      *transform_from,
                               GError       **error)
{
  g_return_val_if_fail (OBS_IS_BROKER (self), NULL);
  g_return_val_if_fail (G_IS_OBJECT (source), NULL);
  g_return_val_if_fail (source_property != NULL, NULL);
  g_return_val_if_fail (G_IS_OBJECT (target), NULL);
  g_return_val_if_fail (target_property != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  g_return_val_if_fail ((flags & ~OBS_LINK_FLAGS_ALL) == 0, NULL);

  return obs_broker_make_link (self, source, source_property,
                               target, target_property, flags, TRUE,
                               obs_transform_new (NULL, NULL, NULL,
                                                  transform_to),
                               obs_transform_new (NULL, NULL, NULL,
                                                  transform_from),
                               error);
}

/**
 * obs_broker_subscribe:
 * @self: a broker
 * @source: the object to watch
 * @property: a readable property of @source
 * @func: (scope notified) (closure user_data) (destroy destroy): called
 *   with each new value
 * @user_data: data for @func
 * @destroy: (nullable): releases @user_data when the subscription goes
 * @error: return location for an error in the %OBS_LINK_ERROR domain
 *
 * Calls @func with the value of @property after it changed, from the
 * broker's queue like any other link: changes made before a drain
 * coalesce into one call with the latest value.
 *
 * Returns: (transfer none) (nullable): the subscription, owned by the
 *   broker, or %NULL with @error set
 *
 * Since: 1.0
 */
ObsLink *
obs_broker_subscribe (ObsBroker         *self,
                      GObject           *source,
                      const char        *property,
                      ObsSubscribeFunc   func,
                      gpointer           user_data,
                      GDestroyNotify     destroy,
                      GError           **error)
{
  g_return_val_if_fail (OBS_IS_BROKER (self), NULL);
  g_return_val_if_fail (G_IS_OBJECT (source), NULL);
  g_return_val_if_fail (property != NULL, NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return obs_broker_make_link (self, source, property,
                               NULL, NULL, OBS_LINK_DEFAULT, FALSE,
                               obs_transform_new (G_CALLBACK (func),
                                                  user_data, destroy, NULL),
                               NULL, error);
}

/**
 * obs_broker_subscribe_closure:
 * @self: a broker
 * @source: the object to watch
 * @property: a readable property of @source
 * @callback: a closure called with the subscription and the new value
 * @error: return location for an error in the %OBS_LINK_ERROR domain
 *
 * Like [method@Obs.Broker.subscribe], with the callback as a closure, for
 * language bindings.
 *
 * Returns: (transfer none) (nullable): the subscription, owned by the
 *   broker, or %NULL with @error set
 *
 * Since: 1.0
 */
ObsLink *
obs_broker_subscribe_closure (ObsBroker     *self,
                              GObject       *source,
                              const char    *property,
                              GClosure      *callback,
                              GError       **error)
{
  g_return_val_if_fail (OBS_IS_BROKER (self), NULL);
  g_return_val_if_fail (G_IS_OBJECT (source), NULL);
  g_return_val_if_fail (property != NULL, NULL);
  g_return_val_if_fail (callback != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return obs_broker_make_link (self, source, property,
                               NULL, NULL, OBS_LINK_DEFAULT, FALSE,
                               obs_transform_new (NULL, NULL, NULL, callback),
                               NULL, error);
}

void
obs_broker_unlink_link (ObsBroker *self,
                        ObsLink   *link)
{
  gboolean now;

  obs_broker_lock (self);

  if (!g_atomic_int_get (&link->active))
    {
      obs_broker_unlock (self);
      return;
    }

  obs_broker_deactivate_locked (self, link);

  /* Transforms may be running further up this thread's stack during a
   * drain, and the model belongs to the owner thread: otherwise wait. A
   * link made on another thread and not listed yet waits too, so the
   * finish step finds it in pending_links still alive. */
  now = obs_broker_is_owner (self) && !self->draining &&
        self->busy == 0 && link->listed;
  if (!now)
    {
      g_ptr_array_add (self->dead_links, link);
      obs_broker_schedule_locked (self);
    }

  obs_broker_unlock (self);

  if (now)
    obs_broker_release_link (self, link);
}

/**
 * obs_broker_trigger:
 * @self: a broker
 * @source: a linked object
 * @property: (nullable): the property to push, or %NULL for every linked
 *   property of @source
 *
 * Pushes the current value of @property along its links at the next
 * drain, as if it had changed, and writes it even to targets that already
 * hold an equal value. Does nothing for a property with no links.
 *
 * Since: 1.0
 */
void
obs_broker_trigger (ObsBroker  *self,
                    GObject    *source,
                    const char *property)
{
  GParamSpec *pspec = NULL;
  ObsWatch *watch;

  g_return_if_fail (OBS_IS_BROKER (self));
  g_return_if_fail (G_IS_OBJECT (source));

  if (property != NULL)
    {
      g_autoptr(GError) error = NULL;

      pspec = obs_find_property (source, property, NULL, &error);
      if (pspec == NULL)
        {
          g_critical ("%s: %s", G_STRFUNC, error->message);
          return;
        }
    }

  obs_broker_lock (self);

  watch = g_hash_table_lookup (self->watches, source);
  if (watch != NULL)
    {
      for (ObsSlot *slot = watch->slots; slot != NULL; slot = slot->next)
        {
          if (pspec != NULL && slot->pspec != pspec)
            continue;

          if (slot->n_deferred + slot->n_immediate == 0)
            continue;

          if (!obs_broker_is_owner (self))
            obs_slot_store_pending (slot);
          else
            obs_slot_clear_pending (slot);

          /* A trigger changes nothing: the slot keeps the age of its
           * value, so changes still on their way into it win. */
          obs_broker_enqueue_locked (self, slot, TRUE);
        }

      obs_broker_schedule_locked (self);
    }

  obs_broker_unlock (self);
}

/**
 * obs_broker_flush:
 * @self: a broker
 *
 * Drains the queue now instead of waiting for the main loop: every
 * pending change, and every change it causes, reaches its targets before
 * this returns. Call it from the thread that runs the broker's main
 * context. While the broker is held, or when called from inside a drain
 * (a transform or subscriber), it does nothing and returns 0.
 *
 * Returns: the number of propagations done: targets written and
 *   subscribers called
 *
 * Since: 1.0
 */
guint
obs_broker_flush (ObsBroker *self)
{
  guint count;

  g_return_val_if_fail (OBS_IS_BROKER (self), 0);

  if (!g_main_context_acquire (self->context))
    {
      g_critical ("%s: the broker's main context is running in another "
                  "thread; flush from that thread", G_STRFUNC);
      return 0;
    }

  obs_broker_lock (self);
  self->owner = g_thread_self ();
  obs_broker_unlock (self);

  count = obs_broker_drain (self);

  g_main_context_release (self->context);

  return count;
}

/**
 * obs_broker_hold:
 * @self: a broker
 *
 * Stops propagation until the matching [method@Obs.Broker.release].
 * Changes made meanwhile wait in the queue, coalesced, including those of
 * %OBS_LINK_IMMEDIATE links. Holds nest.
 *
 * Since: 1.0
 */
void
obs_broker_hold (ObsBroker *self)
{
  g_return_if_fail (OBS_IS_BROKER (self));

  obs_broker_lock (self);
  self->hold_count++;
  obs_broker_unlock (self);
}

/**
 * obs_broker_release:
 * @self: a broker
 *
 * Ends one [method@Obs.Broker.hold]. The outermost release drains the
 * queue before it returns when called on the broker's thread, so the
 * changes made while held land together; from another thread it wakes the
 * broker's main context instead.
 *
 * Since: 1.0
 */
void
obs_broker_release (ObsBroker *self)
{
  gboolean drain;

  g_return_if_fail (OBS_IS_BROKER (self));

  obs_broker_lock (self);

  if (self->hold_count == 0)
    {
      obs_broker_unlock (self);
      g_critical ("%s: the broker is not held", G_STRFUNC);
      return;
    }

  self->hold_count--;
  drain = self->hold_count == 0 && obs_broker_is_owner (self);
  if (self->hold_count == 0 && !drain && self->queue_head != NULL)
    obs_broker_schedule_locked (self);

  obs_broker_unlock (self);

  if (drain)
    obs_broker_drain (self);
}

/**
 * obs_broker_is_held:
 * @self: a broker
 *
 * Tells whether [method@Obs.Broker.hold] is in effect.
 *
 * Returns: %TRUE while held
 *
 * Since: 1.0
 */
gboolean
obs_broker_is_held (ObsBroker *self)
{
  gboolean held;

  g_return_val_if_fail (OBS_IS_BROKER (self), FALSE);

  obs_broker_lock (self);
  held = self->hold_count > 0;
  obs_broker_unlock (self);

  return held;
}

/**
 * obs_broker_get_links:
 * @self: a broker
 *
 * Gets the broker's active links as a list model of [class@Obs.Link], in
 * the order they were made. The model is live: it changes as links are
 * made and removed, so a `GtkListView` can show it. Links made on another
 * thread, or that went inactive because an object was finalized, show up
 * or leave at the broker's next drain.
 *
 * Returns: (transfer full): the list of links
 *
 * Since: 1.0
 */
GListModel *
obs_broker_get_links (ObsBroker *self)
{
  g_return_val_if_fail (OBS_IS_BROKER (self), NULL);

  return G_LIST_MODEL (g_object_ref (self));
}

static void
obs_dot_escape (GString    *out,
                const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
}

static void
obs_dot_node (GString    *out,
              GHashTable *nodes,
              GObject    *object)
{
  const char *name;

  if (g_hash_table_contains (nodes, object))
    return;

  g_hash_table_add (nodes, object);

  g_string_append_printf (out, "  \"%p\" [label=\"", object);
  obs_dot_escape (out, G_OBJECT_TYPE_NAME (object));
  name = obs_get_object_name (object);
  if (name != NULL)
    {
      g_string_append (out, "\\n");
      obs_dot_escape (out, name);
    }
  else
    {
      g_string_append_printf (out, "\\n%p", object);
    }
  g_string_append (out, "\"];\n");
}

static void
obs_dot_flags (GString      *out,
               ObsLinkFlags  flags)
{
  if (flags & OBS_LINK_SYNC_CREATE)
    g_string_append (out, "\\nsync-create");
  if (flags & OBS_LINK_IMMEDIATE)
    g_string_append (out, "\\nimmediate");
  if (flags & OBS_LINK_INVERT_BOOLEAN)
    g_string_append (out, "\\ninvert-boolean");
}

/**
 * obs_broker_to_dot:
 * @self: a broker
 *
 * Draws the broker's active links as a Graphviz graph: one node per
 * object, labelled with its type and the name given with
 * [func@Obs.set_object_name] or its address, and one edge per link,
 * labelled with the properties and flags. Two-way links have arrows at
 * both ends; subscriptions end in a "subscriber" node.
 *
 * ```sh
 * dot -Tsvg links.dot > links.svg
 * ```
 *
 * Returns: (transfer full): the graph in the DOT language
 *
 * Since: 1.0
 */
char *
obs_broker_to_dot (ObsBroker *self)
{
  g_autoptr(GHashTable) nodes = g_hash_table_new (NULL, NULL);
  GString *out;
  guint n_subscribers = 0;

  g_return_val_if_fail (OBS_IS_BROKER (self), NULL);

  out = g_string_new ("digraph obs {\n"
                      "  rankdir=LR;\n"
                      "  node [shape=box, style=rounded, fontname=\"Sans\"];\n"
                      "  edge [fontname=\"Sans\", fontsize=10];\n");

  obs_broker_lock (self);

  for (ObsLink *link = self->first_link; link != NULL; link = link->next)
    {
      GObject *source;

      if (!g_atomic_int_get (&link->active) || link->source->watch->dead)
        continue;

      source = link->source->watch->object;
      obs_dot_node (out, nodes, source);

      if (link->subscription)
        {
          g_string_append_printf (out,
                                  "  \"sub%u\" [label=\"subscriber\", "
                                  "shape=ellipse];\n"
                                  "  \"%p\" -> \"sub%u\" [label=\"",
                                  n_subscribers, source, n_subscribers);
          obs_dot_escape (out, link->source_pspec->name);
          g_string_append (out, "\"];\n");
          n_subscribers++;
          continue;
        }

      if (link->target->watch->dead)
        continue;

      obs_dot_node (out, nodes, link->target->watch->object);
      g_string_append_printf (out, "  \"%p\" -> \"%p\" [label=\"",
                              source, link->target->watch->object);
      obs_dot_escape (out, link->source_pspec->name);
      g_string_append (out, link->two_way ? " ↔ " : " → ");
      obs_dot_escape (out, link->target_pspec->name);
      obs_dot_flags (out, link->flags);
      g_string_append (out, "\"");
      if (link->two_way)
        g_string_append (out, ", dir=both");
      g_string_append (out, "];\n");
    }

  obs_broker_unlock (self);

  g_string_append (out, "}\n");

  return g_string_free (out, FALSE);
}
