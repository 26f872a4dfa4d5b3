/* test-broker.c: links, propagation, transforms, cycles, holds, triggers
 * and dispatch of ObsBroker
 *
 * Every case runs in a subprocess with a time limit, so that a case that
 * crashes, deadlocks or never settles fails alone and the others still
 * run.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "test-thing.h"
#include "test-util.h"

#define CHAIN_LENGTH 1000000

/* How long one case may run in its subprocess; the million-object chain
 * gets more. */
#define CHAIN_TIMEOUT (120 * G_USEC_PER_SEC)

/* Helpers ---------------------------------------------------------------- */

static void
set_int (gpointer    object,
         const char *property,
         int         value)
{
  g_object_set (object, property, value, NULL);
}

static gboolean
get_flag (gpointer object)
{
  gboolean value = FALSE;

  g_object_get (object, "flag", &value, NULL);

  return value;
}

static void
set_flag (gpointer object,
          gboolean value)
{
  g_object_set (object, "flag", value, NULL);
}

static TestThing *
named_thing (const char *name,
             int         a)
{
  TestThing *thing = test_thing_new (a);

  obs_set_object_name (G_OBJECT (thing), name);

  return thing;
}

/* A subscriber that records what it receives. */
typedef struct
{
  guint    calls;
  int      last;
  ObsLink *link;
  GArray  *values;
  guint    destroyed;
} Recorder;

static void
recorder_init (Recorder *recorder)
{
  memset (recorder, 0, sizeof *recorder);
  recorder->values = g_array_new (FALSE, FALSE, sizeof (int));
}

static void
recorder_clear (Recorder *recorder)
{
  g_clear_pointer (&recorder->values, g_array_unref);
}

static void
record_int (ObsLink      *link,
            const GValue *value,
            gpointer      user_data)
{
  Recorder *recorder = user_data;
  int v = g_value_get_int (value);

  recorder->calls++;
  recorder->last = v;
  recorder->link = link;
  g_array_append_val (recorder->values, v);
}

/* Transforms */

typedef struct
{
  int   factor;
  guint calls;
  guint destroyed;
} Scale;

static void
scale_destroy (gpointer data)
{
  Scale *scale = data;

  scale->destroyed++;
}

static gboolean
scale_multiply (ObsLink      *link,
                const GValue *from_value,
                GValue       *to_value,
                gpointer      user_data)
{
  Scale *scale = user_data;

  scale->calls++;
  g_value_set_int (to_value, g_value_get_int (from_value) * scale->factor);

  return TRUE;
}

static gboolean
scale_divide (ObsLink      *link,
              const GValue *from_value,
              GValue       *to_value,
              gpointer      user_data)
{
  Scale *scale = user_data;

  scale->calls++;
  g_value_set_int (to_value, g_value_get_int (from_value) / scale->factor);

  return TRUE;
}

static gboolean
add_one (ObsLink      *link,
         const GValue *from_value,
         GValue       *to_value,
         gpointer      user_data)
{
  g_value_set_int (to_value, g_value_get_int (from_value) + 1);

  return TRUE;
}

static gboolean
only_even (ObsLink      *link,
           const GValue *from_value,
           GValue       *to_value,
           gpointer      user_data)
{
  guint *calls = user_data;
  int value = g_value_get_int (from_value);

  (*calls)++;

  if (value % 2 != 0)
    return FALSE;

  g_value_set_int (to_value, value);

  return TRUE;
}

/* link-error */

typedef struct
{
  guint    count;
  ObsLink *link;
  GError  *error;
} ErrorLog;

static void
on_link_error (ObsBroker *broker,
               ObsLink   *link,
               GError    *error,
               gpointer   user_data)
{
  ErrorLog *log = user_data;

  log->count++;
  g_set_object (&log->link, link);
  g_clear_error (&log->error);
  log->error = g_error_copy (error);
}

static void
error_log_clear (ErrorLog *log)
{
  g_clear_object (&log->link);
  g_clear_error (&log->error);
}

/* Propagation ------------------------------------------------------------ */

