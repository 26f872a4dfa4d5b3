/* test-lifetime.c: who outlives whom: objects, links, transform data and
 * the broker
 *
 * Every case runs in a subprocess with a time limit: a use after free, a
 * lock taken twice or a leak check that aborts fails that case alone.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "test-thing.h"
#include "test-util.h"


/* Helpers ---------------------------------------------------------------- */

static gboolean
copy_int (ObsLink      *link,
          const GValue *from_value,
          GValue       *to_value,
          gpointer      user_data)
{
  g_value_set_int (to_value, g_value_get_int (from_value));

  return TRUE;
}

/* Makes a one-way link t1:a -> t2:a whose transform data is a destroy
 * counter, and returns it with a reference for the caller.
 */
static ObsLink *
counted_link (ObsBroker *broker,
              TestThing *source,
              TestThing *target,
              guint     *destroyed)
{
  g_autoptr(GError) error = NULL;
  ObsLink *link;

  link = obs_broker_dlink_full (broker, G_OBJECT (source), "a",
                                G_OBJECT (target), "a", OBS_LINK_DEFAULT,
                                copy_int, destroyed, test_count_destroy, &error);
  g_assert_no_error (error);
  g_assert_nonnull (link);

  return g_object_ref (link);
}

/* Dead objects ----------------------------------------------------------- */

static void
test_target_finalized_while_queued (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  TestThing *t1 = test_thing_new (0);
  TestThing *t2 = test_thing_new (0);
  guint destroyed = 0;
  ObsLink *link;

  g_test_summary ("A target finalized while the source's key is queued: "
                  "the flush writes nothing, the link goes inactive and "
                  "leaves the model, its data is destroyed once, and not "
                  "from the dispose");

  link = counted_link (broker, t1, t2, &destroyed);
  g_assert_cmpuint (test_count_links (broker), ==, 1);

  test_thing_set_a (t1, 5);

  g_assert_finalize_object (t2);
  g_assert_false (obs_link_is_active (link));
  g_assert_null (obs_link_dup_target (link));
  g_assert_cmpuint (destroyed, ==, 0);

  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpuint (destroyed, ==, 1);
  g_assert_cmpuint (test_count_links (broker), ==, 0);

  /* the source lives on, unlinked */
  test_thing_set_a (t1, 6);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpuint (destroyed, ==, 1);

  g_assert_finalize_object (link);
  g_assert_finalize_object (t1);
  g_assert_finalize_object (g_steal_pointer (&broker));
  g_assert_cmpuint (destroyed, ==, 1);
}

static void
test_target_key_finalized_while_queued (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(GError) error = NULL;
  TestThing *t1 = test_thing_new (0);
  TestThing *t2 = test_thing_new (0);
  ObsLink *link;

  g_test_summary ("An object finalized while its own key is queued: the "
                  "queued change is dropped and nothing crashes");

  link = obs_broker_link (broker, G_OBJECT (t1), "a", G_OBJECT (t2), "a",
                          OBS_LINK_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_nonnull (link);
  g_object_ref (link);

  test_thing_set_a (t2, 5);
  g_assert_finalize_object (t2);
  g_assert_false (obs_link_is_active (link));

  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpint (test_thing_get_a (t1), ==, 0);
  g_assert_cmpuint (test_count_links (broker), ==, 0);

  g_assert_finalize_object (link);
  g_assert_finalize_object (t1);
}

static void
test_source_finalized_while_queued (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  TestThing *t1 = test_thing_new (0);
  TestThing *t2 = test_thing_new (0);
  guint destroyed = 0;
  ObsLink *link;

  g_test_summary ("A source finalized while its key is queued: the flush "
                  "writes nothing and the link is released");

  link = counted_link (broker, t1, t2, &destroyed);

  test_thing_set_a (t1, 5);
  g_assert_finalize_object (t1);
  g_assert_false (obs_link_is_active (link));
  g_assert_null (obs_link_dup_source (link));

  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpint (test_thing_get_a (t2), ==, 0);
  g_assert_cmpuint (destroyed, ==, 1);
  g_assert_cmpuint (test_count_links (broker), ==, 0);

  g_assert_finalize_object (link);
  g_assert_finalize_object (t2);
}

typedef struct
{
  TestThing *thing;     /* owned: the reference the callback drops */
  guint      calls;
  guint      destroyed;
} Dropper;

static void
drop_thing (ObsLink      *link,
            const GValue *value,
            gpointer      user_data)
{
  Dropper *dropper = user_data;

  dropper->calls++;
  g_clear_object (&dropper->thing);
}

static void
dropper_destroy (gpointer data)
{
  Dropper *dropper = data;

  dropper->destroyed++;
}

static void
test_source_finalized_in_subscriber (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TestThing) t2 = test_thing_new (0);
  TestThing *t1 = test_thing_new (0);
  Dropper dropper = { t1, 0, 0 };
  guint destroyed = 0;
  ObsLink *subscription;
  ObsLink *link;

  g_test_summary ("A subscriber that drops the last reference to its own "
                  "source: the source is finalized, the drain finishes and "
                  "both links are released");

  g_object_add_weak_pointer (G_OBJECT (t1), (gpointer *) &t1);

  subscription = obs_broker_subscribe (broker, G_OBJECT (t1), "a",
                                       drop_thing, &dropper, dropper_destroy,
                                       &error);
  g_assert_no_error (error);
  g_assert_nonnull (subscription);
  g_object_ref (subscription);

  link = counted_link (broker, t1, t2, &destroyed);

  test_thing_set_a (t1, 5);
  obs_broker_flush (broker);

  g_assert_cmpuint (dropper.calls, ==, 1);
  g_assert_null (dropper.thing);
  g_assert_null (t1);
  g_assert_false (obs_link_is_active (subscription));
  g_assert_false (obs_link_is_active (link));

  obs_broker_flush (broker);
  g_assert_cmpuint (dropper.destroyed, ==, 1);
  g_assert_cmpuint (destroyed, ==, 1);
  g_assert_cmpuint (test_count_links (broker), ==, 0);

  g_assert_finalize_object (subscription);
  g_assert_finalize_object (link);
}

