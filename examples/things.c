/* things.c: the two-Things story, told with obs-glib
 *
 * Two Things with an integer property "a", one at 10 and one at 20, are
 * linked both ways. A third Thing shows the value as text through a
 * transform, and a subscriber prints every value it receives.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <obs-glib.h>

#define DEMO_TYPE_THING (demo_thing_get_type ())
G_DECLARE_FINAL_TYPE (DemoThing, demo_thing, DEMO, THING, GObject)

struct _DemoThing
{
  GObject  parent_instance;

  int      a;
  char    *text;
};

enum {
  PROP_0,
  PROP_A,
  PROP_TEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (DemoThing, demo_thing, G_TYPE_OBJECT)

static void
demo_thing_finalize (GObject *object)
{
  DemoThing *self = DEMO_THING (object);

  g_clear_pointer (&self->text, g_free);

  G_OBJECT_CLASS (demo_thing_parent_class)->finalize (object);
}

static void
demo_thing_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  DemoThing *self = DEMO_THING (object);

  switch (prop_id)
    {
    case PROP_A:
      g_value_set_int (value, self->a);
      break;

    case PROP_TEXT:
      g_value_set_string (value, self->text);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_thing_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  DemoThing *self = DEMO_THING (object);

  switch (prop_id)
    {
    case PROP_A:
      if (self->a != g_value_get_int (value))
        {
          self->a = g_value_get_int (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    case PROP_TEXT:
      if (g_strcmp0 (self->text, g_value_get_string (value)) != 0)
        {
          g_free (self->text);
          self->text = g_value_dup_string (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_thing_class_init (DemoThingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = demo_thing_finalize;
  object_class->get_property = demo_thing_get_property;
  object_class->set_property = demo_thing_set_property;

  properties[PROP_A] =
    g_param_spec_int ("a", NULL, NULL, G_MININT, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                      G_PARAM_STATIC_STRINGS);
  properties[PROP_TEXT] =
    g_param_spec_string ("text", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
demo_thing_init (DemoThing *self)
{
  self->text = g_strdup ("");
}

static int
get_a (DemoThing *thing)
{
  int a;

  g_object_get (thing, "a", &a, NULL);

  return a;
}

static gboolean
describe_a (ObsLink      *link,
            const GValue *from_value,
            GValue       *to_value,
            gpointer      user_data)
{
  g_value_take_string (to_value,
                       g_strdup_printf ("a is %d", g_value_get_int (from_value)));

  return TRUE;
}

static void
print_value (ObsLink      *link,
             const GValue *value,
             gpointer      user_data)
{
  g_print ("  subscriber received a = %d\n", g_value_get_int (value));
}

static gboolean
quit_when_settled (gpointer user_data)
{
  g_main_loop_quit (user_data);

  return G_SOURCE_REMOVE;
}

int
main (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(DemoThing) first = g_object_new (DEMO_TYPE_THING, "a", 10, NULL);
  g_autoptr(DemoThing) second = g_object_new (DEMO_TYPE_THING, "a", 20, NULL);
  g_autoptr(DemoThing) third = g_object_new (DEMO_TYPE_THING, NULL);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint n;

  g_print ("Two Things: first.a = %d, second.a = %d\n",
           get_a (first), get_a (second));

  if (!obs_broker_link (broker, G_OBJECT (first), "a",
                        G_OBJECT (second), "a", OBS_LINK_DEFAULT, &error))
    g_error ("link failed: %s", error->message);
  g_print ("Linked first.a and second.a both ways.\n\n");

  g_object_set (first, "a", 30, NULL);
  g_print ("Set first.a to 30. Before the broker runs, second.a is still %d.\n",
           get_a (second));

  n = obs_broker_flush (broker);
  g_print ("Flushed the broker (%u propagation): first.a = %d, second.a = %d\n\n",
           n, get_a (first), get_a (second));

  g_object_set (second, "a", 40, NULL);
  g_print ("Set second.a to 40 and let the main loop run...\n");
  g_idle_add (quit_when_settled, loop);
  g_main_loop_run (loop);
  g_print ("The main loop delivered it: first.a = %d, second.a = %d\n\n",
           get_a (first), get_a (second));

  if (!obs_broker_dlink_full (broker, G_OBJECT (first), "a",
                              G_OBJECT (third), "text",
                              OBS_LINK_SYNC_CREATE,
                              describe_a, NULL, NULL, &error))
    g_error ("dlink failed: %s", error->message);
  g_object_get (third, "text", &text, NULL);
  g_print ("Linked first.a one way to third.text through a transform: "
           "third.text = \"%s\"\n", text);

  if (!obs_broker_subscribe (broker, G_OBJECT (first), "a",
                             print_value, NULL, NULL, &error))
    g_error ("subscribe failed: %s", error->message);
  g_print ("Subscribed to first.a.\n\n");

  g_print ("Set first.a to 50 and flush:\n");
  g_object_set (first, "a", 50, NULL);
  obs_broker_flush (broker);
  g_clear_pointer (&text, g_free);
  g_object_get (third, "text", &text, NULL);
  g_print ("  second.a = %d, third.text = \"%s\"\n\n", get_a (second), text);

  g_print ("Trigger first.a without changing it, and flush:\n");
  obs_broker_trigger (broker, G_OBJECT (first), "a");
  n = obs_broker_flush (broker);
  g_print ("  %u propagations pushed the unchanged value again.\n\n", n);

  g_print ("Done.\n");

  return 0;
}