static void
test_two_way (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (10);
  g_autoptr(TestThing) t2 = test_thing_new (20);
  g_autoptr(GError) error = NULL;
  ObsLink *link;

  g_test_summary ("A two-way link settles from either side, with one "
                  "write and no echo");

  link = obs_broker_link (broker, G_OBJECT (t1), "a", G_OBJECT (t2), "a",
                          OBS_LINK_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_nonnull (link);
  g_assert_true (obs_link_is_two_way (link));
  g_assert_true (obs_link_is_active (link));
  g_assert_cmpuint (test_count_links (broker), ==, 1);

  /* without SYNC_CREATE nothing is copied */
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpint (test_thing_get_a (t1), ==, 10);
  g_assert_cmpint (test_thing_get_a (t2), ==, 20);

  test_thing_reset_notifies (t1);
  test_thing_reset_notifies (t2);

  test_thing_set_a (t1, 30);
  g_assert_cmpint (test_thing_get_a (t2), ==, 20);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpint (test_thing_get_a (t1), ==, 30);
  g_assert_cmpint (test_thing_get_a (t2), ==, 30);
  g_assert_cmpuint (test_thing_count_notifies (t1, "a"), ==, 1);
  g_assert_cmpuint (test_thing_count_notifies (t2, "a"), ==, 1);

  test_thing_set_a (t2, 40);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpint (test_thing_get_a (t1), ==, 40);
  g_assert_cmpint (test_thing_get_a (t2), ==, 40);
  g_assert_cmpuint (test_thing_count_notifies (t1, "a"), ==, 2);
  g_assert_cmpuint (test_thing_count_notifies (t2, "a"), ==, 2);

  /* settled: nothing left */
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
}

static void
test_one_way (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (1);
  g_autoptr(TestThing) t2 = test_thing_new (2);
  g_autoptr(GError) error = NULL;
  ObsLink *link;

  g_test_summary ("A one-way link carries the source to the target and "
                  "never back");

  link = obs_broker_dlink (broker, G_OBJECT (t1), "a", G_OBJECT (t2), "b",
                           OBS_LINK_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_nonnull (link);
  g_assert_false (obs_link_is_two_way (link));
  g_assert_cmpstr (obs_link_get_source_property (link), ==, "a");
  g_assert_cmpstr (obs_link_get_target_property (link), ==, "b");

  set_int (t2, "b", 99);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpint (test_thing_get_a (t1), ==, 1);

  test_thing_set_a (t1, 5);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpint (test_get_int (t2, "b"), ==, 5);

  /* the target's own "a" is not linked */
  g_assert_cmpint (test_thing_get_a (t2), ==, 2);

  set_int (t2, "b", 6);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpint (test_thing_get_a (t1), ==, 5);
}

static void
test_coalesce (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  g_autoptr(GError) error = NULL;
  Recorder recorder;
  ObsLink *link;
  ObsLink *subscription;

  g_test_summary ("A thousand sets before a flush reach the target and "
                  "the subscriber once, with the last value");

  recorder_init (&recorder);

  link = obs_broker_dlink (broker, G_OBJECT (t1), "a", G_OBJECT (t2), "a",
                           OBS_LINK_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_nonnull (link);

  subscription = obs_broker_subscribe (broker, G_OBJECT (t1), "a",
                                       record_int, &recorder, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (subscription);
  g_assert_null (obs_link_get_target_property (subscription));

  test_thing_reset_notifies (t2);

  for (int i = 1; i <= 1000; i++)
    test_thing_set_a (t1, i);

  g_assert_cmpuint (test_thing_count_notifies (t1, "a"), ==, 1000);
  g_assert_cmpuint (recorder.calls, ==, 0);
  g_assert_cmpint (test_thing_get_a (t2), ==, 0);

  /* one target write and one subscriber call */
  g_assert_cmpuint (obs_broker_flush (broker), ==, 2);

  g_assert_cmpint (test_thing_get_a (t2), ==, 1000);
  g_assert_cmpuint (test_thing_count_notifies (t2, "a"), ==, 1);
  g_assert_cmpuint (recorder.calls, ==, 1);
  g_assert_cmpuint (recorder.values->len, ==, 1);
  g_assert_cmpint (recorder.last, ==, 1000);
  g_assert_true (recorder.link == subscription);

  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpuint (recorder.calls, ==, 1);

  recorder_clear (&recorder);
}

static void
test_sync_create (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (10);
  g_autoptr(TestThing) t2 = test_thing_new (20);
  g_autoptr(TestThing) t3 = test_thing_new (30);
  g_autoptr(TestThing) t4 = test_thing_new (40);
  g_autoptr(GError) error = NULL;
  ObsLink *link;

  g_test_summary ("OBS_LINK_SYNC_CREATE copies the source to the target "
                  "when the link is made, with no flush");

  link = obs_broker_dlink (broker, G_OBJECT (t1), "a", G_OBJECT (t2), "a",
                           OBS_LINK_SYNC_CREATE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (link);
  g_assert_cmpint (obs_link_get_flags (link), ==, OBS_LINK_SYNC_CREATE);
  g_assert_cmpint (test_thing_get_a (t2), ==, 10);
  g_assert_cmpint (test_thing_get_a (t1), ==, 10);

  /* two-way: the copy goes from source to target, and settles */
  link = obs_broker_link (broker, G_OBJECT (t3), "a", G_OBJECT (t4), "a",
                          OBS_LINK_SYNC_CREATE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (link);
  g_assert_cmpint (test_thing_get_a (t3), ==, 30);
  g_assert_cmpint (test_thing_get_a (t4), ==, 30);

  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpint (test_thing_get_a (t3), ==, 30);
  g_assert_cmpint (test_thing_get_a (t4), ==, 30);
}

static void
test_sync_create_then_set (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (10);
  g_autoptr(TestThing) t2 = test_thing_new (20);
  g_autoptr(TestThing) t3 = test_thing_new (0);
  g_autoptr(TestThing) t4 = test_thing_new (0);
  g_autoptr(GError) error = NULL;

  g_test_summary ("A two-way OBS_LINK_SYNC_CREATE link, then a change of "
                  "the source before the first flush: the change wins, the "
                  "target's echo of the creation copy does not undo it");

  g_assert_nonnull (obs_broker_link (broker, G_OBJECT (t1), "a",
                                     G_OBJECT (t2), "a",
                                     OBS_LINK_SYNC_CREATE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (test_thing_get_a (t2), ==, 10);

  test_thing_set_a (t1, 50);
  obs_broker_flush (broker);
  g_assert_cmpint (test_thing_get_a (t1), ==, 50);
  g_assert_cmpint (test_thing_get_a (t2), ==, 50);

  /* the same with inverted booleans */
  g_assert_nonnull (obs_broker_link (broker, G_OBJECT (t3), "flag",
                                     G_OBJECT (t4), "flag",
                                     OBS_LINK_SYNC_CREATE |
                                     OBS_LINK_INVERT_BOOLEAN, &error));
  g_assert_no_error (error);
  g_assert_true (get_flag (t4));

  set_flag (t3, TRUE);
  obs_broker_flush (broker);
  g_assert_true (get_flag (t3));
  g_assert_false (get_flag (t4));
}

static void
on_notify_check_target (GObject    *object,
                        GParamSpec *pspec,
                        gpointer    user_data)
{
  TestThing *target = user_data;
  int *seen = g_object_get_data (object, "seen-in-notify");

  *seen = test_thing_get_a (target);
}

static void
test_immediate (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  g_autoptr(TestThing) t3 = test_thing_new (0);
  g_autoptr(TestThing) t4 = test_thing_new (0);
  g_autoptr(GError) error = NULL;
  int seen = -1;

  g_test_summary ("An OBS_LINK_IMMEDIATE link writes its target inside the "
                  "source's notify, with no flush and no main loop");

  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (t1), "a",
                                      G_OBJECT (t2), "a",
                                      OBS_LINK_IMMEDIATE, &error));
  g_assert_no_error (error);
  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (t2), "a",
                                      G_OBJECT (t3), "a",
                                      OBS_LINK_IMMEDIATE, &error));
  g_assert_no_error (error);
  /* a default link hanging off the immediate chain */
  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (t3), "a",
                                      G_OBJECT (t4), "a",
                                      OBS_LINK_DEFAULT, &error));
  g_assert_no_error (error);

  /* connected after the broker's handler: sees the propagated value */
  g_object_set_data (G_OBJECT (t1), "seen-in-notify", &seen);
  g_signal_connect (t1, "notify::a",
                    G_CALLBACK (on_notify_check_target), t2);

  test_thing_set_a (t1, 5);

  g_assert_cmpint (seen, ==, 5);
  g_assert_cmpint (test_thing_get_a (t2), ==, 5);
  g_assert_cmpint (test_thing_get_a (t3), ==, 5);
  g_assert_cmpint (test_thing_get_a (t4), ==, 0);

  /* only the default link is left for the flush */
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpint (test_thing_get_a (t4), ==, 5);
  g_assert_cmpuint (test_thing_count_notifies (t2, "a"), ==, 1);
  g_assert_cmpuint (test_thing_count_notifies (t3, "a"), ==, 1);

  g_signal_handlers_disconnect_by_func (t1, on_notify_check_target, t2);
}

static void
test_invert_boolean (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  g_autoptr(GError) error = NULL;
  ObsLink *link;

  g_test_summary ("OBS_LINK_INVERT_BOOLEAN writes the negation, both ways");

  link = obs_broker_link (broker, G_OBJECT (t1), "flag", G_OBJECT (t2), "flag",
                          OBS_LINK_SYNC_CREATE | OBS_LINK_INVERT_BOOLEAN,
                          &error);
  g_assert_no_error (error);
  g_assert_nonnull (link);

  g_assert_false (get_flag (t1));
  g_assert_true (get_flag (t2));

  /* The echo of the copy made at creation settles here; what happens to a
   * change made before this first flush is /Obs/Broker/sync-create-then-set.
   */
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_false (get_flag (t1));
  g_assert_true (get_flag (t2));

  set_flag (t1, TRUE);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_true (get_flag (t1));
  g_assert_false (get_flag (t2));

  set_flag (t2, TRUE);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_false (get_flag (t1));
  g_assert_true (get_flag (t2));

  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
}

static void
test_transform_both_ways (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  g_autoptr(GError) error = NULL;
  Scale to = { 2, 0, 0 };
  Scale from = { 2, 0, 0 };
  ObsLink *link;

  g_test_summary ("obs_broker_link_full() transforms each way with its "
                  "own function and data, and frees each data once");

  link = obs_broker_link_full (broker, G_OBJECT (t1), "a", G_OBJECT (t2), "a",
                               OBS_LINK_DEFAULT,
                               scale_multiply, &to, scale_destroy,
                               scale_divide, &from, scale_destroy,
                               &error);
  g_assert_no_error (error);
  g_assert_nonnull (link);

  test_thing_set_a (t1, 5);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpint (test_thing_get_a (t2), ==, 10);
  g_assert_cmpint (test_thing_get_a (t1), ==, 5);
  g_assert_cmpuint (to.calls, >=, 1);

  test_thing_set_a (t2, 30);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpint (test_thing_get_a (t1), ==, 15);
  g_assert_cmpint (test_thing_get_a (t2), ==, 30);
  g_assert_cmpuint (from.calls, >=, 1);

  g_assert_cmpuint (to.destroyed, ==, 0);
  g_assert_cmpuint (from.destroyed, ==, 0);

  obs_link_unlink (link);
  obs_broker_flush (broker);
  g_assert_cmpuint (to.destroyed, ==, 1);
  g_assert_cmpuint (from.destroyed, ==, 1);

  test_thing_set_a (t1, 7);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpint (test_thing_get_a (t2), ==, 30);
}

static void
test_transform_declines (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (100);
  g_autoptr(GError) error = NULL;
  guint calls = 0;
  ObsLink *link;

  g_test_summary ("A transform returning FALSE leaves the target alone");

  link = obs_broker_dlink_full (broker, G_OBJECT (t1), "a", G_OBJECT (t2), "a",
                                OBS_LINK_DEFAULT, only_even, &calls, NULL,
                                &error);
  g_assert_no_error (error);
  g_assert_nonnull (link);

  test_thing_reset_notifies (t2);

  test_thing_set_a (t1, 3);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpuint (calls, ==, 1);
  g_assert_cmpint (test_thing_get_a (t2), ==, 100);
  g_assert_cmpuint (test_thing_count_notifies (t2, "a"), ==, 0);

  test_thing_set_a (t1, 4);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpuint (calls, ==, 2);
  g_assert_cmpint (test_thing_get_a (t2), ==, 4);
  g_assert_cmpuint (test_thing_count_notifies (t2, "a"), ==, 1);
}

typedef struct
{
  guint    calls;
  ObsLink *link;
  guint    destroyed;
  guint    finalized;
} ClosureData;

/* A closure transform hands its result back as a GValue boxed in the
 * G_TYPE_VALUE return value of the closure; with the generic marshaller a
 * C callback returns a newly allocated GValue, or NULL for "no value".
 */
static GValue *
int_value_new (int value)
{
  GValue *result = g_new0 (GValue, 1);

  g_value_init (result, G_TYPE_INT);
  g_value_set_int (result, value);

  return result;
}

static GValue *
closure_triple (ObsLink  *link,
                int       value,
                gpointer  user_data)
{
  ClosureData *data = user_data;

  data->calls++;
  data->link = link;

  return int_value_new (value * 3);
}

static GValue *
closure_returns_nothing (ObsLink  *link,
                         int       value,
                         gpointer  user_data)
{
  ClosureData *data = user_data;

  data->calls++;

  return NULL;
}

static GValue *
closure_returns_text (ObsLink  *link,
                      int       value,
                      gpointer  user_data)
{
  ClosureData *data = user_data;
  GValue *result = g_new0 (GValue, 1);

  data->calls++;
  g_value_init (result, G_TYPE_STRING);
  g_value_set_string (result, "not a number");

  return result;
}

static void
closure_subscriber (ObsLink  *link,
                    int       value,
                    gpointer  user_data)
{
  ClosureData *data = user_data;

  data->calls++;
  data->link = link;
}

static void
closure_data_destroy (gpointer  user_data,
                      GClosure *closure)
{
  ClosureData *data = user_data;

  data->destroyed++;
}

static void
closure_finalized (gpointer  user_data,
                   GClosure *closure)
{
  ClosureData *data = user_data;

  data->finalized++;
}

static void
test_closure_transform (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  g_autoptr(GError) error = NULL;
  ClosureData data = { 0, };
  GClosure *closure;
  ObsLink *link;

  g_test_summary ("obs_broker_dlink_with_closure() calls the closure with "
                  "the link and the value and writes what it returns");

  closure = g_cclosure_new (G_CALLBACK (closure_triple), &data,
                            closure_data_destroy);
  g_closure_add_finalize_notifier (closure, &data, closure_finalized);

  link = obs_broker_dlink_with_closure (broker,
                                        G_OBJECT (t1), "a",
                                        G_OBJECT (t2), "a",
                                        OBS_LINK_DEFAULT, closure, &error);
  g_assert_no_error (error);
  g_assert_nonnull (link);

  test_thing_set_a (t1, 7);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpint (test_thing_get_a (t2), ==, 21);
  g_assert_cmpuint (data.calls, ==, 1);
  g_assert_true (data.link == link);

  g_assert_cmpuint (data.destroyed, ==, 0);
  g_assert_cmpuint (data.finalized, ==, 0);

  obs_link_unlink (link);
  obs_broker_flush (broker);

  g_assert_cmpuint (data.destroyed, ==, 1);
  g_assert_cmpuint (data.finalized, ==, 1);

  test_thing_set_a (t1, 8);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpint (test_thing_get_a (t2), ==, 21);
  g_assert_cmpuint (data.calls, ==, 1);
}

static void
test_closure_subscriber (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(GError) error = NULL;
  ClosureData data = { 0, };
  GClosure *closure;
  ObsLink *link;

  g_test_summary ("obs_broker_subscribe_closure() calls the closure once "
                  "per drain with the link and the latest value");

  closure = g_cclosure_new (G_CALLBACK (closure_subscriber), &data,
                            closure_data_destroy);

  link = obs_broker_subscribe_closure (broker, G_OBJECT (t1), "a",
                                       closure, &error);
  g_assert_no_error (error);
  g_assert_nonnull (link);

  test_thing_set_a (t1, 1);
  test_thing_set_a (t1, 2);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpuint (data.calls, ==, 1);
  g_assert_true (data.link == link);

  obs_link_unlink (link);
  obs_broker_flush (broker);
  g_assert_cmpuint (data.destroyed, ==, 1);
}

static void
test_closure_transform_failed (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (100);
  g_autoptr(TestThing) t3 = test_thing_new (200);
  g_autoptr(GError) error = NULL;
  ClosureData nothing = { 0, };
  ClosureData text = { 0, };
  ErrorLog log = { 0, };
  ObsLink *link_nothing;
  ObsLink *link_text;

  g_test_summary ("A closure transform that returns no value, or one that "
                  "does not convert, leaves the target alone and reports "
                  "TRANSFORM_FAILED through link-error");

  g_signal_connect (broker, "link-error", G_CALLBACK (on_link_error), &log);

  link_nothing = obs_broker_dlink_with_closure (
      broker, G_OBJECT (t1), "a", G_OBJECT (t2), "a", 0,
      g_cclosure_new (G_CALLBACK (closure_returns_nothing), &nothing, NULL),
      &error);
  g_assert_no_error (error);
  g_assert_nonnull (link_nothing);

  test_thing_set_a (t1, 1);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpuint (nothing.calls, ==, 1);
  g_assert_cmpint (test_thing_get_a (t2), ==, 100);
  g_assert_cmpuint (log.count, ==, 1);
  g_assert_true (log.link == link_nothing);
  g_assert_error (log.error, OBS_LINK_ERROR, OBS_LINK_ERROR_TRANSFORM_FAILED);
  g_test_message ("error: %s", log.error->message);

  obs_link_unlink (link_nothing);

  link_text = obs_broker_dlink_with_closure (
      broker, G_OBJECT (t1), "a", G_OBJECT (t3), "a", 0,
      g_cclosure_new (G_CALLBACK (closure_returns_text), &text, NULL),
      &error);
  g_assert_no_error (error);
  g_assert_nonnull (link_text);

  test_thing_set_a (t1, 2);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpuint (text.calls, ==, 1);
  g_assert_cmpint (test_thing_get_a (t3), ==, 200);
  g_assert_cmpuint (log.count, ==, 2);
  g_assert_true (log.link == link_text);
  g_assert_error (log.error, OBS_LINK_ERROR, OBS_LINK_ERROR_TRANSFORM_FAILED);
  g_test_message ("error: %s", log.error->message);

  error_log_clear (&log);
}

static void
test_convert_types (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  double ratio = 0.0;

  g_test_summary ("Without a transform, values are converted with "
                  "g_value_transform()");

  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (t1), "a",
                                      G_OBJECT (t2), "ratio",
                                      OBS_LINK_DEFAULT, &error));
  g_assert_no_error (error);
  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (t1), "a",
                                      G_OBJECT (t2), "text",
                                      OBS_LINK_DEFAULT, &error));
  g_assert_no_error (error);

  test_thing_set_a (t1, 42);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 2);

  g_object_get (t2, "ratio", &ratio, "text", &text, NULL);
  g_assert_cmpfloat (ratio, ==, 42.0);
  g_assert_cmpstr (text, ==, "42");
}