static void
test_target_finalized_in_subscriber (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TestThing) t1 = test_thing_new (0);
  TestThing *t2 = test_thing_new (0);
  Dropper dropper = { t2, 0, 0 };
  guint destroyed = 0;
  ObsLink *link;

  g_test_summary ("A subscriber that drops the last reference to the "
                  "target of another link on the same source: the drain "
                  "finishes and the link is released");

  g_object_add_weak_pointer (G_OBJECT (t2), (gpointer *) &t2);

  link = counted_link (broker, t1, t2, &destroyed);
  g_assert_nonnull (obs_broker_subscribe (broker, G_OBJECT (t1), "a",
                                          drop_thing, &dropper,
                                          dropper_destroy, &error));
  g_assert_no_error (error);

  test_thing_set_a (t1, 5);
  obs_broker_flush (broker);

  g_assert_cmpuint (dropper.calls, ==, 1);
  g_assert_null (t2);
  g_assert_false (obs_link_is_active (link));

  obs_broker_flush (broker);
  g_assert_cmpuint (destroyed, ==, 1);
  g_assert_cmpuint (test_count_links (broker), ==, 1);

  g_assert_finalize_object (link);

  g_assert_finalize_object (g_steal_pointer (&broker));
  g_assert_cmpuint (dropper.destroyed, ==, 1);
}

typedef struct
{
  TestThing *victim;    /* owned */
} Killer;

static gboolean
copy_and_kill (ObsLink      *link,
               const GValue *from_value,
               GValue       *to_value,
               gpointer      user_data)
{
  Killer *killer = user_data;

  g_clear_object (&killer->victim);
  g_value_set_int (to_value, g_value_get_int (from_value));

  return TRUE;
}

static void
test_queued_object_finalized_in_transform (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  g_autoptr(TestThing) t4 = test_thing_new (0);
  TestThing *t3 = test_thing_new (0);
  Killer killer = { t3 };

  g_test_summary ("A transform that finalizes an object whose key waits "
                  "later in the same drain: that key is skipped");

  g_object_add_weak_pointer (G_OBJECT (t3), (gpointer *) &t3);

  g_assert_nonnull (obs_broker_dlink_full (broker, G_OBJECT (t1), "a",
                                           G_OBJECT (t2), "a", 0,
                                           copy_and_kill, &killer, NULL,
                                           &error));
  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (t3), "a",
                                      G_OBJECT (t4), "a", 0, &error));
  g_assert_no_error (error);

  test_thing_set_a (t1, 1);
  test_thing_set_a (t3, 3);

  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_null (t3);
  g_assert_cmpint (test_thing_get_a (t2), ==, 1);
  g_assert_cmpint (test_thing_get_a (t4), ==, 0);

  obs_broker_flush (broker);
  g_assert_cmpuint (test_count_links (broker), ==, 1);
}

