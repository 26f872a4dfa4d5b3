/* test-burst.c: a source set many times before a drain
 *
 * When obs-glib is the only listener of a source and nothing else links
 * into its targets, it holds the source's notifications back between the
 * second change and the drain. These cases check the values and notify
 * counts a user sees, and that the object notifies normally again
 * whenever the rule stops holding: at the drain, when a link is made,
 * when it is disposed, when the broker goes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-thing.h"
#include "test-util.h"

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  guint *count = user_data;

  (*count)++;
}

static void
set_times (TestQuiet *thing,
           int         first,
           int         last)
{
  for (int value = first; value <= last; value++)
    g_object_set (thing, "a", value, NULL);
}

static ObsLink *
dlink_a (ObsBroker *broker,
         gpointer   source,
         gpointer   target)
{
  g_autoptr(GError) error = NULL;
  ObsLink *link;

  link = obs_broker_dlink (broker, source, "a", target, "a",
                           OBS_LINK_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_nonnull (link);

  return link;
}

/* Cases ------------------------------------------------------------------ */

static void
test_burst_coalesces (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestQuiet) source = test_quiet_new (0);
  g_autoptr(TestThing) target = test_thing_new (0);
  guint count = 0;

  g_test_summary ("A thousand sets of a source obs-glib alone listens to "
                  "make one write of the target, and the source notifies "
                  "at once again after the drain");

  dlink_a (broker, source, target);
  test_thing_reset_notifies (target);

  set_times (source, 1, 1000);
  g_assert_cmpint (test_thing_get_a (target), ==, 0);

  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpint (test_thing_get_a (target), ==, 1000);
  g_assert_cmpuint (test_thing_count_notifies (target, "a"), ==, 1);

  g_signal_connect (source, "notify::a", G_CALLBACK (count_notify), &count);
  g_object_set (source, "a", 1001, NULL);
  g_assert_cmpuint (count, ==, 1);

  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpint (test_thing_get_a (target), ==, 1001);
}

static void
test_burst_late_listener (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestQuiet) source = test_quiet_new (0);
  g_autoptr(TestThing) target = test_thing_new (0);
  guint count = 0;

  g_test_summary ("A notify handler connected during a burst gets one "
                  "notify per changed property at the drain");

  dlink_a (broker, source, target);

  set_times (source, 1, 3);
  g_signal_connect (source, "notify", G_CALLBACK (count_notify), &count);
  set_times (source, 4, 6);
  g_object_set (source, "b", 9, NULL);
  g_assert_cmpuint (count, ==, 0);

  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpuint (count, ==, 2);
  g_assert_cmpint (test_thing_get_a (target), ==, 6);

  /* The handler now counts every set: nothing is held back. */
  set_times (source, 7, 9);
  g_assert_cmpuint (count, ==, 5);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpint (test_thing_get_a (target), ==, 9);
}

static void
test_burst_other_listener (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestQuiet) source = test_quiet_new (0);
  g_autoptr(TestThing) target = test_thing_new (0);
  guint count = 0;
  gulong id;

  g_test_summary ("A source with another notify handler, even a detailed "
                  "one, notifies that handler on every set of a burst");

  dlink_a (broker, source, target);
  id = g_signal_connect (source, "notify::b", G_CALLBACK (count_notify),
                         &count);

  set_times (source, 1, 100);
  g_object_set (source, "b", 1, NULL);
  g_object_set (source, "b", 2, NULL);
  g_assert_cmpuint (count, ==, 2);

  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpint (test_thing_get_a (target), ==, 100);

  g_signal_handler_disconnect (source, id);
}

static void
test_burst_shared_target (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestQuiet) source = test_quiet_new (0);
  g_autoptr(TestThing) target = test_thing_new (0);
  g_autoptr(TestThing) next = test_thing_new (0);

  g_test_summary ("A source whose target propagates further is not held "
                  "back: the latest change along the chain wins");

  dlink_a (broker, source, target);
  dlink_a (broker, target, next);

  set_times (source, 1, 5);
  test_thing_set_a (target, 50);
  set_times (source, 6, 7);

  g_assert_cmpuint (obs_broker_flush (broker), >=, 2);
  g_assert_cmpint (test_thing_get_a (target), ==, 7);
  g_assert_cmpint (test_thing_get_a (next), ==, 7);

  /* The latest change is the target's own now. */
  set_times (source, 8, 9);
  test_thing_set_a (target, 60);
  g_assert_cmpuint (obs_broker_flush (broker), >=, 1);
  g_assert_cmpint (test_thing_get_a (target), ==, 60);
  g_assert_cmpint (test_thing_get_a (next), ==, 60);
}

static void
test_burst_new_link (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestQuiet) source = test_quiet_new (0);
  g_autoptr(TestThing) target = test_thing_new (0);
  g_autoptr(TestThing) next = test_thing_new (0);
  guint count = 0;

  g_test_summary ("Making a link during a burst lets the source notify "
                  "again, and the later changes keep their order");

  dlink_a (broker, source, target);
  set_times (source, 1, 10);

  /* The target now propagates: its own change below is newer than the
   * source's burst. */
  dlink_a (broker, target, next);
  g_signal_connect (source, "notify::a", G_CALLBACK (count_notify), &count);
  set_times (source, 11, 12);
  g_assert_cmpuint (count, ==, 2);
  test_thing_set_a (target, 500);

  obs_broker_flush (broker);
  g_assert_cmpint (test_thing_get_a (target), ==, 500);
  g_assert_cmpint (test_thing_get_a (next), ==, 500);

  set_times (source, 13, 14);
  obs_broker_flush (broker);
  g_assert_cmpint (test_thing_get_a (target), ==, 14);
  g_assert_cmpint (test_thing_get_a (next), ==, 14);
}

