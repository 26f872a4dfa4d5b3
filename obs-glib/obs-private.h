/* obs-private.h: structures shared by the broker, links and watches
 *
 * Not installed. Everything here is guarded by the broker's lock unless a
 * field's comment says otherwise.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "obs-glib.h"

/* GLib is not built with ThreadSanitizer, so TSan does not see its
 * mutexes or GObject's atomic reference counts. In TSan builds these mark
 * the hand-overs obs-glib relies on; elsewhere they are nothing. */
#if defined (__SANITIZE_THREAD__)
# include <sanitizer/tsan_interface.h>
# define OBS_TSAN_ACQUIRE(addr) __tsan_acquire (addr)
# define OBS_TSAN_RELEASE(addr) __tsan_release (addr)
#else
# define OBS_TSAN_ACQUIRE(addr) G_STMT_START { } G_STMT_END
# define OBS_TSAN_RELEASE(addr) G_STMT_START { } G_STMT_END
#endif

G_BEGIN_DECLS

typedef struct _ObsWatch     ObsWatch;
typedef struct _ObsSlot      ObsSlot;
typedef struct _ObsTransform ObsTransform;

/* One per (broker, object): the single notify handler and weak reference
 * that every link touching the object shares.
 */
struct _ObsWatch
{
  /* not owned; NULL once the object was disposed */
  GObject   *object;


  /* not owned; the broker owns its watches */
  ObsBroker *broker;

  /* owned, singly linked through ObsSlot.next */
  ObsSlot   *slots;

  /* handler on object's "notify", 0 while the object is only a target */
  gulong     notify_id;

  /* atomic: one for the broker's table, one for the handler's closure;
   * the closure's share keeps the memory valid while a notify runs on
   * another thread */
  gint       ref_count;

  guint      dead : 1;

  /* the object is being disposed on another thread, which waits in the
   * weak notify for in_use to drop to 0; no new use may start */
  guint      dying : 1;

  /* obs-glib holds the object's notifications back while a burst of
   * changes to its one slot waits in the queue (see obs_broker_freeze);
   * the broker's frozen array holds a reference on the watch meanwhile */
  guint      frozen : 1;

  /* the notifications held back are being let go: they are stamped, not
   * read, because the slot is queued or being dispatched */
  guint      thawing : 1;

  /* references on the object that the owner thread holds while it
   * propagates; the weak notify of another thread waits for them. A
   * bit field only to keep the watch small. */
  guint      in_use : 26;

  /* disposed while the owner held it: the hold's end drops a reference
   * the weak notify took, so the watch outlives the hold */
  guint      unref_when_idle : 1;
};

/* One per linked property of a watched object: the queue key. */
struct _ObsSlot
{
  /* not owned: the watch owns its slots */
  ObsWatch   *watch;
  ObsSlot    *next;

  /* not owned: the class keeps its pspecs for the life of the process */
  GParamSpec *pspec;

  /* links naming this slot, as source (through ObsLink.next_at_source)
   * or as target (through ObsLink.next_at_target); not owned */
  ObsLink    *links;

  /* next slot in the broker's queue; a queued slot holds a reference */
  ObsSlot    *queue_next;

  /* owned: a value read at notify time on a thread other than the
   * broker's; NULL means "read it when the queue is drained" */
  GValue     *pending;

  /* links and queue entries that point here */
  guint       ref_count;

  /* links that propagate out of this slot, by kind */
  guint       n_deferred;
  guint       n_immediate;

  /* the order of its latest change, see ObsBroker.stamp */
  guint64     stamp;

  /* dispatches of this slot in drain number serial */
  guint       rounds;
  guint       serial;

  guint       queued : 1;
  guint       forced : 1;

  /* queued, and found not to be one whose object can be frozen (see
   * obs_broker_can_freeze_locked()) */
  guint       freeze_refused : 1;
  guint       cut : 1;

  /* the property was found under its own name: read it through its
   * class's get_property without a lookup */
  guint       direct_read : 1;

  /* values of the property's type own nothing (numbers, enums,
   * booleans): a copy on the stack needs no g_value_unset() */
  guint       plain : 1;
};

struct _ObsTransform
{
  /* an ObsTransformFunc or an ObsSubscribeFunc */
  GCallback       func;
  gpointer        data;
  GDestroyNotify  destroy;

  /* owned; used instead of func when set */
  GClosure       *closure;
};

struct _ObsLink
{
  GObject       parent_instance;

  /* not owned; NULL after the broker is finalized */
  ObsBroker    *broker;

  /* owned references on the two slots while the link is active; target
   * is NULL for a subscription. Both are cleared when the link goes
   * inactive; the pspecs below keep the property names readable. */
  ObsSlot      *source;
  ObsSlot      *target;

  /* the property names, owned by their pspecs */
  GParamSpec   *source_pspec;
  GParamSpec   *target_pspec;

  /* in source->links and target->links */
  ObsLink      *next_at_source;
  ObsLink      *next_at_target;

  /* the broker's list of links, its GListModel */
  ObsLink      *prev;
  ObsLink      *next;

  /* owned; NULL for a plain copy */
  ObsTransform *to;
  ObsTransform *from;

  ObsLinkFlags  flags;

  /* atomic: written under the broker's lock, read without it while a
   * drain runs */
  gint          active;

  guint         two_way : 1;
  guint         subscription : 1;
  guint         listed : 1;

  /* made with SYNC_CREATE while changes were still queued: it carries
   * nothing until they landed and its copy is made */
  guint         settling : 1;
};

/* obs-watch.c */
ObsSlot  *obs_watch_lookup_slot     (ObsWatch    *watch,
                                     GParamSpec  *pspec);
ObsSlot  *obs_watch_ensure_slot     (ObsWatch    *watch,
                                     GParamSpec  *pspec);
ObsWatch *obs_watch_new             (ObsBroker   *broker,
                                     GObject     *object);
void      obs_watch_unref           (ObsWatch    *watch);
void      obs_watch_connect_notify  (ObsWatch    *watch,
                                     GCallback    callback);
void      obs_watch_disconnect_notify (ObsWatch  *watch);
void      obs_slot_ref              (ObsSlot     *slot);
gboolean  obs_slot_unref            (ObsSlot     *slot);
void      obs_slot_add_link         (ObsSlot     *slot,
                                     ObsLink     *link);
void      obs_slot_remove_link      (ObsSlot     *slot,
                                     ObsLink     *link);
ObsLink  *obs_slot_next_link        (ObsSlot     *slot,
                                     ObsLink     *link);
gboolean  obs_slot_propagates       (ObsSlot     *slot,
                                     ObsLink     *link);

/* obs-link.c */
ObsLink  *obs_link_new_internal     (ObsBroker   *broker,
                                     ObsSlot     *source,
                                     ObsSlot     *target,
                                     ObsLinkFlags flags,
                                     gboolean     two_way);
void      obs_transform_free        (ObsTransform *transform);
char     *obs_describe_slot         (ObsSlot     *slot);
char     *obs_describe_object       (GObject     *object);
GQuark    obs_object_name_quark     (void);

/* obs-broker.c */
void      obs_broker_lock           (ObsBroker   *self);
void      obs_broker_unlock         (ObsBroker   *self);
void      obs_broker_trash_value_locked (ObsBroker *self,
                                         GValue    *value);
void      obs_broker_unlink_link    (ObsBroker   *self,
                                     ObsLink     *link);

G_END_DECLS