static void
test_invalid_value (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  g_autoptr(GError) error = NULL;
  ErrorLog log = { 0, };
  ObsLink *link;
  double ratio = -1.0;

  g_test_summary ("A value out of the target property's range is not "
                  "written: link-error reports INVALID_VALUE naming the "
                  "type and property, and the link goes on working");

  g_signal_connect (broker, "link-error", G_CALLBACK (on_link_error), &log);

  link = obs_broker_dlink (broker, G_OBJECT (t1), "a", G_OBJECT (t2), "ratio",
                           OBS_LINK_DEFAULT, &error);
  g_assert_no_error (error);

  test_thing_set_a (t1, 12);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  test_thing_reset_notifies (t2);

  /* "ratio" goes from 0 to 1000 */
  test_thing_set_a (t1, 5000);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);

  g_object_get (t2, "ratio", &ratio, NULL);
  g_assert_cmpfloat (ratio, ==, 12.0);
  g_assert_cmpuint (test_thing_count_notifies (t2, "ratio"), ==, 0);
  g_assert_cmpuint (log.count, ==, 1);
  g_assert_true (log.link == link);
  g_assert_error (log.error, OBS_LINK_ERROR, OBS_LINK_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr (log.error->message, "“ratio”"));
  g_assert_nonnull (strstr (log.error->message, "TestThing"));
  g_assert_nonnull (strstr (log.error->message, "5000"));

  test_thing_set_a (t1, 999);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_object_get (t2, "ratio", &ratio, NULL);
  g_assert_cmpfloat (ratio, ==, 999.0);
  g_assert_cmpuint (test_thing_count_notifies (t2, "ratio"), ==, 1);
  g_assert_cmpuint (log.count, ==, 1);

  error_log_clear (&log);
}

static void
test_write_notifies_once (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  g_autoptr(GError) error = NULL;
  int loud = 0;

  g_test_summary ("Writing a property that does not notify by itself "
                  "emits one notify per write, as g_object_set() would");

  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (t1), "a",
                                      G_OBJECT (t2), "loud",
                                      OBS_LINK_IMMEDIATE, &error));
  g_assert_no_error (error);
  test_thing_reset_notifies (t2);

  test_thing_set_a (t1, 3);
  g_object_get (t2, "loud", &loud, NULL);
  g_assert_cmpint (loud, ==, 3);
  g_assert_cmpuint (test_thing_count_notifies (t2, "loud"), ==, 1);

  test_thing_set_a (t1, 4);
  test_thing_set_a (t1, 5);
  g_object_get (t2, "loud", &loud, NULL);
  g_assert_cmpint (loud, ==, 5);
  g_assert_cmpuint (test_thing_count_notifies (t2, "loud"), ==, 3);
}

static void
recorder_destroy (gpointer data)
{
  Recorder *recorder = data;

  recorder->destroyed++;
}

static void
test_subscribe (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(GError) error = NULL;
  Recorder recorder;
  ObsLink *link;

  g_test_summary ("A subscriber gets one call per drain with the latest "
                  "value, even a value it saw before; its data is destroyed "
                  "once when it is unlinked");

  recorder_init (&recorder);

  link = obs_broker_subscribe (broker, G_OBJECT (t1), "a",
                               record_int, &recorder, recorder_destroy,
                               &error);
  g_assert_no_error (error);
  g_assert_nonnull (link);
  g_assert_null (obs_link_get_target_property (link));
  g_assert_false (obs_link_is_two_way (link));
  g_assert_cmpuint (test_count_links (broker), ==, 1);

  test_thing_set_a (t1, 3);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpuint (recorder.calls, ==, 1);
  g_assert_cmpint (recorder.last, ==, 3);
  g_assert_true (recorder.link == link);

  /* a subscriber has no current value to compare with: back to 3 is a
   * change it hears about */
  test_thing_set_a (t1, 4);
  test_thing_set_a (t1, 3);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpuint (recorder.calls, ==, 2);
  g_assert_cmpint (recorder.last, ==, 3);

  g_assert_cmpuint (recorder.destroyed, ==, 0);
  obs_link_unlink (link);
  obs_broker_flush (broker);
  g_assert_cmpuint (recorder.destroyed, ==, 1);
  g_assert_cmpuint (test_count_links (broker), ==, 0);

  test_thing_set_a (t1, 5);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpuint (recorder.calls, ==, 2);

  recorder_clear (&recorder);
}