static void
test_burst_order (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestQuiet) source = test_quiet_new (0);
  g_autoptr(TestThing) sink = test_thing_new (0);
  g_autoptr(TestThing) first = test_thing_new (0);
  g_autoptr(TestThing) second = test_thing_new (0);
  g_autoptr(TestThing) third = test_thing_new (0);
  g_autoptr(GError) error = NULL;

  g_test_summary ("A change made after a burst stays newer than the "
                  "burst when a later link brings the two together");

  dlink_a (broker, source, sink);
  dlink_a (broker, first, second);
  dlink_a (broker, second, third);

  set_times (source, 1, 3);
  test_thing_set_a (first, 100);
  g_assert_cmpuint (obs_broker_flush (broker), >=, 2);
  g_assert_cmpint (test_thing_get_a (sink), ==, 3);
  g_assert_cmpint (test_thing_get_a (second), ==, 100);

  /* The copy is forced into first, but second changed after the source
   * did and keeps its value. */
  obs_broker_hold (broker);
  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (source), "a",
                                      G_OBJECT (first), "a",
                                      OBS_LINK_SYNC_CREATE, &error));
  g_assert_no_error (error);
  obs_broker_release (broker);

  g_assert_cmpint (test_thing_get_a (first), ==, 3);
  g_assert_cmpint (test_thing_get_a (second), ==, 100);
  g_assert_cmpint (test_thing_get_a (third), ==, 100);
}

static void
test_burst_unlink (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestQuiet) source = test_quiet_new (0);
  g_autoptr(TestThing) target = test_thing_new (0);
  ObsLink *link;
  guint count = 0;

  g_test_summary ("Unlinking a source in a burst drops its pending change "
                  "and the source notifies again from the drain on");

  link = dlink_a (broker, source, target);
  set_times (source, 1, 10);
  obs_link_unlink (link);

  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpint (test_thing_get_a (target), ==, 0);

  g_signal_connect (source, "notify::a", G_CALLBACK (count_notify), &count);
  set_times (source, 11, 12);
  g_assert_cmpuint (count, ==, 2);
  g_assert_cmpuint (test_count_links (broker), ==, 0);
}

static void
test_burst_run_dispose (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestQuiet) source = test_quiet_new (0);
  g_autoptr(TestThing) target = test_thing_new (0);
  ObsLink *link;
  guint count = 0;

  g_test_summary ("A source disposed during a burst notifies again "
                  "afterwards, and its link is inactive");

  link = g_object_ref (dlink_a (broker, source, target));
  set_times (source, 1, 10);

  g_object_run_dispose (G_OBJECT (source));
  g_assert_false (obs_link_is_active (link));
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpint (test_thing_get_a (target), ==, 0);

  g_signal_connect (source, "notify::a", G_CALLBACK (count_notify), &count);
  set_times (source, 11, 12);
  g_assert_cmpuint (count, ==, 2);

  g_object_unref (link);
}

static void
test_burst_finalized (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  TestQuiet *source = test_quiet_new (0);
  g_autoptr(TestThing) target = test_thing_new (0);

  g_test_summary ("A source finalized during a burst leaves nothing to "
                  "propagate and nothing behind");

  dlink_a (broker, source, target);
  set_times (source, 1, 10);

  g_assert_finalize_object (source);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpint (test_thing_get_a (target), ==, 0);
  g_assert_cmpuint (test_count_links (broker), ==, 0);
}

static void
test_burst_broker_gone (void)
{
  ObsBroker *broker = obs_broker_new ();
  g_autoptr(TestQuiet) source = test_quiet_new (0);
  g_autoptr(TestThing) target = test_thing_new (0);
  guint count = 0;

  g_test_summary ("A source in a burst notifies again once its broker is "
                  "finalized");

  dlink_a (broker, source, target);
  set_times (source, 1, 10);

  g_assert_finalize_object (broker);

  g_signal_connect (source, "notify::a", G_CALLBACK (count_notify), &count);
  set_times (source, 11, 12);
  g_assert_cmpuint (count, ==, 2);
  g_assert_cmpint (test_thing_get_a (target), ==, 0);
}

static void
test_burst_held (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestQuiet) source = test_quiet_new (0);
  g_autoptr(TestThing) target = test_thing_new (0);

  g_test_summary ("A burst inside hold() and release() settles at the "
                  "release with one write");

  dlink_a (broker, source, target);
  test_thing_reset_notifies (target);

  obs_broker_hold (broker);
  set_times (source, 1, 50);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpint (test_thing_get_a (target), ==, 0);
  obs_broker_release (broker);

  g_assert_cmpint (test_thing_get_a (target), ==, 50);
  g_assert_cmpuint (test_thing_count_notifies (target, "a"), ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  test_add_guarded ("/Obs/Burst/coalesces", test_burst_coalesces);
  test_add_guarded ("/Obs/Burst/late-listener", test_burst_late_listener);
  test_add_guarded ("/Obs/Burst/other-listener", test_burst_other_listener);
  test_add_guarded ("/Obs/Burst/shared-target", test_burst_shared_target);
  test_add_guarded ("/Obs/Burst/new-link", test_burst_new_link);
  test_add_guarded ("/Obs/Burst/order", test_burst_order);
  test_add_guarded ("/Obs/Burst/unlink", test_burst_unlink);
  test_add_guarded ("/Obs/Burst/run-dispose", test_burst_run_dispose);
  test_add_guarded ("/Obs/Burst/finalized", test_burst_finalized);
  test_add_guarded ("/Obs/Burst/broker-gone", test_burst_broker_gone);
  test_add_guarded ("/Obs/Burst/held", test_burst_held);

  return g_test_run ();
}