/* g_object_run_dispose() ------------------------------------------------- */

static void
check_run_dispose (gboolean dispose_source)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  TestThing *t1 = test_thing_new (0);
  TestThing *t2 = test_thing_new (0);
  guint destroyed = 0;
  ObsLink *link;

  link = counted_link (broker, t1, t2, &destroyed);

  test_thing_set_a (t1, 1);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpint (test_thing_get_a (t2), ==, 1);

  g_object_run_dispose (dispose_source ? G_OBJECT (t1) : G_OBJECT (t2));

  g_assert_false (obs_link_is_active (link));
  g_assert_null (obs_link_dup_source (link));
  g_assert_null (obs_link_dup_target (link));

  obs_broker_flush (broker);
  g_assert_cmpuint (destroyed, ==, 1);
  g_assert_cmpuint (test_count_links (broker), ==, 0);

  /* both objects still work, and no longer talk */
  test_thing_set_a (t1, 2);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpint (test_thing_get_a (t2), ==, 1);

  g_assert_finalize_object (link);
  g_assert_finalize_object (t1);
  g_assert_finalize_object (t2);
  g_assert_finalize_object (g_steal_pointer (&broker));
  g_assert_cmpuint (destroyed, ==, 1);
}

static void
test_run_dispose_source (void)
{
  g_test_summary ("g_object_run_dispose() on the source makes the link "
                  "inactive at once; it leaves at the next flush");

  check_run_dispose (TRUE);
}

static void
test_run_dispose_target (void)
{
  g_test_summary ("g_object_run_dispose() on the target makes the link "
                  "inactive at once; it leaves at the next flush");

  check_run_dispose (FALSE);
}

/* unlink() --------------------------------------------------------------- */

static void
test_unlink_twice (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  guint destroyed = 0;
  ObsLink *link;

  g_test_summary ("unlink() stops propagation and destroys the data once; "
                  "a second unlink() does nothing");

  link = counted_link (broker, t1, t2, &destroyed);

  test_thing_set_a (t1, 1);
  obs_link_unlink (link);
  g_assert_false (obs_link_is_active (link));

  /* the queued change has nowhere to go */
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpint (test_thing_get_a (t2), ==, 0);
  g_assert_cmpuint (destroyed, ==, 1);
  g_assert_cmpuint (test_count_links (broker), ==, 0);

  obs_link_unlink (link);
  obs_broker_flush (broker);
  g_assert_cmpuint (destroyed, ==, 1);

  test_thing_set_a (t1, 2);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpint (test_thing_get_a (t2), ==, 0);

  /* the caller's reference is the last one */
  g_assert_finalize_object (link);
}

static void
test_unlink_after_inactive (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  TestThing *t2 = test_thing_new (0);
  guint destroyed = 0;
  ObsLink *link;

  g_test_summary ("unlink() on a link whose target died, before and after "
                  "the flush, is harmless and destroys nothing twice");

  link = counted_link (broker, t1, t2, &destroyed);

  g_assert_finalize_object (t2);
  g_assert_false (obs_link_is_active (link));

  obs_link_unlink (link);
  g_assert_cmpuint (destroyed, <=, 1);

  obs_broker_flush (broker);
  g_assert_cmpuint (destroyed, ==, 1);
  g_assert_cmpuint (test_count_links (broker), ==, 0);

  obs_link_unlink (link);
  obs_link_unlink (link);
  obs_broker_flush (broker);
  g_assert_cmpuint (destroyed, ==, 1);

  g_assert_finalize_object (link);
}

typedef struct
{
  guint      calls;
  guint      destroyed;
  guint      destroyed_during_call;
} SelfUnlink;

static void
unlink_self (ObsLink      *link,
             const GValue *value,
             gpointer      user_data)
{
  SelfUnlink *data = user_data;

  data->calls++;
  obs_link_unlink (link);
  data->destroyed_during_call += data->destroyed;
  obs_link_unlink (link);
}

static void
self_unlink_destroy (gpointer user_data)
{
  SelfUnlink *data = user_data;

  data->destroyed++;
}