/* Chains and cycles ------------------------------------------------------ */

static void
test_chain_million (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(GError) error = NULL;
  TestThing **things;
  gint64 start;

  g_test_summary ("A chain of a million one-way links settles from one set "
                  "and one flush, without growing the stack");

  things = g_new (TestThing *, CHAIN_LENGTH);
  for (guint i = 0; i < CHAIN_LENGTH; i++)
    things[i] = test_thing_new (0);

  start = g_get_monotonic_time ();
  for (guint i = 0; i + 1 < CHAIN_LENGTH; i++)
    {
      ObsLink *link = obs_broker_dlink (broker,
                                        G_OBJECT (things[i]), "a",
                                        G_OBJECT (things[i + 1]), "a",
                                        OBS_LINK_DEFAULT, &error);

      g_assert_no_error (error);
      g_assert_nonnull (link);
    }
  g_test_message ("linked %u objects in %.2f s", CHAIN_LENGTH,
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);

  g_assert_cmpuint (test_count_links (broker), ==, CHAIN_LENGTH - 1);

  test_thing_set_a (things[0], 1);

  start = g_get_monotonic_time ();
  g_assert_cmpuint (obs_broker_flush (broker), ==, CHAIN_LENGTH - 1);
  g_test_message ("flushed in %.2f s",
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);

  g_assert_cmpint (test_thing_get_a (things[CHAIN_LENGTH / 2]), ==, 1);
  g_assert_cmpint (test_thing_get_a (things[CHAIN_LENGTH - 1]), ==, 1);
  g_assert_cmpuint (test_thing_count_notifies (things[CHAIN_LENGTH - 1], "a"),
                    ==, 1);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);

  g_assert_finalize_object (g_steal_pointer (&broker));

  for (guint i = 0; i < CHAIN_LENGTH; i++)
    g_object_unref (things[i]);
  g_free (things);
}

static void
test_loud_cycle (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  g_autoptr(TestThing) t3 = test_thing_new (0);
  g_autoptr(TestThing) u1 = test_thing_new (0);
  g_autoptr(TestThing) u2 = test_thing_new (0);
  g_autoptr(TestThing) u3 = test_thing_new (0);
  g_autoptr(GError) error = NULL;
  ErrorLog log = { 0, };

  g_test_summary ("A cycle of three properties that notify on every set "
                  "settles: equal values are not written");

  g_signal_connect (broker, "link-error", G_CALLBACK (on_link_error), &log);

  /* a ring of one-way links */
  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (t1), "loud",
                                      G_OBJECT (t2), "loud", 0, &error));
  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (t2), "loud",
                                      G_OBJECT (t3), "loud", 0, &error));
  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (t3), "loud",
                                      G_OBJECT (t1), "loud", 0, &error));
  g_assert_no_error (error);

  /* a triangle of two-way links */
  g_assert_nonnull (obs_broker_link (broker, G_OBJECT (u1), "loud",
                                     G_OBJECT (u2), "loud", 0, &error));
  g_assert_nonnull (obs_broker_link (broker, G_OBJECT (u2), "loud",
                                     G_OBJECT (u3), "loud", 0, &error));
  g_assert_nonnull (obs_broker_link (broker, G_OBJECT (u3), "loud",
                                     G_OBJECT (u1), "loud", 0, &error));
  g_assert_no_error (error);

  set_int (t1, "loud", 5);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 2);
  g_assert_cmpint (test_get_int (t1, "loud"), ==, 5);
  g_assert_cmpint (test_get_int (t2, "loud"), ==, 5);
  g_assert_cmpint (test_get_int (t3, "loud"), ==, 5);
  g_assert_cmpuint (test_thing_count_notifies (t1, "loud"), ==, 1);
  g_assert_cmpuint (test_thing_count_notifies (t2, "loud"), ==, 1);
  g_assert_cmpuint (test_thing_count_notifies (t3, "loud"), ==, 1);

  set_int (u2, "loud", 8);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 2);
  g_assert_cmpint (test_get_int (u1, "loud"), ==, 8);
  g_assert_cmpint (test_get_int (u2, "loud"), ==, 8);
  g_assert_cmpint (test_get_int (u3, "loud"), ==, 8);

  /* an equal value set again notifies, and still writes nothing */
  set_int (t2, "loud", 5);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);

  g_assert_cmpuint (log.count, ==, 0);
  error_log_clear (&log);
}

static void
test_cycle_cut (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = named_thing ("left", 0);
  g_autoptr(TestThing) t2 = named_thing ("right", 0);
  g_autoptr(GError) error = NULL;
  ErrorLog log = { 0, };
  ObsLink *link;
  guint count;

  g_test_summary ("A two-way link with x + 1 both ways never settles: it is "
                  "cut after max-rounds with a warning and a CYCLE error "
                  "that names both ends, and flush() returns");

  g_assert_cmpuint (obs_broker_get_max_rounds (broker), ==, 100);
  g_signal_connect (broker, "link-error", G_CALLBACK (on_link_error), &log);

  link = obs_broker_link_full (broker, G_OBJECT (t1), "a", G_OBJECT (t2), "a",
                               OBS_LINK_DEFAULT,
                               add_one, NULL, NULL,
                               add_one, NULL, NULL,
                               &error);
  g_assert_no_error (error);
  g_assert_nonnull (link);

  test_thing_set_a (t1, 1);

  g_test_expect_message ("Obs", G_LOG_LEVEL_WARNING, "*did not settle*");
  count = obs_broker_flush (broker);
  g_test_assert_expected_messages ();

  /* each of the two properties propagated max-rounds times */
  g_assert_cmpuint (count, ==, 200);
  g_assert_cmpint (ABS (test_thing_get_a (t1) - test_thing_get_a (t2)), ==, 1);

  g_assert_cmpuint (log.count, ==, 1);
  g_assert_true (log.link == link);
  g_assert_error (log.error, OBS_LINK_ERROR, OBS_LINK_ERROR_CYCLE);
  g_assert_nonnull (strstr (log.error->message, "TestThing"));
  g_assert_nonnull (strstr (log.error->message, "left"));
  g_assert_nonnull (strstr (log.error->message, "right"));
  g_assert_nonnull (strstr (log.error->message, ":a"));

  /* nothing is left running */
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpuint (log.count, ==, 1);

  error_log_clear (&log);
}

static void
test_cycle_cut_three (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = named_thing ("first", 0);
  g_autoptr(TestThing) t2 = named_thing ("second", 0);
  g_autoptr(TestThing) t3 = named_thing ("third", 0);
  g_autoptr(GError) error = NULL;
  ErrorLog log = { 0, };
  guint count;

  g_test_summary ("A ring of three one-way links that adds one per step is "
                  "cut after max-rounds; the error names every object and "
                  "property on the ring");

  obs_broker_set_max_rounds (broker, 10);
  g_assert_cmpuint (obs_broker_get_max_rounds (broker), ==, 10);
  g_signal_connect (broker, "link-error", G_CALLBACK (on_link_error), &log);

  g_assert_nonnull (obs_broker_dlink_full (broker, G_OBJECT (t1), "a",
                                           G_OBJECT (t2), "b", 0,
                                           add_one, NULL, NULL, &error));
  g_assert_nonnull (obs_broker_dlink_full (broker, G_OBJECT (t2), "b",
                                           G_OBJECT (t3), "loud", 0,
                                           add_one, NULL, NULL, &error));
  g_assert_nonnull (obs_broker_dlink_full (broker, G_OBJECT (t3), "loud",
                                           G_OBJECT (t1), "a", 0,
                                           add_one, NULL, NULL, &error));
  g_assert_no_error (error);

  test_thing_set_a (t1, 1);

  g_test_expect_message ("Obs", G_LOG_LEVEL_WARNING, "*did not settle*");
  count = obs_broker_flush (broker);
  g_test_assert_expected_messages ();

  g_assert_cmpuint (count, ==, 30);

  g_assert_cmpuint (log.count, ==, 1);
  g_assert_nonnull (log.link);
  g_assert_error (log.error, OBS_LINK_ERROR, OBS_LINK_ERROR_CYCLE);
  g_test_message ("cycle error: %s", log.error->message);
  g_assert_nonnull (strstr (log.error->message, "TestThing"));
  g_assert_nonnull (strstr (log.error->message, "\"first\":a"));
  g_assert_nonnull (strstr (log.error->message, "\"second\":b"));
  g_assert_nonnull (strstr (log.error->message, "\"third\":loud"));

  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);

  error_log_clear (&log);
}

