/* test-thing.c: a small object with properties of every kind the tests
 * link
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-thing.h"

struct _TestThing
{
  GObject     parent_instance;

  int         a;
  int         b;
  int         loud;
  char       *text;
  gboolean    flag;
  double      ratio;
  GObject    *other;
  int         write_only;
  int         construct_only;

  /* property name -> number of notifies seen */
  GHashTable *notifies;
};

enum {
  PROP_0,
  PROP_A,
  PROP_B,
  PROP_LOUD,
  PROP_TEXT,
  PROP_FLAG,
  PROP_RATIO,
  PROP_OTHER,
  PROP_WRITE_ONLY,
  PROP_READ_ONLY,
  PROP_CONSTRUCT_ONLY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (TestThing, test_thing, G_TYPE_OBJECT)

static void
test_thing_finalize (GObject *object)
{
  TestThing *self = TEST_THING (object);

  g_clear_pointer (&self->text, g_free);
  g_clear_object (&self->other);
  g_clear_pointer (&self->notifies, g_hash_table_unref);

  G_OBJECT_CLASS (test_thing_parent_class)->finalize (object);
}

static void
test_thing_notify (GObject    *object,
                   GParamSpec *pspec)
{
  TestThing *self = TEST_THING (object);
  guint n;

  n = GPOINTER_TO_UINT (g_hash_table_lookup (self->notifies, pspec->name));
  g_hash_table_insert (self->notifies, (gpointer) pspec->name,
                       GUINT_TO_POINTER (n + 1));
}

static void
test_thing_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  TestThing *self = TEST_THING (object);