static void
test_unlink_in_subscriber (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(GError) error = NULL;
  SelfUnlink data = { 0, };
  ObsLink *link;

  g_test_summary ("A subscriber unlinking itself: its data is not freed "
                  "under it, it is freed once after, and it is not called "
                  "again");

  link = obs_broker_subscribe (broker, G_OBJECT (t1), "a",
                               unlink_self, &data, self_unlink_destroy,
                               &error);
  g_assert_no_error (error);
  g_assert_nonnull (link);
  g_object_ref (link);

  test_thing_set_a (t1, 1);
  obs_broker_flush (broker);

  g_assert_cmpuint (data.calls, ==, 1);
  g_assert_cmpuint (data.destroyed_during_call, ==, 0);
  g_assert_false (obs_link_is_active (link));

  obs_broker_flush (broker);
  g_assert_cmpuint (data.destroyed, ==, 1);
  g_assert_cmpuint (test_count_links (broker), ==, 0);

  test_thing_set_a (t1, 2);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpuint (data.calls, ==, 1);

  g_assert_finalize_object (link);
}

/* The broker going first ------------------------------------------------- */

static void
never_called (ObsLink      *link,
              const GValue *value,
              gpointer      user_data)
{
  g_assert_not_reached ();
}

static void
test_broker_finalized_with_queued_keys (void)
{
  ObsBroker *broker = obs_broker_new ();
  g_autoptr(GError) error = NULL;
  TestThing *t1 = test_thing_new (0);
  TestThing *t2 = test_thing_new (0);
  TestThing *t3 = test_thing_new (0);
  guint destroyed = 0;
  guint sub_destroyed = 0;
  ObsLink *link;
  ObsLink *two_way;

  g_test_summary ("A broker finalized with keys queued: nothing is "
                  "written, every data is destroyed once, the handles stay "
                  "valid and inactive, and the objects outlive it");

  link = counted_link (broker, t1, t2, &destroyed);
  two_way = obs_broker_link (broker, G_OBJECT (t2), "b", G_OBJECT (t3), "b",
                             OBS_LINK_IMMEDIATE, &error);
  g_assert_no_error (error);
  g_object_ref (two_way);
  g_assert_nonnull (obs_broker_subscribe (broker, G_OBJECT (t3), "a",
                                          never_called,
                                          &sub_destroyed, test_count_destroy,
                                          &error));
  g_assert_no_error (error);

  test_thing_set_a (t1, 5);
  test_thing_set_a (t3, 6);

  g_assert_finalize_object (broker);

  g_assert_cmpuint (destroyed, ==, 1);
  g_assert_cmpuint (sub_destroyed, ==, 1);
  g_assert_false (obs_link_is_active (link));
  g_assert_false (obs_link_is_active (two_way));
  g_assert_null (obs_link_dup_source (link));
  g_assert_cmpstr (obs_link_get_source_property (link), ==, "a");
  obs_link_unlink (link);
  obs_link_unlink (two_way);

  /* the broker's source is gone from the context */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (test_thing_get_a (t2), ==, 0);

  /* nothing listens any more */
  g_object_set (t2, "b", 9, NULL);
  {
    int b = 0;

    g_object_get (t3, "b", &b, NULL);
    g_assert_cmpint (b, ==, 0);
  }

  g_assert_finalize_object (link);
  g_assert_finalize_object (two_way);
  g_assert_finalize_object (t1);
  g_assert_finalize_object (t2);
  g_assert_finalize_object (t3);
  g_assert_cmpuint (destroyed, ==, 1);
  g_assert_cmpuint (sub_destroyed, ==, 1);
}

static void
test_broker_finalized_while_held (void)
{
  ObsBroker *broker = obs_broker_new ();
  TestThing *t1 = test_thing_new (0);
  TestThing *t2 = test_thing_new (0);
  guint destroyed = 0;
  ObsLink *link;

  g_test_summary ("A broker finalized while held releases everything");

  link = counted_link (broker, t1, t2, &destroyed);

  obs_broker_hold (broker);
  test_thing_set_a (t1, 5);
  g_assert_finalize_object (broker);

  g_assert_cmpuint (destroyed, ==, 1);
  g_assert_false (obs_link_is_active (link));
  g_assert_cmpint (test_thing_get_a (t2), ==, 0);

  g_assert_finalize_object (link);
  g_assert_finalize_object (t1);
  g_assert_finalize_object (t2);
}

/* Everything freed ------------------------------------------------------- */

typedef struct
{
  guint destroyed;
  guint finalized;
} ClosureCount;

/* The closure's result is a newly allocated GValue, returned through the
 * closure's G_TYPE_VALUE return value. */
static GValue *
closure_identity (ObsLink  *link,
                  int       value,
                  gpointer  user_data)
{
  GValue *result = g_new0 (GValue, 1);

  g_value_init (result, G_TYPE_INT);
  g_value_set_int (result, value);

  return result;
}