static void
test_immediate_cycle_cut (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = named_thing ("up", 0);
  g_autoptr(TestThing) t2 = named_thing ("down", 0);
  g_autoptr(GError) error = NULL;
  ErrorLog log = { 0, };
  ObsLink *link;

  g_test_summary ("An OBS_LINK_IMMEDIATE two-way link that never settles "
                  "is cut inside the notify too: the set returns, with a "
                  "warning and a CYCLE error");

  g_signal_connect (broker, "link-error", G_CALLBACK (on_link_error), &log);

  link = obs_broker_link_full (broker, G_OBJECT (t1), "a", G_OBJECT (t2), "a",
                               OBS_LINK_IMMEDIATE,
                               add_one, NULL, NULL,
                               add_one, NULL, NULL,
                               &error);
  g_assert_no_error (error);
  g_assert_nonnull (link);

  g_test_expect_message ("Obs", G_LOG_LEVEL_WARNING, "*did not settle*");
  test_thing_set_a (t1, 1);
  g_test_assert_expected_messages ();

  g_assert_cmpint (test_thing_get_a (t1), >, 100);
  g_assert_cmpint (ABS (test_thing_get_a (t1) - test_thing_get_a (t2)), ==, 1);

  obs_broker_flush (broker);
  g_assert_cmpuint (log.count, ==, 1);
  g_assert_true (log.link == link);
  g_assert_error (log.error, OBS_LINK_ERROR, OBS_LINK_ERROR_CYCLE);
  g_assert_nonnull (strstr (log.error->message, "\"up\":a"));
  g_assert_nonnull (strstr (log.error->message, "\"down\":a"));

  error_log_clear (&log);
}

/* Bad input -------------------------------------------------------------- */

static void
assert_link_error (ObsLink    *link,
                   GError     *error,
                   int         code,
                   ObsBroker  *broker,
                   const char *type_name,
                   const char *property)
{
  g_assert_null (link);
  g_assert_error (error, OBS_LINK_ERROR, code);
  g_test_message ("error: %s", error->message);
  g_assert_nonnull (strstr (error->message, type_name));
  g_assert_nonnull (strstr (error->message, property));
  g_assert_cmpuint (test_count_links (broker), ==, 0);
}

static void
test_error_unknown_property (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  GError *error = NULL;
  ObsLink *link;

  g_test_summary ("Linking a property that does not exist is an "
                  "UNKNOWN_PROPERTY error naming the type and property");

  link = obs_broker_dlink (broker, G_OBJECT (t1), "no-such-thing",
                           G_OBJECT (t2), "a", 0, &error);
  assert_link_error (link, error, OBS_LINK_ERROR_UNKNOWN_PROPERTY,
                     broker, "TestThing", "no-such-thing");
  g_clear_error (&error);

  link = obs_broker_link (broker, G_OBJECT (t1), "a",
                          G_OBJECT (t2), "missing", 0, &error);
  assert_link_error (link, error, OBS_LINK_ERROR_UNKNOWN_PROPERTY,
                     broker, "TestThing", "missing");
  g_clear_error (&error);

  link = obs_broker_subscribe (broker, G_OBJECT (t1), "nope",
                               record_int, NULL, NULL, &error);
  assert_link_error (link, error, OBS_LINK_ERROR_UNKNOWN_PROPERTY,
                     broker, "TestThing", "nope");
  g_clear_error (&error);

  /* nothing is watched: changes go nowhere */
  test_thing_set_a (t1, 3);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpint (test_thing_get_a (t2), ==, 0);
}

static void
test_error_not_readable (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  GError *error = NULL;
  ObsLink *link;

  g_test_summary ("A write-only source is a NOT_READABLE error");

  link = obs_broker_dlink (broker, G_OBJECT (t1), "write-only",
                           G_OBJECT (t2), "a", 0, &error);
  assert_link_error (link, error, OBS_LINK_ERROR_NOT_READABLE,
                     broker, "TestThing", "write-only");
  g_clear_error (&error);

  link = obs_broker_subscribe (broker, G_OBJECT (t1), "write-only",
                               record_int, NULL, NULL, &error);
  assert_link_error (link, error, OBS_LINK_ERROR_NOT_READABLE,
                     broker, "TestThing", "write-only");
  g_clear_error (&error);

  /* a two-way link reads its target too */
  link = obs_broker_link (broker, G_OBJECT (t1), "a",
                          G_OBJECT (t2), "write-only", 0, &error);
  assert_link_error (link, error, OBS_LINK_ERROR_NOT_READABLE,
                     broker, "TestThing", "write-only");
  g_clear_error (&error);
}

