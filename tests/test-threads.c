/* test-threads.c: notify, link and unlink from threads other than the
 * broker's
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-thing.h"

#define N_WORKERS 4
#define N_SETS    250000

typedef struct
{
  TestThing     *source;
  TestThing     *target;
  guint          n_sets;
  int            last;
  gint          *running;
} Worker;

static gpointer
worker_set_many (gpointer data)
{
  Worker *worker = data;

  for (guint i = 1; i <= worker->n_sets; i++)
    {
      worker->last = (int) i;
      test_thing_set_a (worker->source, worker->last);
    }

  /* The owner may be asleep in its main loop with nothing queued: wake
   * it so it sees that this worker is done. */
  g_atomic_int_dec_and_test (worker->running);
  g_main_context_wakeup (NULL);

  return NULL;
}

static void
count_calls (ObsLink      *link,
             const GValue *value,
             gpointer      user_data)
{
  guint *calls = user_data;

  (*calls)++;
}

static void
test_many_setters (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  Worker workers[N_WORKERS];
  GThread *threads[N_WORKERS];
  guint calls[N_WORKERS] = { 0, };
  gint running = N_WORKERS;
  guint n_sets = g_test_thorough () ? N_SETS : N_SETS / 5;

  g_test_summary ("Four threads set linked sources while the owner thread "
                  "runs its main loop: every target ends with its source's "
                  "last value, and no value is delivered more often than "
                  "it was set");

  for (guint i = 0; i < N_WORKERS; i++)
    {
      g_autoptr(GError) error = NULL;

      workers[i].source = test_thing_new (0);
      workers[i].target = test_thing_new (-1);
      workers[i].n_sets = n_sets;
      workers[i].running = &running;

      obs_broker_dlink (broker, G_OBJECT (workers[i].source), "a",
                        G_OBJECT (workers[i].target), "a",
                        OBS_LINK_DEFAULT, &error);
      g_assert_no_error (error);
      obs_broker_subscribe (broker, G_OBJECT (workers[i].source), "a",
                            count_calls, &calls[i], NULL, &error);
      g_assert_no_error (error);
    }

  for (guint i = 0; i < N_WORKERS; i++)
    threads[i] = g_thread_new ("setter", worker_set_many, &workers[i]);

  while (g_atomic_int_get (&running) > 0)
    g_main_context_iteration (NULL, TRUE);

  for (guint i = 0; i < N_WORKERS; i++)
    g_thread_join (threads[i]);

  obs_broker_flush (broker);

  for (guint i = 0; i < N_WORKERS; i++)
    {
      g_assert_cmpint (workers[i].last, ==, (int) n_sets);
      g_assert_cmpint (test_thing_get_a (workers[i].target), ==, (int) n_sets);
      g_assert_cmpuint (calls[i], >=, 1);
      g_assert_cmpuint (calls[i], <=, n_sets);
      g_assert_cmpuint (test_thing_count_notifies (workers[i].target, "a"),
                        <=, n_sets);
      g_test_message ("worker %u: %u sets reached the owner as %u "
                      "propagations", i, n_sets, calls[i]);
    }

  for (guint i = 0; i < N_WORKERS; i++)
    {
      g_assert_finalize_object (workers[i].source);
      g_assert_finalize_object (workers[i].target);
    }
}

typedef struct
{
  ObsBroker *broker;
  guint      rounds;
  gint       failures;
  gint       running;
} Churn;

static gpointer
worker_churn_links (gpointer data)
{
  Churn *churn = data;

  for (guint i = 0; i < churn->rounds; i++)
    {
      g_autoptr(TestThing) source = test_thing_new (0);
      g_autoptr(TestThing) target = test_thing_new (0);
      g_autoptr(GError) error = NULL;
      ObsLink *link;

      link = obs_broker_dlink (churn->broker,
                               G_OBJECT (source), "a",
                               G_OBJECT (target), "a",
                               OBS_LINK_DEFAULT, &error);
      if (link == NULL)
        {
          g_atomic_int_inc (&churn->failures);
          continue;
        }

      g_object_ref (link);
      test_thing_set_a (source, (int) i + 1);

      /* Half the links are unlinked here; the other half go when their
       * objects are finalized on this thread, maybe with their key
       * still queued. */
      if (i % 2 == 0)
        obs_link_unlink (link);

      g_object_unref (link);
    }

  g_atomic_int_dec_and_test (&churn->running);

  return NULL;
}

static void
test_links_from_workers (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) source = test_thing_new (0);
  g_autoptr(TestThing) target = test_thing_new (0);
  g_autoptr(GListModel) links = obs_broker_get_links (broker);
  g_autoptr(GError) error = NULL;
  Churn churn = { broker, 2000, 0, 2 };
  GThread *threads[2];
  int value = 0;

  g_test_summary ("Links are made, unlinked and their objects finalized on "
                  "worker threads while the owner thread drains");

  obs_broker_dlink (broker, G_OBJECT (source), "a", G_OBJECT (target), "a",
                    OBS_LINK_DEFAULT, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("churn", worker_churn_links, &churn);

  /* The owner keeps its own link busy meanwhile. */
  while (g_atomic_int_get (&churn.running) > 0)
    {
      test_thing_set_a (source, ++value);
      g_main_context_iteration (NULL, FALSE);
    }

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  obs_broker_flush (broker);

  g_assert_cmpint (churn.failures, ==, 0);
  g_assert_cmpint (test_thing_get_a (target), ==, value);
  g_assert_cmpuint (g_list_model_get_n_items (links), ==, 1);
}

static gpointer
flush_in_thread (gpointer data)
{
  return GUINT_TO_POINTER (obs_broker_flush (data));
}

static void
test_flush_from_other_thread (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  GThread *thread;

  g_test_summary ("flush() from a thread that does not own the broker's "
                  "running main context is a critical, not a deadlock");

  g_assert_true (g_main_context_acquire (g_main_context_default ()));

  g_test_expect_message ("Obs", G_LOG_LEVEL_CRITICAL,
                         "*main context is running in another thread*");
  thread = g_thread_new ("flusher", flush_in_thread, broker);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_thread_join (thread)), ==, 0);
  g_test_assert_expected_messages ();

  g_main_context_release (g_main_context_default ());
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Obs/Threads/many-setters", test_many_setters);
  g_test_add_func ("/Obs/Threads/links-from-workers", test_links_from_workers);
  g_test_add_func ("/Obs/Threads/flush-from-other-thread",
                   test_flush_from_other_thread);

  return g_test_run ();
}