static void
closure_count_destroy (gpointer  user_data,
                       GClosure *closure)
{
  ClosureCount *count = user_data;

  count->destroyed++;
}

static void
closure_count_finalized (gpointer  user_data,
                         GClosure *closure)
{
  ClosureCount *count = user_data;

  count->finalized++;
}

static void
noop_subscriber (ObsLink      *link,
                 const GValue *value,
                 gpointer      user_data)
{
}

static void
test_everything_freed (void)
{
  g_autoptr(GError) error = NULL;
  ObsBroker *broker = obs_broker_new ();
  TestThing *t1 = test_thing_new (0);
  TestThing *t2 = test_thing_new (0);
  TestThing *t3 = test_thing_new (0);
  ClosureCount closure_count = { 0, 0 };
  guint counters[5] = { 0, };
  ObsLink *links[7];
  GClosure *closure;
  guint n = 0;

  g_test_summary ("Links of every kind over dying objects: every object, "
                  "link, data and closure is freed exactly once");

  links[n++] = obs_broker_dlink_full (broker, G_OBJECT (t1), "a",
                                      G_OBJECT (t2), "a", 0,
                                      copy_int, &counters[0], test_count_destroy,
                                      &error);
  links[n++] = obs_broker_link_full (broker, G_OBJECT (t2), "b",
                                     G_OBJECT (t3), "b", OBS_LINK_IMMEDIATE,
                                     copy_int, &counters[1], test_count_destroy,
                                     copy_int, &counters[2], test_count_destroy,
                                     &error);
  links[n++] = obs_broker_subscribe (broker, G_OBJECT (t3), "a",
                                     noop_subscriber, &counters[3],
                                     test_count_destroy, &error);
  links[n++] = obs_broker_dlink (broker, G_OBJECT (t3), "flag",
                                 G_OBJECT (t1), "flag",
                                 OBS_LINK_SYNC_CREATE |
                                 OBS_LINK_INVERT_BOOLEAN, &error);
  links[n++] = obs_broker_link (broker, G_OBJECT (t1), "loud",
                                G_OBJECT (t3), "loud", 0, &error);
  closure = g_cclosure_new (G_CALLBACK (closure_identity), &closure_count,
                            closure_count_destroy);
  g_closure_add_finalize_notifier (closure, &closure_count,
                                   closure_count_finalized);
  links[n++] = obs_broker_dlink_with_closure (broker, G_OBJECT (t2), "a",
                                              G_OBJECT (t3), "a", 0,
                                              closure, &error);
  links[n++] = obs_broker_subscribe (broker, G_OBJECT (t1), "text",
                                     noop_subscriber, &counters[4],
                                     test_count_destroy, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (test_count_links (broker), ==, n);

  for (guint i = 0; i < n; i++)
    {
      g_assert_nonnull (links[i]);
      g_object_add_weak_pointer (G_OBJECT (links[i]),
                                 (gpointer *) &links[i]);
    }

  test_thing_set_a (t1, 1);
  g_object_set (t2, "b", 2, "text", "two", NULL);
  g_object_set (t1, "loud", 3, "text", "one", NULL);
  g_assert_cmpuint (obs_broker_flush (broker), >, 0);

  /* a change left queued for the objects' death */
  test_thing_set_a (t1, 4);

  g_assert_finalize_object (t2);
  obs_broker_flush (broker);
  g_assert_finalize_object (t1);
  g_assert_finalize_object (t3);

  /* nothing waits for the main loop */
  obs_broker_flush (broker);
  g_assert_cmpuint (test_count_links (broker), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (counters); i++)
    g_assert_cmpuint (counters[i], ==, 1);
  g_assert_cmpuint (closure_count.destroyed, ==, 1);
  g_assert_cmpuint (closure_count.finalized, ==, 1);

  for (guint i = 0; i < n; i++)
    g_assert_null (links[i]);

  g_assert_finalize_object (broker);
}

static void
test_links_do_not_keep_objects (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(GError) error = NULL;
  TestThing *t1 = test_thing_new (0);
  TestThing *t2 = test_thing_new (0);

  g_test_summary ("A link holds its objects weakly, in both directions");

  g_assert_nonnull (obs_broker_link (broker, G_OBJECT (t1), "a",
                                     G_OBJECT (t2), "a",
                                     OBS_LINK_SYNC_CREATE, &error));
  g_assert_nonnull (obs_broker_subscribe (broker, G_OBJECT (t2), "b",
                                          noop_subscriber, NULL, NULL,
                                          &error));
  g_assert_no_error (error);

  test_thing_set_a (t1, 3);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);

  g_assert_finalize_object (t1);
  g_assert_finalize_object (t2);

  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpuint (test_count_links (broker), ==, 0);
}

