/* test-util.c: what the C suites share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-util.h"

/* Each case runs in a subprocess, so that a broken library fails that
 * case, within a time limit, instead of stalling or killing the suite.
 */
typedef struct
{
  GTestFunc func;
  guint64   timeout;   /* microseconds */
} Guarded;

static void
run_guarded (gconstpointer data)
{
  const Guarded *guarded = data;

  if (g_test_subprocess ())
    {
      guarded->func ();
      return;
    }

  g_test_trap_subprocess (NULL, guarded->timeout,
                          G_TEST_SUBPROCESS_INHERIT_STDERR);

  /* A failed case marks itself failed and lets the next ones run. Only
   * this parent process, which does nothing but run children, gets
   * non-fatal assertions. */
  g_test_set_nonfatal_assertions ();
  g_test_trap_assert_passed ();
}

void
test_add_guarded_full (const char *path,
                       GTestFunc   func,
                       guint64     timeout)
{
  /* Every record stays reachable from here: a case's subprocess exits
   * without running destroy notifies, and LeakSanitizer would count the
   * records as lost. */
  static GPtrArray *records;
  Guarded *guarded = g_new0 (Guarded, 1);

  if (records == NULL)
    records = g_ptr_array_new ();
  g_ptr_array_add (records, guarded);

  guarded->func = func;
  guarded->timeout = timeout;

  g_test_add_data_func (path, guarded, run_guarded);
}

void
test_add_guarded (const char *path,
                  GTestFunc   func)
{
  test_add_guarded_full (path, func, TEST_GUARD_TIMEOUT);
}

guint
test_count_links (ObsBroker *broker)
{
  g_autoptr(GListModel) links = obs_broker_get_links (broker);

  return g_list_model_get_n_items (links);
}

int
test_get_int (gpointer    object,
              const char *property)
{
  int value = 0;

  g_object_get (object, property, &value, NULL);

  return value;
}

void
test_count_destroy (gpointer data)
{
  guint *counter = data;

  (*counter)++;
}