static void
test_error_not_writable (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  GError *error = NULL;
  ObsLink *link;

  g_test_summary ("A read-only or construct-only target is a NOT_WRITABLE "
                  "error");

  link = obs_broker_dlink (broker, G_OBJECT (t1), "a",
                           G_OBJECT (t2), "read-only", 0, &error);
  assert_link_error (link, error, OBS_LINK_ERROR_NOT_WRITABLE,
                     broker, "TestThing", "read-only");
  g_clear_error (&error);

  link = obs_broker_dlink (broker, G_OBJECT (t1), "a",
                           G_OBJECT (t2), "construct-only", 0, &error);
  assert_link_error (link, error, OBS_LINK_ERROR_NOT_WRITABLE,
                     broker, "TestThing", "construct-only");
  g_clear_error (&error);

  /* a two-way link writes its source too */
  link = obs_broker_link (broker, G_OBJECT (t1), "read-only",
                          G_OBJECT (t2), "a", 0, &error);
  assert_link_error (link, error, OBS_LINK_ERROR_NOT_WRITABLE,
                     broker, "TestThing", "read-only");
  g_clear_error (&error);

  /* but a read-only source is fine one way */
  link = obs_broker_dlink (broker, G_OBJECT (t1), "read-only",
                           G_OBJECT (t2), "a", OBS_LINK_SYNC_CREATE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (link);
  g_assert_cmpint (test_thing_get_a (t2), ==, 7);
}

static void
test_error_type_mismatch (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  GError *error = NULL;
  ObsLink *link;

  g_test_summary ("Types that do not convert are a TYPE_MISMATCH error, "
                  "unless a transform is given");

  link = obs_broker_dlink (broker, G_OBJECT (t1), "other",
                           G_OBJECT (t2), "a", 0, &error);
  assert_link_error (link, error, OBS_LINK_ERROR_TYPE_MISMATCH,
                     broker, "TestThing", "other");
  g_assert_nonnull (strstr (error->message, "GObject"));
  g_assert_nonnull (strstr (error->message, "gint"));
  g_clear_error (&error);

  /* a two-way link converts both ways: string to int does not */
  link = obs_broker_link (broker, G_OBJECT (t1), "a",
                          G_OBJECT (t2), "text", 0, &error);
  assert_link_error (link, error, OBS_LINK_ERROR_TYPE_MISMATCH,
                     broker, "TestThing", "text");
  g_clear_error (&error);

  link = obs_broker_dlink (broker, G_OBJECT (t1), "a",
                           G_OBJECT (t2), "flag",
                           OBS_LINK_INVERT_BOOLEAN, &error);
  assert_link_error (link, error, OBS_LINK_ERROR_TYPE_MISMATCH,
                     broker, "TestThing", "flag");
  g_clear_error (&error);

  link = obs_broker_dlink_full (broker, G_OBJECT (t1), "other",
                                G_OBJECT (t2), "a", 0,
                                only_even, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (link);
  g_assert_cmpuint (test_count_links (broker), ==, 1);
}

static void
test_error_self_link (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  GError *error = NULL;
  ObsLink *link;

  g_test_summary ("A property linked to itself is a SELF_LINK error");

  link = obs_broker_dlink (broker, G_OBJECT (t1), "a",
                           G_OBJECT (t1), "a", 0, &error);
  assert_link_error (link, error, OBS_LINK_ERROR_SELF_LINK,
                     broker, "TestThing", "a");
  g_clear_error (&error);

  link = obs_broker_link (broker, G_OBJECT (t1), "loud",
                          G_OBJECT (t1), "loud", 0, &error);
  assert_link_error (link, error, OBS_LINK_ERROR_SELF_LINK,
                     broker, "TestThing", "loud");
  g_clear_error (&error);

  /* two properties of one object are fine */
  link = obs_broker_dlink (broker, G_OBJECT (t1), "a",
                           G_OBJECT (t1), "b", 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (link);
  test_thing_set_a (t1, 4);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpint (test_get_int (t1, "b"), ==, 4);
}

static void
test_error_null (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  GError *error = NULL;
  ObsLink *link;

  g_test_summary ("NULL objects, names or callbacks are criticals, and no "
                  "link is made");

  g_test_expect_message ("Obs", G_LOG_LEVEL_CRITICAL, "*assertion*");
  link = obs_broker_dlink (broker, NULL, "a", G_OBJECT (t1), "a", 0, &error);
  g_test_assert_expected_messages ();
  g_assert_null (link);
  g_assert_no_error (error);

  g_test_expect_message ("Obs", G_LOG_LEVEL_CRITICAL, "*assertion*");
  link = obs_broker_link (broker, G_OBJECT (t1), "a", NULL, "a", 0, &error);
  g_test_assert_expected_messages ();
  g_assert_null (link);
  g_assert_no_error (error);

  g_test_expect_message ("Obs", G_LOG_LEVEL_CRITICAL, "*assertion*");
  link = obs_broker_dlink (broker, G_OBJECT (t1), NULL,
                           G_OBJECT (t1), "b", 0, &error);
  g_test_assert_expected_messages ();
  g_assert_null (link);

  g_test_expect_message ("Obs", G_LOG_LEVEL_CRITICAL, "*assertion*");
  link = obs_broker_dlink (NULL, G_OBJECT (t1), "a",
                           G_OBJECT (t1), "b", 0, &error);
  g_test_assert_expected_messages ();
  g_assert_null (link);

  g_test_expect_message ("Obs", G_LOG_LEVEL_CRITICAL, "*assertion*");
  link = obs_broker_subscribe (broker, G_OBJECT (t1), "a",
                               NULL, NULL, NULL, &error);
  g_test_assert_expected_messages ();
  g_assert_null (link);

  g_test_expect_message ("Obs", G_LOG_LEVEL_CRITICAL, "*assertion*");
  link = obs_broker_subscribe (broker, NULL, "a",
                               record_int, NULL, NULL, &error);
  g_test_assert_expected_messages ();
  g_assert_null (link);

  g_assert_no_error (error);
  g_assert_cmpuint (test_count_links (broker), ==, 0);
}

static void
test_error_frees_data (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  GError *error = NULL;
  ClosureData data = { 0, };
  Scale to = { 1, 0, 0 };
  Scale from = { 1, 0, 0 };
  guint destroyed = 0;
  GClosure *closure;
  ObsLink *link;

  g_test_summary ("When a link cannot be made its data is destroyed once, "
                  "right away");

  link = obs_broker_dlink_full (broker, G_OBJECT (t1), "a",
                                G_OBJECT (t2), "read-only", 0,
                                add_one, &destroyed, test_count_destroy, &error);
  g_assert_null (link);
  g_assert_error (error, OBS_LINK_ERROR, OBS_LINK_ERROR_NOT_WRITABLE);
  g_clear_error (&error);
  g_assert_cmpuint (destroyed, ==, 1);

  link = obs_broker_link_full (broker, G_OBJECT (t1), "a",
                               G_OBJECT (t2), "nothing", 0,
                               scale_multiply, &to, scale_destroy,
                               scale_divide, &from, scale_destroy,
                               &error);
  g_assert_null (link);
  g_assert_error (error, OBS_LINK_ERROR, OBS_LINK_ERROR_UNKNOWN_PROPERTY);
  g_clear_error (&error);
  g_assert_cmpuint (to.destroyed, ==, 1);
  g_assert_cmpuint (from.destroyed, ==, 1);

  closure = g_cclosure_new (G_CALLBACK (closure_triple), &data,
                            closure_data_destroy);
  g_closure_add_finalize_notifier (closure, &data, closure_finalized);
  link = obs_broker_dlink_with_closure (broker, G_OBJECT (t1), "a",
                                        G_OBJECT (t1), "a", 0,
                                        closure, &error);
  g_assert_null (link);
  g_assert_error (error, OBS_LINK_ERROR, OBS_LINK_ERROR_SELF_LINK);
  g_clear_error (&error);
  g_assert_cmpuint (data.destroyed, ==, 1);
  g_assert_cmpuint (data.finalized, ==, 1);

  link = obs_broker_subscribe (broker, G_OBJECT (t1), "write-only",
                               record_int, &destroyed, test_count_destroy,
                               &error);
  g_assert_null (link);
  g_assert_error (error, OBS_LINK_ERROR, OBS_LINK_ERROR_NOT_READABLE);
  g_clear_error (&error);
  g_assert_cmpuint (destroyed, ==, 2);

  g_assert_cmpuint (test_count_links (broker), ==, 0);
}

/* hold() and release() --------------------------------------------------- */

static void
test_hold (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  g_autoptr(TestThing) t3 = test_thing_new (0);
  g_autoptr(TestThing) t4 = test_thing_new (0);
  g_autoptr(GError) error = NULL;
  Recorder recorder;

  g_test_summary ("Nothing reaches a target while the broker is held, not "
                  "even with a flush; the release settles everything");

  recorder_init (&recorder);

  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (t1), "a",
                                      G_OBJECT (t2), "a", 0, &error));
  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (t2), "a",
                                      G_OBJECT (t3), "a", 0, &error));
  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (t3), "a",
                                      G_OBJECT (t4), "a",
                                      OBS_LINK_IMMEDIATE, &error));
  g_assert_nonnull (obs_broker_subscribe (broker, G_OBJECT (t4), "a",
                                          record_int, &recorder, NULL,
                                          &error));
  g_assert_no_error (error);

  g_assert_false (obs_broker_is_held (broker));
  obs_broker_hold (broker);
  g_assert_true (obs_broker_is_held (broker));

  test_thing_set_a (t1, 1);
  test_thing_set_a (t1, 2);
  /* even an immediate link waits */
  test_thing_set_a (t3, 50);

  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_assert_cmpint (test_thing_get_a (t2), ==, 0);
  g_assert_cmpint (test_thing_get_a (t4), ==, 0);
  g_assert_cmpuint (recorder.calls, ==, 0);

  obs_broker_release (broker);
  g_assert_false (obs_broker_is_held (broker));

  /* t3 was set after t1: the later change wins there, as it would have
   * had the links run at once, and t4 follows t3. */
  g_assert_cmpint (test_thing_get_a (t2), ==, 2);
  g_assert_cmpint (test_thing_get_a (t3), ==, 50);
  g_assert_cmpint (test_thing_get_a (t4), ==, 50);
  g_assert_cmpuint (recorder.calls, >=, 1);
  g_assert_cmpint (recorder.last, ==, 50);
  g_assert_cmpuint (test_thing_count_notifies (t2, "a"), ==, 1);

  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);

  recorder_clear (&recorder);
}

static void
test_hold_nested (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  g_autoptr(TestThing) t3 = test_thing_new (0);
  g_autoptr(GError) error = NULL;

  g_test_summary ("Holds nest: only the outermost release propagates");

  g_assert_nonnull (obs_broker_link (broker, G_OBJECT (t1), "a",
                                     G_OBJECT (t2), "a", 0, &error));
  g_assert_nonnull (obs_broker_link (broker, G_OBJECT (t2), "a",
                                     G_OBJECT (t3), "b", 0, &error));
  g_assert_no_error (error);

  obs_broker_hold (broker);
  obs_broker_hold (broker);

  test_thing_set_a (t1, 10);

  obs_broker_release (broker);
  g_assert_true (obs_broker_is_held (broker));
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpint (test_thing_get_a (t2), ==, 0);
  g_assert_cmpint (test_get_int (t3, "b"), ==, 0);

  obs_broker_hold (broker);
  set_int (t3, "b", 20);
  obs_broker_release (broker);
  g_assert_cmpint (test_thing_get_a (t2), ==, 0);

  obs_broker_release (broker);
  g_assert_false (obs_broker_is_held (broker));

  /* both changes landed and the graph agrees on one of them */
  g_assert_cmpint (test_thing_get_a (t1), ==, test_thing_get_a (t2));
  g_assert_cmpint (test_thing_get_a (t2), ==, test_get_int (t3, "b"));
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);

  g_test_expect_message ("Obs", G_LOG_LEVEL_CRITICAL, "*not held*");
  obs_broker_release (broker);
  g_test_assert_expected_messages ();
}

/* Subscribers writing during a drain ------------------------------------- */

typedef struct
{
  TestThing *other;
  guint      calls;
} Forward;

static void
forward_to_other (ObsLink      *link,
                  const GValue *value,
                  gpointer      user_data)
{
  Forward *forward = user_data;

  forward->calls++;
  test_thing_set_a (forward->other, g_value_get_int (value) * 10);
}

static void
test_subscriber_sets_other (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t3 = test_thing_new (0);
  g_autoptr(TestThing) t4 = test_thing_new (0);
  g_autoptr(GError) error = NULL;
  Forward forward = { t3, 0 };

  g_test_summary ("A subscriber that sets another linked source during a "
                  "drain: that source's links run in the same flush");

  g_assert_nonnull (obs_broker_subscribe (broker, G_OBJECT (t1), "a",
                                          forward_to_other, &forward, NULL,
                                          &error));
  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (t3), "a",
                                      G_OBJECT (t4), "a", 0, &error));
  g_assert_no_error (error);

  test_thing_set_a (t1, 2);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 2);
  g_assert_cmpuint (forward.calls, ==, 1);
  g_assert_cmpint (test_thing_get_a (t3), ==, 20);
  g_assert_cmpint (test_thing_get_a (t4), ==, 20);

  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
}

typedef struct
{
  ObsBroker *broker;
  TestThing *self;
  guint      calls;
  GArray    *seen;
  guint      nested_flush;
} Clamp;

static void
clamp_to_ten (ObsLink      *link,
              const GValue *value,
              gpointer      user_data)
{
  Clamp *clamp = user_data;
  int v = g_value_get_int (value);

  clamp->calls++;
  g_array_append_val (clamp->seen, v);

  /* flushing from inside a drain does nothing */
  clamp->nested_flush += obs_broker_flush (clamp->broker);

  if (v > 10)
    test_thing_set_a (clamp->self, 10);
}