typedef struct
{
  guint removed;
  guint added;
} ModelLog;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  ModelLog *log = user_data;

  log->removed += removed;
  log->added += added;
}

static void
test_links_leave_model (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(GListModel) model = obs_broker_get_links (broker);
  g_autoptr(GError) error = NULL;
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t3 = test_thing_new (0);
  TestThing *t2 = test_thing_new (0);
  ObsLink *kept;
  ModelLog log = { 0, 0 };

  g_test_summary ("The links of a dead object leave get_links() at the "
                  "flush after its death, and only those");

  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (t1), "a",
                                      G_OBJECT (t2), "a", 0, &error));
  kept = obs_broker_dlink (broker, G_OBJECT (t1), "b",
                           G_OBJECT (t3), "b", 0, &error);
  g_assert_nonnull (obs_broker_link (broker, G_OBJECT (t2), "b",
                                     G_OBJECT (t3), "a", 0, &error));
  g_assert_nonnull (obs_broker_subscribe (broker, G_OBJECT (t2), "loud",
                                          noop_subscriber, NULL, NULL,
                                          &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 4);

  g_signal_connect (model, "items-changed",
                    G_CALLBACK (on_items_changed), &log);

  g_assert_finalize_object (t2);
  obs_broker_flush (broker);

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  g_assert_cmpuint (log.removed, ==, 3);
  g_assert_cmpuint (log.added, ==, 0);

  {
    g_autoptr(ObsLink) item = g_list_model_get_item (model, 0);

    g_assert_true (item == kept);
    g_assert_true (obs_link_is_active (item));
  }

  g_object_set (t1, "b", 8, NULL);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);

  g_signal_handlers_disconnect_by_func (model, on_items_changed, &log);
}

static void
test_dead_links_leave_from_main_loop (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TestThing) t1 = test_thing_new (0);
  TestThing *t2 = test_thing_new (0);
  guint destroyed = 0;
  ObsLink *link;

  g_test_summary ("Without a flush, the main loop releases the links of a "
                  "dead object");

  link = counted_link (broker, t1, t2, &destroyed);
  g_assert_finalize_object (t2);

  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_assert_cmpuint (destroyed, ==, 1);
  g_assert_cmpuint (test_count_links (broker), ==, 0);
  g_assert_finalize_object (link);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  test_add_guarded ("/Obs/Lifetime/target-finalized-while-queued",
               test_target_finalized_while_queued);
  test_add_guarded ("/Obs/Lifetime/target-key-finalized-while-queued",
               test_target_key_finalized_while_queued);
  test_add_guarded ("/Obs/Lifetime/source-finalized-while-queued",
               test_source_finalized_while_queued);
  test_add_guarded ("/Obs/Lifetime/source-finalized-in-subscriber",
               test_source_finalized_in_subscriber);
  test_add_guarded ("/Obs/Lifetime/target-finalized-in-subscriber",
               test_target_finalized_in_subscriber);
  test_add_guarded ("/Obs/Lifetime/queued-object-finalized-in-transform",
               test_queued_object_finalized_in_transform);
  test_add_guarded ("/Obs/Lifetime/run-dispose-source", test_run_dispose_source);
  test_add_guarded ("/Obs/Lifetime/run-dispose-target", test_run_dispose_target);
  test_add_guarded ("/Obs/Lifetime/unlink-twice", test_unlink_twice);
  test_add_guarded ("/Obs/Lifetime/unlink-after-inactive",
               test_unlink_after_inactive);
  test_add_guarded ("/Obs/Lifetime/unlink-in-subscriber",
               test_unlink_in_subscriber);
  test_add_guarded ("/Obs/Lifetime/broker-finalized-with-queued-keys",
               test_broker_finalized_with_queued_keys);
  test_add_guarded ("/Obs/Lifetime/broker-finalized-while-held",
               test_broker_finalized_while_held);
  test_add_guarded ("/Obs/Lifetime/everything-freed", test_everything_freed);
  test_add_guarded ("/Obs/Lifetime/links-do-not-keep-objects",
               test_links_do_not_keep_objects);
  test_add_guarded ("/Obs/Lifetime/links-leave-model", test_links_leave_model);
  test_add_guarded ("/Obs/Lifetime/dead-links-leave-from-main-loop",
               test_dead_links_leave_from_main_loop);

  return g_test_run ();
}