  switch (prop_id)
    {
    case PROP_A:
      g_value_set_int (value, self->a);
      break;

    case PROP_B:
      g_value_set_int (value, self->b);
      break;

    case PROP_LOUD:
      g_value_set_int (value, self->loud);
      break;

    case PROP_TEXT:
      g_value_set_string (value, self->text);
      break;

    case PROP_FLAG:
      g_value_set_boolean (value, self->flag);
      break;

    case PROP_RATIO:
      g_value_set_double (value, self->ratio);
      break;

    case PROP_OTHER:
      g_value_set_object (value, self->other);
      break;

    case PROP_READ_ONLY:
      g_value_set_int (value, 7);
      break;

    case PROP_CONSTRUCT_ONLY:
      g_value_set_int (value, self->construct_only);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
test_thing_set_int (TestThing *self,
                    int       *field,
                    int        value,
                    guint      prop_id)
{
  if (*field == value)
    return;

  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
test_thing_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  TestThing *self = TEST_THING (object);

  switch (prop_id)
    {
    case PROP_A:
      test_thing_set_int (self, &self->a, g_value_get_int (value), prop_id);
      break;

    case PROP_B:
      test_thing_set_int (self, &self->b, g_value_get_int (value), prop_id);
      break;

    case PROP_LOUD:
      /* no EXPLICIT_NOTIFY: GObject notifies on every set */
      self->loud = g_value_get_int (value);
      break;

    case PROP_TEXT:
      if (g_strcmp0 (self->text, g_value_get_string (value)) != 0)
        {
          g_free (self->text);
          self->text = g_value_dup_string (value);
          g_object_notify_by_pspec (object, properties[PROP_TEXT]);
        }
      break;

    case PROP_FLAG:
      if (self->flag != g_value_get_boolean (value))
        {
          self->flag = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, properties[PROP_FLAG]);
        }
      break;

    case PROP_RATIO:
      if (self->ratio != g_value_get_double (value))
        {
          self->ratio = g_value_get_double (value);
          g_object_notify_by_pspec (object, properties[PROP_RATIO]);
        }
      break;

    case PROP_OTHER:
      if (g_set_object (&self->other, g_value_get_object (value)))
        g_object_notify_by_pspec (object, properties[PROP_OTHER]);
      break;

    case PROP_WRITE_ONLY:
      self->write_only = g_value_get_int (value);
      break;

    case PROP_CONSTRUCT_ONLY:
      self->construct_only = g_value_get_int (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
test_thing_class_init (TestThingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                   G_PARAM_STATIC_STRINGS;

  object_class->finalize = test_thing_finalize;
  object_class->get_property = test_thing_get_property;
  object_class->set_property = test_thing_set_property;
  object_class->notify = test_thing_notify;

  properties[PROP_A] =
    g_param_spec_int ("a", NULL, NULL, G_MININT, G_MAXINT, 0, rw);
  properties[PROP_B] =
    g_param_spec_int ("b", NULL, NULL, G_MININT, G_MAXINT, 0, rw);
  properties[PROP_LOUD] =
    g_param_spec_int ("loud", NULL, NULL, G_MININT, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TEXT] =
    g_param_spec_string ("text", NULL, NULL, NULL, rw);
  properties[PROP_FLAG] =
    g_param_spec_boolean ("flag", NULL, NULL, FALSE, rw);
  properties[PROP_RATIO] =
    g_param_spec_double ("ratio", NULL, NULL, 0.0, 1000.0, 0.0, rw);
  properties[PROP_OTHER] =
    g_param_spec_object ("other", NULL, NULL, G_TYPE_OBJECT, rw);
  properties[PROP_WRITE_ONLY] =
    g_param_spec_int ("write-only", NULL, NULL, G_MININT, G_MAXINT, 0,
                      G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_READ_ONLY] =
    g_param_spec_int ("read-only", NULL, NULL, G_MININT, G_MAXINT, 7,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONSTRUCT_ONLY] =
    g_param_spec_int ("construct-only", NULL, NULL, G_MININT, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                      G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
test_thing_init (TestThing *self)
{
  self->notifies = g_hash_table_new (g_str_hash, g_str_equal);
}

TestThing *
test_thing_new (int a)
{
  return g_object_new (TEST_TYPE_THING, "a", a, NULL);
}

int
test_thing_get_a (TestThing *self)
{
  return self->a;
}

void
test_thing_set_a (TestThing *self,
                  int        a)
{
  test_thing_set_int (self, &self->a, a, PROP_A);
}

guint
test_thing_count_notifies (TestThing  *self,
                           const char *property)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->notifies, property));
}

void
test_thing_reset_notifies (TestThing *self)
{
  g_hash_table_remove_all (self->notifies);
}

/* TestQuiet -------------------------------------------------------------- */

struct _TestQuiet
{
  GObject parent_instance;

  int     a;
  int     b;
};

enum {
  QUIET_PROP_0,
  QUIET_PROP_A,
  QUIET_PROP_B,
  QUIET_N_PROPS
};

static GParamSpec *quiet_properties[QUIET_N_PROPS];

G_DEFINE_FINAL_TYPE (TestQuiet, test_quiet, G_TYPE_OBJECT)

static void
test_quiet_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  TestQuiet *self = TEST_QUIET (object);

  switch (prop_id)
    {
    case QUIET_PROP_A:
      g_value_set_int (value, self->a);
      break;

    case QUIET_PROP_B:
      g_value_set_int (value, self->b);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
test_quiet_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  TestQuiet *self = TEST_QUIET (object);
  int *field;

  switch (prop_id)
    {
    case QUIET_PROP_A:
      field = &self->a;
      break;

    case QUIET_PROP_B:
      field = &self->b;
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }

  if (*field == g_value_get_int (value))
    return;

  *field = g_value_get_int (value);
  g_object_notify_by_pspec (object, pspec);
}

static void
test_quiet_class_init (TestQuietClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                   G_PARAM_STATIC_STRINGS;

  object_class->get_property = test_quiet_get_property;
  object_class->set_property = test_quiet_set_property;

  quiet_properties[QUIET_PROP_A] =
    g_param_spec_int ("a", NULL, NULL, G_MININT, G_MAXINT, 0, rw);
  quiet_properties[QUIET_PROP_B] =
    g_param_spec_int ("b", NULL, NULL, G_MININT, G_MAXINT, 0, rw);

  g_object_class_install_properties (object_class, QUIET_N_PROPS,
                                     quiet_properties);
}

static void
test_quiet_init (TestQuiet *self)
{
}

TestQuiet *
test_quiet_new (int a)
{
  return g_object_new (TEST_TYPE_QUIET, "a", a, NULL);
}