static void
test_subscriber_clamps (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  g_autoptr(GError) error = NULL;
  Clamp clamp = { broker, t1, 0, NULL, 0 };
  ObsLink *subscription;

  g_test_summary ("A subscriber that clamps its own source settles, and "
                  "the linked target ends with the clamped value");

  clamp.seen = g_array_new (FALSE, FALSE, sizeof (int));

  subscription = obs_broker_subscribe (broker, G_OBJECT (t1), "a",
                                       clamp_to_ten, &clamp, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (subscription);

  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (t1), "a",
                                      G_OBJECT (t2), "a", 0, &error));
  g_assert_no_error (error);

  test_thing_set_a (t1, 50);
  obs_broker_flush (broker);

  g_assert_cmpint (test_thing_get_a (t1), ==, 10);
  g_assert_cmpint (test_thing_get_a (t2), ==, 10);
  g_assert_cmpuint (clamp.calls, ==, 2);
  g_assert_cmpint (g_array_index (clamp.seen, int, 0), ==, 50);
  g_assert_cmpint (g_array_index (clamp.seen, int, 1), ==, 10);
  g_assert_cmpuint (clamp.nested_flush, ==, 0);

  test_thing_set_a (t1, 5);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 2);
  g_assert_cmpint (test_thing_get_a (t1), ==, 5);
  g_assert_cmpint (test_thing_get_a (t2), ==, 5);
  g_assert_cmpuint (clamp.calls, ==, 3);

  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);

  g_array_unref (clamp.seen);
}

typedef struct
{
  ObsBroker *broker;
  TestThing *source;
  TestThing *target;
  ObsLink   *made;
} Linker;

static void
link_on_first_call (ObsLink      *link,
                    const GValue *value,
                    gpointer      user_data)
{
  Linker *linker = user_data;
  g_autoptr(GError) error = NULL;

  if (linker->made != NULL)
    return;

  linker->made = obs_broker_dlink (linker->broker,
                                   G_OBJECT (linker->source), "a",
                                   G_OBJECT (linker->target), "a",
                                   OBS_LINK_SYNC_CREATE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (linker->made);
}

static void
test_link_inside_drain (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (5);
  g_autoptr(TestThing) t3 = test_thing_new (0);
  g_autoptr(GError) error = NULL;
  Linker linker = { broker, t2, t3, NULL };

  g_test_summary ("A link made by a subscriber during a drain: its "
                  "SYNC_CREATE copy lands and it is listed once the flush "
                  "returns, and it carries later changes");

  g_assert_nonnull (obs_broker_subscribe (broker, G_OBJECT (t1), "a",
                                          link_on_first_call, &linker, NULL,
                                          &error));
  g_assert_no_error (error);
  g_assert_cmpuint (test_count_links (broker), ==, 1);

  test_thing_set_a (t1, 1);
  obs_broker_flush (broker);

  g_assert_nonnull (linker.made);
  g_assert_true (obs_link_is_active (linker.made));
  g_assert_cmpint (test_thing_get_a (t3), ==, 5);
  g_assert_cmpuint (test_count_links (broker), ==, 2);

  test_thing_set_a (t2, 6);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpint (test_thing_get_a (t3), ==, 6);
}

/* trigger() -------------------------------------------------------------- */

static void
test_trigger (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  g_autoptr(TestThing) t3 = test_thing_new (0);
  g_autoptr(GError) error = NULL;
  Recorder recorder;

  g_test_summary ("trigger() pushes an unchanged value: a loud target "
                  "notifies again and the subscriber is called again");

  recorder_init (&recorder);

  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (t1), "a",
                                      G_OBJECT (t2), "loud", 0, &error));
  g_assert_nonnull (obs_broker_subscribe (broker, G_OBJECT (t1), "a",
                                          record_int, &recorder, NULL,
                                          &error));
  g_assert_no_error (error);

  test_thing_set_a (t1, 5);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 2);
  g_assert_cmpint (test_get_int (t2, "loud"), ==, 5);
  g_assert_cmpuint (test_thing_count_notifies (t2, "loud"), ==, 1);
  g_assert_cmpuint (recorder.calls, ==, 1);

  /* nothing changed: nothing to do */
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);

  obs_broker_trigger (broker, G_OBJECT (t1), "a");
  g_assert_cmpuint (test_thing_count_notifies (t2, "loud"), ==, 1);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 2);
  g_assert_cmpint (test_get_int (t2, "loud"), ==, 5);
  g_assert_cmpuint (test_thing_count_notifies (t2, "loud"), ==, 2);
  g_assert_cmpuint (recorder.calls, ==, 2);
  g_assert_cmpint (recorder.last, ==, 5);

  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);

  /* an unlinked property, or an unlinked object: nothing */
  obs_broker_trigger (broker, G_OBJECT (t1), "b");
  obs_broker_trigger (broker, G_OBJECT (t3), NULL);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);

  recorder_clear (&recorder);
}

static void
test_trigger_equal_target (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (3);
  g_autoptr(TestThing) t2 = test_thing_new (3);
  g_autoptr(GError) error = NULL;

  g_test_summary ("trigger() writes a target that already holds the value; "
                  "with NULL it pushes every linked property");

  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (t1), "a",
                                      G_OBJECT (t2), "a", 0, &error));
  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (t1), "b",
                                      G_OBJECT (t2), "b", 0, &error));
  g_assert_no_error (error);

  obs_broker_trigger (broker, G_OBJECT (t1), "a");
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpint (test_thing_get_a (t2), ==, 3);

  obs_broker_trigger (broker, G_OBJECT (t1), NULL);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 2);

  g_test_expect_message ("Obs", G_LOG_LEVEL_CRITICAL, "*no-such*");
  obs_broker_trigger (broker, G_OBJECT (t1), "no-such");
  g_test_assert_expected_messages ();
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
}

/* Dispatch from the main loop -------------------------------------------- */

static void
test_main_context_iteration (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  g_autoptr(GError) error = NULL;
  guint iterations = 0;

  g_test_summary ("After a set, iterating the main context delivers the "
                  "value without a flush");

  g_assert_true (obs_broker_get_context (broker) ==
                 g_main_context_default ());
  g_assert_cmpint (obs_broker_get_priority (broker), ==,
                   G_PRIORITY_HIGH_IDLE);

  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (t1), "a",
                                      G_OBJECT (t2), "a", 0, &error));
  g_assert_no_error (error);

  test_thing_set_a (t1, 9);
  g_assert_cmpint (test_thing_get_a (t2), ==, 0);

  while (g_main_context_iteration (NULL, FALSE))
    iterations++;

  g_assert_cmpuint (iterations, >=, 1);
  g_assert_cmpint (test_thing_get_a (t2), ==, 9);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);

  /* the source stays: a second change is delivered too */
  test_thing_set_a (t1, 10);
  g_assert_true (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpint (test_thing_get_a (t2), ==, 10);
}

typedef struct
{
  GMainLoop *loop;
  gboolean   timed_out;
  int        value;
  int        seen_by_idle;
  TestThing *watched;
} LoopData;

static void
quit_on_value (ObsLink      *link,
               const GValue *value,
               gpointer      user_data)
{
  LoopData *data = user_data;

  data->value = g_value_get_int (value);
  g_main_loop_quit (data->loop);
}

static gboolean
on_timeout (gpointer user_data)
{
  LoopData *data = user_data;

  data->timed_out = TRUE;
  g_main_loop_quit (data->loop);

  return G_SOURCE_REMOVE;
}

static gboolean
on_default_idle (gpointer user_data)
{
  LoopData *data = user_data;

  data->seen_by_idle = test_thing_get_a (data->watched);

  return G_SOURCE_REMOVE;
}

static void
test_main_loop (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  LoopData data = { loop, FALSE, 0, -1, t2 };
  guint timeout_id;

  g_test_summary ("A running GMainLoop delivers values, before idles of "
                  "default priority");

  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (t1), "a",
                                      G_OBJECT (t2), "a", 0, &error));
  g_assert_nonnull (obs_broker_subscribe (broker, G_OBJECT (t2), "a",
                                          quit_on_value, &data, NULL,
                                          &error));
  g_assert_no_error (error);

  timeout_id = g_timeout_add_seconds (5, on_timeout, &data);
  test_thing_set_a (t1, 33);
  g_idle_add (on_default_idle, &data);

  g_main_loop_run (loop);
  g_assert_false (data.timed_out);
  g_clear_handle_id (&timeout_id, g_source_remove);

  g_assert_cmpint (data.value, ==, 33);
  g_assert_cmpint (test_thing_get_a (t2), ==, 33);

  /* let the idle run: it came after the broker */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (data.seen_by_idle, ==, 33);
}

static void
test_own_context (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(ObsBroker) broker = obs_broker_new_for_context (context);
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  g_autoptr(GError) error = NULL;

  g_test_summary ("A broker made for a context dispatches from that "
                  "context only");

  g_assert_true (obs_broker_get_context (broker) == context);

  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (t1), "a",
                                      G_OBJECT (t2), "a", 0, &error));
  g_assert_no_error (error);

  test_thing_set_a (t1, 4);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (test_thing_get_a (t2), ==, 0);

  while (g_main_context_iteration (context, FALSE))
    ;
  g_assert_cmpint (test_thing_get_a (t2), ==, 4);
}

/* Threads ---------------------------------------------------------------- */

static gpointer
set_many (gpointer user_data)
{
  TestThing *thing = user_data;

  for (int i = 1; i <= 1000; i++)
    test_thing_set_a (thing, i);

  return NULL;
}

