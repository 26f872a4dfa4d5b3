#include "test-thing.h"

static void
test_smoke (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) t1 = test_thing_new (10);
  g_autoptr(TestThing) t2 = test_thing_new (20);
  g_autoptr(GError) error = NULL;
  ObsLink *link;

  g_test_summary ("A two-way link settles from either side");

  link = obs_broker_link (broker, G_OBJECT (t1), "a", G_OBJECT (t2), "a",
                          OBS_LINK_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_nonnull (link);

  test_thing_set_a (t1, 30);
  g_assert_cmpint (test_thing_get_a (t2), ==, 20);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpint (test_thing_get_a (t2), ==, 30);

  test_thing_set_a (t2, 40);
  obs_broker_flush (broker);
  g_assert_cmpint (test_thing_get_a (t1), ==, 40);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Obs/Broker/smoke", test_smoke);

  return g_test_run ();
}