static void
test_notify_from_thread (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  g_autoptr(GError) error = NULL;
  Recorder recorder;
  GThread *thread;

  g_test_summary ("Changes made on another thread reach the target on the "
                  "broker's thread, the last value winning");

  recorder_init (&recorder);

  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (t1), "a",
                                      G_OBJECT (t2), "a", 0, &error));
  g_assert_nonnull (obs_broker_subscribe (broker, G_OBJECT (t2), "a",
                                          record_int, &recorder, NULL,
                                          &error));
  g_assert_no_error (error);

  thread = g_thread_new ("setter", set_many, t1);
  g_thread_join (thread);

  g_assert_cmpint (test_thing_get_a (t2), ==, 0);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 2);
  g_assert_cmpint (test_thing_get_a (t2), ==, 1000);
  g_assert_cmpuint (recorder.calls, ==, 1);
  g_assert_cmpint (recorder.last, ==, 1000);

  recorder_clear (&recorder);
}

static gpointer
set_once (gpointer user_data)
{
  test_thing_set_a (user_data, 77);

  return NULL;
}

static void
test_immediate_from_thread (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  g_autoptr(GError) error = NULL;

  g_test_summary ("An OBS_LINK_IMMEDIATE link changed from another thread "
                  "is queued: the target is written on the broker's thread");

  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (t1), "a",
                                      G_OBJECT (t2), "a",
                                      OBS_LINK_IMMEDIATE, &error));
  g_assert_no_error (error);

  g_thread_join (g_thread_new ("setter", set_once, t1));

  g_assert_cmpint (test_thing_get_a (t2), ==, 0);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpint (test_thing_get_a (t2), ==, 77);
}

/* The graph -------------------------------------------------------------- */

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  GString *log = user_data;

  g_string_append_printf (log, "%u-%u+%u;", position, removed, added);
}

static void
test_links_model (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (0);
  g_autoptr(TestThing) t2 = test_thing_new (0);
  g_autoptr(GListModel) model = obs_broker_get_links (broker);
  g_autoptr(GString) log = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObsLink) second = NULL;
  g_autoptr(GObject) source = NULL;
  g_autoptr(GObject) target = NULL;
  ObsLink *links[3];

  g_test_summary ("get_links() lists the links in the order they were "
                  "made and tells about every change");

  g_assert_true (g_list_model_get_item_type (model) == OBS_TYPE_LINK);
  g_signal_connect (model, "items-changed",
                    G_CALLBACK (on_items_changed), log);

  links[0] = obs_broker_dlink (broker, G_OBJECT (t1), "a",
                               G_OBJECT (t2), "a", 0, &error);
  links[1] = obs_broker_link (broker, G_OBJECT (t1), "b",
                              G_OBJECT (t2), "b", OBS_LINK_IMMEDIATE, &error);
  links[2] = obs_broker_subscribe (broker, G_OBJECT (t2), "loud",
                                   record_int, NULL, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 3);
  g_assert_cmpstr (log->str, ==, "0-0+1;1-0+1;2-0+1;");

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(ObsLink) item = g_list_model_get_item (model, i);

      g_assert_true (item == links[i]);
    }
  g_assert_null (g_list_model_get_item (model, 3));

  second = g_list_model_get_item (model, 1);
  source = obs_link_dup_source (second);
  target = obs_link_dup_target (second);
  g_assert_true (source == G_OBJECT (t1));
  g_assert_true (target == G_OBJECT (t2));
  g_assert_cmpstr (obs_link_get_source_property (second), ==, "b");
  g_assert_cmpstr (obs_link_get_target_property (second), ==, "b");
  g_assert_cmpint (obs_link_get_flags (second), ==, OBS_LINK_IMMEDIATE);
  g_assert_true (obs_link_is_two_way (second));
  g_assert_true (obs_link_is_active (second));

  g_string_truncate (log, 0);
  obs_link_unlink (second);
  obs_broker_flush (broker);
  g_assert_false (obs_link_is_active (second));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);
  g_assert_cmpstr (log->str, ==, "1-1+0;");

  {
    g_autoptr(ObsLink) item = g_list_model_get_item (model, 1);

    g_assert_true (item == links[2]);
  }

  g_signal_handlers_disconnect_by_func (model, on_items_changed, log);
}

static void
test_to_dot (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = named_thing ("left", 0);
  g_autoptr(TestThing) t2 = named_thing ("right", 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *dot = NULL;

  g_test_summary ("to_dot() draws the objects by name and the links with "
                  "their properties");

  g_assert_cmpstr (obs_get_object_name (G_OBJECT (t1)), ==, "left");

  g_assert_nonnull (obs_broker_link (broker, G_OBJECT (t1), "a",
                                     G_OBJECT (t2), "b", 0, &error));
  g_assert_no_error (error);

  dot = obs_broker_to_dot (broker);
  g_test_message ("%s", dot);
  g_assert_true (g_str_has_prefix (dot, "digraph"));
  g_assert_nonnull (strstr (dot, "left"));
  g_assert_nonnull (strstr (dot, "right"));
  g_assert_nonnull (strstr (dot, "TestThing"));
  g_assert_nonnull (strstr (dot, "dir=both"));
}

static void
test_default_broker (void)
{
  ObsBroker *broker = obs_broker_get_default ();

  g_test_summary ("The default broker is one object, on the global default "
                  "context");

  g_assert_true (OBS_IS_BROKER (broker));
  g_assert_true (broker == obs_broker_get_default ());
  g_assert_true (obs_broker_get_context (broker) == g_main_context_default ());
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  test_add_guarded ("/Obs/Broker/two-way", test_two_way);
  test_add_guarded ("/Obs/Broker/one-way", test_one_way);
  test_add_guarded ("/Obs/Broker/coalesce", test_coalesce);
  test_add_guarded ("/Obs/Broker/sync-create", test_sync_create);
  test_add_guarded ("/Obs/Broker/sync-create-then-set", test_sync_create_then_set);
  test_add_guarded ("/Obs/Broker/immediate", test_immediate);
  test_add_guarded ("/Obs/Broker/invert-boolean", test_invert_boolean);
  test_add_guarded ("/Obs/Broker/transform-both-ways", test_transform_both_ways);
  test_add_guarded ("/Obs/Broker/transform-declines", test_transform_declines);
  test_add_guarded ("/Obs/Broker/closure-transform", test_closure_transform);
  test_add_guarded ("/Obs/Broker/closure-subscriber", test_closure_subscriber);
  test_add_guarded ("/Obs/Broker/closure-transform-failed",
               test_closure_transform_failed);
  test_add_guarded ("/Obs/Broker/convert-types", test_convert_types);
  test_add_guarded ("/Obs/Broker/invalid-value", test_invalid_value);
  test_add_guarded ("/Obs/Broker/write-notifies-once",
                    test_write_notifies_once);
  test_add_guarded ("/Obs/Broker/subscribe", test_subscribe);
  test_add_guarded_full ("/Obs/Broker/chain-million", test_chain_million,
                    CHAIN_TIMEOUT);
  test_add_guarded ("/Obs/Broker/loud-cycle", test_loud_cycle);
  test_add_guarded ("/Obs/Broker/cycle-cut", test_cycle_cut);
  test_add_guarded ("/Obs/Broker/cycle-cut-three", test_cycle_cut_three);
  test_add_guarded ("/Obs/Broker/immediate-cycle-cut", test_immediate_cycle_cut);
  test_add_guarded ("/Obs/Broker/error/unknown-property",
               test_error_unknown_property);
  test_add_guarded ("/Obs/Broker/error/not-readable", test_error_not_readable);
  test_add_guarded ("/Obs/Broker/error/not-writable", test_error_not_writable);
  test_add_guarded ("/Obs/Broker/error/type-mismatch", test_error_type_mismatch);
  test_add_guarded ("/Obs/Broker/error/self-link", test_error_self_link);
  test_add_guarded ("/Obs/Broker/error/null", test_error_null);
  test_add_guarded ("/Obs/Broker/error/frees-data", test_error_frees_data);
  test_add_guarded ("/Obs/Broker/hold", test_hold);
  test_add_guarded ("/Obs/Broker/hold-nested", test_hold_nested);
  test_add_guarded ("/Obs/Broker/subscriber-sets-other",
               test_subscriber_sets_other);
  test_add_guarded ("/Obs/Broker/subscriber-clamps", test_subscriber_clamps);
  test_add_guarded ("/Obs/Broker/link-inside-drain", test_link_inside_drain);
  test_add_guarded ("/Obs/Broker/trigger", test_trigger);
  test_add_guarded ("/Obs/Broker/trigger-equal-target", test_trigger_equal_target);
  test_add_guarded ("/Obs/Broker/main-context-iteration",
               test_main_context_iteration);
  test_add_guarded ("/Obs/Broker/main-loop", test_main_loop);
  test_add_guarded ("/Obs/Broker/own-context", test_own_context);
  test_add_guarded ("/Obs/Broker/notify-from-thread", test_notify_from_thread);
  test_add_guarded ("/Obs/Broker/immediate-from-thread",
               test_immediate_from_thread);
  test_add_guarded ("/Obs/Broker/links-model", test_links_model);
  test_add_guarded ("/Obs/Broker/to-dot", test_to_dot);
  test_add_guarded ("/Obs/Broker/default", test_default_broker);

  return g_test_run ();
}
