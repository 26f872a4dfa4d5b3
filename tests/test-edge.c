/* test-edge.c: bad input at the edge of the public API
 *
 * Every public function gets what a caller can get wrong: NULL for the
 * object it works on, objects of the wrong type, property names that are
 * empty, ten thousand characters long, of another class or of the wrong
 * kind, links whose objects are gone, a release without a hold, a
 * max-rounds of 0. A programmer error must give a critical, a run-time
 * error a GError with the right code; never a crash, and no link is made.
 *
 * Every case runs in a subprocess with a time limit, so that a case that
 * crashes fails alone and the others still run.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "test-thing.h"
#include "test-util.h"

#define LONG_NAME_LENGTH 10000

/* Helpers ---------------------------------------------------------------- */

static void
expect_critical (const char *pattern)
{
  g_test_expect_message ("Obs", G_LOG_LEVEL_CRITICAL, pattern);
}

/* A GTypeInstance that is not a GObject, to pass where one is wanted. */
static GParamSpec *
not_an_object (void)
{
  return g_param_spec_ref_sink (g_param_spec_int ("not-an-object",
                                                  NULL, NULL,
                                                  0, 1, 0,
                                                  G_PARAM_READWRITE));
}

/* "a" followed by filler up to LONG_NAME_LENGTH characters */
static char *
long_name (const char *filler)
{
  GString *name = g_string_new ("a");

  while (name->len < LONG_NAME_LENGTH)
    g_string_append (name, filler);
  g_string_truncate (name, LONG_NAME_LENGTH);

  return g_string_free (name, FALSE);
}

/* The broker still links and propagates after whatever went before. */
static void
assert_broker_works (ObsBroker *broker)
{
  g_autoptr(TestThing) source = test_thing_new (0);
  g_autoptr(TestThing) target = test_thing_new (0);
  g_autoptr(GError) error = NULL;
  guint before = test_count_links (broker);
  ObsLink *link;

  link = obs_broker_dlink (broker, G_OBJECT (source), "a",
                           G_OBJECT (target), "a", OBS_LINK_DEFAULT,
                           &error);
  g_assert_no_error (error);
  g_assert_nonnull (link);

  test_thing_set_a (source, 42);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpint (test_thing_get_a (target), ==, 42);

  obs_link_unlink (link);
  obs_broker_flush (broker);
  g_assert_cmpuint (test_count_links (broker), ==, before);
}

/* A case and the path it runs under, each in a guarded subprocess. */
typedef struct
{
  const char *path;
  GTestFunc   func;
} Case;

/* The functions that make links ----------------------------------------- */

typedef enum
{
  MAKER_DLINK,
  MAKER_LINK,
  MAKER_DLINK_FULL,
  MAKER_LINK_FULL,
  MAKER_DLINK_WITH_CLOSURE,
  MAKER_LINK_WITH_CLOSURES,
  MAKER_SUBSCRIBE,
  MAKER_SUBSCRIBE_CLOSURE,
  N_MAKERS
} Maker;

static const char * const maker_names[N_MAKERS] = {
  "obs_broker_dlink",
  "obs_broker_link",
  "obs_broker_dlink_full",
  "obs_broker_link_full",
  "obs_broker_dlink_with_closure",
  "obs_broker_link_with_closures",
  "obs_broker_subscribe",
  "obs_broker_subscribe_closure",
};

/* What a maker checks: one-way or two-way, with or without a transform,
 * or a subscription. */
typedef enum
{
  KIND_ONE_WAY,
  KIND_TWO_WAY,
  KIND_ONE_WAY_TRANSFORM,
  KIND_TWO_WAY_TRANSFORM,
  KIND_SUBSCRIBE,
  N_KINDS
} Kind;

static Kind
maker_kind (Maker maker)
{
  switch (maker)
    {
    case MAKER_DLINK:
      return KIND_ONE_WAY;

    case MAKER_LINK:
      return KIND_TWO_WAY;

    case MAKER_DLINK_FULL:
    case MAKER_DLINK_WITH_CLOSURE:
      return KIND_ONE_WAY_TRANSFORM;

    case MAKER_LINK_FULL:
    case MAKER_LINK_WITH_CLOSURES:
      return KIND_TWO_WAY_TRANSFORM;

    case MAKER_SUBSCRIBE:
    case MAKER_SUBSCRIBE_CLOSURE:
      return KIND_SUBSCRIBE;

    case N_MAKERS:
    default:
      g_assert_not_reached ();
    }
}

/* How many pieces of user data or closures the maker takes. */
static guint
maker_n_data (Maker maker)
{
  switch (maker)
    {
    case MAKER_DLINK:
    case MAKER_LINK:
      return 0;

    case MAKER_LINK_FULL:
    case MAKER_LINK_WITH_CLOSURES:
      return 2;

    case MAKER_DLINK_FULL:
    case MAKER_DLINK_WITH_CLOSURE:
    case MAKER_SUBSCRIBE:
    case MAKER_SUBSCRIBE_CLOSURE:
      return 1;

    case N_MAKERS:
    default:
      g_assert_not_reached ();
    }
}

/* The transforms, callbacks and closures given to a maker, and how many
 * of them were released. The test keeps its own reference on each
 * closure, so that a call refused with a critical leaks nothing. */
typedef struct
{
  guint     released;
  GClosure *closures[2];
} Extras;

static gboolean
copy_value (ObsLink      *link,
            const GValue *from_value,
            GValue       *to_value,
            gpointer      user_data)
{
  return g_value_transform (from_value, to_value);
}

static void
ignore_value (ObsLink      *link,
              const GValue *value,
              gpointer      user_data)
{
}

static void
closure_ignore (void)
{
}

static void
release_data (gpointer data)
{
  Extras *extras = data;

  extras->released++;
}

static void
release_closure (gpointer  data,
                 GClosure *closure)
{
  Extras *extras = data;

  extras->released++;
}

static void
extras_init (Extras *extras)
{
  memset (extras, 0, sizeof *extras);

  for (guint i = 0; i < G_N_ELEMENTS (extras->closures); i++)
    {
      extras->closures[i] = g_cclosure_new (G_CALLBACK (closure_ignore),
                                            extras, release_closure);
      g_closure_ref (extras->closures[i]);
      g_closure_sink (extras->closures[i]);
    }
}

/* Drops the test's closures. Returns how many pieces of user data and
 * closures the maker had: the ones it released plus the closures it did
 * not take. */
static guint
extras_clear (Extras *extras,
              Maker   maker)
{
  gboolean closures = maker == MAKER_DLINK_WITH_CLOSURE ||
                      maker == MAKER_LINK_WITH_CLOSURES ||
                      maker == MAKER_SUBSCRIBE_CLOSURE;
  guint unused = 0;

  for (guint i = 0; i < G_N_ELEMENTS (extras->closures); i++)
    {
      /* the closures the maker was not given are released here too */
      if (!closures || i >= maker_n_data (maker))
        unused++;

      g_clear_pointer (&extras->closures[i], g_closure_unref);
    }

  return extras->released - unused;
}

static ObsLink *
make (Maker          maker,
      ObsBroker     *broker,
      gpointer       source,
      const char    *source_property,
      gpointer       target,
      const char    *target_property,
      ObsLinkFlags   flags,
      Extras        *extras,
      GError       **error)
{
  switch (maker)
    {
    case MAKER_DLINK:
      return obs_broker_dlink (broker, source, source_property,
                               target, target_property, flags, error);

    case MAKER_LINK:
      return obs_broker_link (broker, source, source_property,
                              target, target_property, flags, error);

    case MAKER_DLINK_FULL:
      return obs_broker_dlink_full (broker, source, source_property,
                                    target, target_property, flags,
                                    copy_value, extras, release_data,
                                    error);

    case MAKER_LINK_FULL:
      return obs_broker_link_full (broker, source, source_property,
                                   target, target_property, flags,
                                   copy_value, extras, release_data,
                                   copy_value, extras, release_data,
                                   error);

    case MAKER_DLINK_WITH_CLOSURE:
      return obs_broker_dlink_with_closure (broker, source, source_property,
                                            target, target_property, flags,
                                            extras->closures[0], error);

    case MAKER_LINK_WITH_CLOSURES:
      return obs_broker_link_with_closures (broker, source, source_property,
                                            target, target_property, flags,
                                            extras->closures[0],
                                            extras->closures[1], error);

    case MAKER_SUBSCRIBE:
      return obs_broker_subscribe (broker, source, source_property,
                                   ignore_value, extras, release_data,
                                   error);

    case MAKER_SUBSCRIBE_CLOSURE:
      return obs_broker_subscribe_closure (broker, source, source_property,
                                           extras->closures[0], error);

    case N_MAKERS:
    default:
      g_assert_not_reached ();
    }
}

/* Calls maker with arguments it must refuse with a critical that matches
 * pattern: no link, no error set. */
static void
assert_make_critical (Maker          maker,
                      ObsBroker     *broker,
                      ObsBroker     *real_broker,
                      gpointer       source,
                      const char    *source_property,
                      gpointer       target,
                      const char    *target_property,
                      const char    *pattern)
{
  GError *error = NULL;
  Extras extras;
  ObsLink *link;

  g_test_message ("%s: expecting a critical %s", maker_names[maker],
                  pattern);

  extras_init (&extras);

  expect_critical (pattern);
  link = make (maker, broker, source, source_property,
               target, target_property, OBS_LINK_SYNC_CREATE, &extras,
               &error);
  g_test_assert_expected_messages ();

  g_assert_null (link);
  g_assert_no_error (error);

  extras_clear (&extras, maker);

  g_assert_cmpuint (test_count_links (real_broker), ==, 0);
}

/* Link makers with NULL or wrong objects ---------------------------------- */

static void
test_make_null (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) source = test_thing_new (1);
  g_autoptr(TestThing) target = test_thing_new (2);

  g_test_summary ("Each function that makes a link refuses a NULL broker, "
                  "NULL objects, NULL property names and a NULL callback "
                  "with a critical, and makes no link");

  for (Maker maker = 0; maker < N_MAKERS; maker++)
    {
      gboolean subscription = maker_kind (maker) == KIND_SUBSCRIBE;

      assert_make_critical (maker, NULL, broker,
                            source, "a", target, "a",
                            "*OBS_IS_BROKER (self)*");
      assert_make_critical (maker, broker, broker,
                            NULL, "a", target, "a",
                            "*G_IS_OBJECT (source)*");
      assert_make_critical (maker, broker, broker,
                            source, NULL, target, "a",
                            subscription ? "*property != NULL*"
                                         : "*source_property != NULL*");

      if (subscription)
        continue;

      assert_make_critical (maker, broker, broker,
                            source, "a", NULL, "a",
                            "*G_IS_OBJECT (target)*");
      assert_make_critical (maker, broker, broker,
                            source, "a", target, NULL,
                            "*target_property != NULL*");
    }

  /* a subscription needs something to call */
  {
    GError *error = NULL;

    expect_critical ("*func != NULL*");
    g_assert_null (obs_broker_subscribe (broker, G_OBJECT (source), "a",
                                         NULL, NULL, NULL, &error));
    g_test_assert_expected_messages ();
    g_assert_no_error (error);

    expect_critical ("*callback != NULL*");
    g_assert_null (obs_broker_subscribe_closure (broker, G_OBJECT (source),
                                                 "a", NULL, &error));
    g_test_assert_expected_messages ();
    g_assert_no_error (error);
  }

  g_assert_cmpuint (test_count_links (broker), ==, 0);
  assert_broker_works (broker);
}

static void
test_make_wrong_types (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) source = test_thing_new (1);
  g_autoptr(TestThing) target = test_thing_new (2);
  g_autoptr(GParamSpec) pspec = not_an_object ();
  g_autoptr(ObsBroker) other = obs_broker_new ();
  g_autoptr(TestThing) a = test_thing_new (0);
  g_autoptr(TestThing) b = test_thing_new (0);
  g_autoptr(ObsLink) link = NULL;

  g_test_summary ("Each function that makes a link refuses a broker that "
                  "is not one (an object, a link, a GParamSpec) and objects "
                  "that are not GObjects, with a critical, and makes no "
                  "link");

  /* a real link, of another broker, to pass as a broker */
  link = g_object_ref (obs_broker_dlink (other, G_OBJECT (a), "a",
                                         G_OBJECT (b), "a",
                                         OBS_LINK_DEFAULT, NULL));

  for (Maker maker = 0; maker < N_MAKERS; maker++)
    {
      assert_make_critical (maker, (ObsBroker *) source, broker,
                            source, "a", target, "a",
                            "*OBS_IS_BROKER (self)*");
      assert_make_critical (maker, (ObsBroker *) link, broker,
                            source, "a", target, "a",
                            "*OBS_IS_BROKER (self)*");
      assert_make_critical (maker, (ObsBroker *) pspec, broker,
                            source, "a", target, "a",
                            "*OBS_IS_BROKER (self)*");
      assert_make_critical (maker, broker, broker,
                            pspec, "a", target, "a",
                            "*G_IS_OBJECT (source)*");

      if (maker_kind (maker) != KIND_SUBSCRIBE)
        assert_make_critical (maker, broker, broker,
                              source, "a", pspec, "a",
                              "*G_IS_OBJECT (target)*");
    }

  g_assert_cmpuint (test_count_links (broker), ==, 0);
  g_assert_cmpuint (test_count_links (other), ==, 1);
  g_assert_true (obs_link_is_active (link));
  assert_broker_works (broker);
}

static void
test_make_error_set (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) source = test_thing_new (1);
  g_autoptr(TestThing) target = test_thing_new (2);

  g_test_summary ("Each function that makes a link refuses an error that "
                  "is already set with a critical, leaves it alone and "
                  "makes no link");

  for (Maker maker = 0; maker < N_MAKERS; maker++)
    {
      g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR,
                                                     G_IO_ERROR_FAILED,
                                                     "set before");
      GError *before = error;
      Extras extras;
      ObsLink *link;

      extras_init (&extras);

      expect_critical ("*error == NULL*");
      link = make (maker, broker, source, "a", target, "a",
                   OBS_LINK_DEFAULT, &extras, &error);
      g_test_assert_expected_messages ();

      g_assert_null (link);
      g_assert_true (error == before);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
      g_assert_cmpstr (error->message, ==, "set before");

      extras_clear (&extras, maker);
    }

  g_assert_cmpuint (test_count_links (broker), ==, 0);
  assert_broker_works (broker);
}

/* Link makers with bad property names: GErrors ------------------------- */

#define MADE -1   /* the link is made */
#define SKIP -2   /* does not apply to this kind of maker */

#define UNKNOWN  OBS_LINK_ERROR_UNKNOWN_PROPERTY
#define UNREAD   OBS_LINK_ERROR_NOT_READABLE
#define UNWRITE  OBS_LINK_ERROR_NOT_WRITABLE
#define MISMATCH OBS_LINK_ERROR_TYPE_MISMATCH
#define SELF     OBS_LINK_ERROR_SELF_LINK

/* stand-ins for the long names, made at run time */
static const char long_dashes[] = "<10,000 characters with dashes>";
static const char long_underscores[] = "<10,000 characters with underscores>";

typedef struct
{
  const char   *what;
  const char   *source_property;
  const char   *target_property;
  ObsLinkFlags  flags;
  gboolean      same_object;

  /* by Kind: the expected error code, MADE or SKIP */
  int           codes[N_KINDS];
} BadName;

static const BadName bad_names[] = {
  /* codes: one-way, two-way, one-way with a transform, two-way with
   * transforms, subscription */
  { "empty source name", "", "a", 0, FALSE,
    { UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN } },
  { "empty target name", "a", "", 0, FALSE,
    { UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, SKIP } },
  { "long source name", long_dashes, "a", 0, FALSE,
    { UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN } },
  { "long target name", "a", long_dashes, 0, FALSE,
    { UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, SKIP } },
  { "long name with underscores", long_underscores, "a", 0, FALSE,
    { UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN } },
  { "unknown source", "no-such", "a", 0, FALSE,
    { UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN } },
  { "unknown target", "a", "no-such", 0, FALSE,
    { UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, SKIP } },
  { "upper case", "A", "a", 0, FALSE,
    { UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN } },
  { "trailing space", "a ", "a", 0, FALSE,
    { UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN } },
  { "format directives", "%s%s%n", "a", 0, FALSE,
    { UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN } },
  { "format directives in target", "a", "%n%s", 0, FALSE,
    { UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, SKIP } },
  { "invalid UTF-8", "\xff\xfe", "a", 0, FALSE,
    { UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN } },
  { "property of the broker", "max-rounds", "a", 0, FALSE,
    { UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN } },
  { "property of a link", "a", "source-property", 0, FALSE,
    { UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, SKIP } },
  { "write-only source", "write-only", "b", 0, FALSE,
    { UNREAD, UNREAD, UNREAD, UNREAD, UNREAD } },
  { "read-only target", "a", "read-only", 0, FALSE,
    { UNWRITE, UNWRITE, UNWRITE, UNWRITE, SKIP } },
  { "read-only target spelt read_only", "a", "read_only", 0, FALSE,
    { UNWRITE, UNWRITE, UNWRITE, UNWRITE, SKIP } },
  { "construct-only target", "a", "construct-only", 0, FALSE,
    { UNWRITE, UNWRITE, UNWRITE, UNWRITE, SKIP } },
  { "read-only source", "read-only", "b", 0, FALSE,
    { MADE, UNWRITE, MADE, UNWRITE, MADE } },
  { "write-only target", "a", "write-only", 0, FALSE,
    { MADE, UNREAD, MADE, UNREAD, SKIP } },
  { "string to int", "text", "a", 0, FALSE,
    { MISMATCH, MISMATCH, MADE, MADE, MADE } },
  { "object to boolean", "other", "flag", 0, FALSE,
    { MISMATCH, MISMATCH, MADE, MADE, MADE } },
  { "invert-boolean on ints", "a", "b", OBS_LINK_INVERT_BOOLEAN, FALSE,
    { MISMATCH, MISMATCH, MISMATCH, MISMATCH, SKIP } },
  { "property to itself", "a", "a", 0, TRUE,
    { SELF, SELF, SELF, SELF, SKIP } },
};

static const char *
resolve_name (const char *name,
              char       *dashes,
              char       *underscores)
{
  if (name == long_dashes)
    return dashes;

  if (name == long_underscores)
    return underscores;

  return name;
}

static void
test_make_bad_names (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) source = test_thing_new (1);
  g_autoptr(TestThing) target = test_thing_new (2);
  g_autofree char *dashes = long_name ("-b");
  g_autofree char *underscores = long_name ("_b");
  guint n_errors = 0;
  guint n_made = 0;

  g_test_summary ("Each function that makes a link answers a property name "
                  "that is empty, 10,000 characters long, unknown, of "
                  "another class, of the wrong kind or type, or the same "
                  "property, with a GError of the right code, makes no "
                  "link and releases its user data once");

  g_assert_cmpuint (strlen (dashes), ==, LONG_NAME_LENGTH);

  for (guint i = 0; i < G_N_ELEMENTS (bad_names); i++)
    {
      const BadName *bad = &bad_names[i];
      const char *source_property = resolve_name (bad->source_property,
                                                  dashes, underscores);
      const char *target_property = resolve_name (bad->target_property,
                                                  dashes, underscores);
      TestThing *to = bad->same_object ? source : target;

      for (Maker maker = 0; maker < N_MAKERS; maker++)
        {
          int code = bad->codes[maker_kind (maker)];
          g_autoptr(GError) error = NULL;
          Extras extras;
          ObsLink *link;

          if (code == SKIP)
            continue;

          g_test_message ("%s with %s", maker_names[maker], bad->what);

          extras_init (&extras);

          link = make (maker, broker, source, source_property,
                       to, target_property, bad->flags, &extras, &error);

          if (code == MADE)
            {
              g_autoptr(ObsLink) kept = NULL;

              g_assert_no_error (error);
              g_assert_nonnull (link);
              g_assert_true (obs_link_is_active (link));

              /* the broker drops its reference on unlink */
              kept = g_object_ref (link);
              obs_link_unlink (kept);
              g_assert_false (obs_link_is_active (kept));
              n_made++;
            }
          else
            {
              g_assert_error (error, OBS_LINK_ERROR, code);
              g_assert_null (link);
              g_assert_nonnull (strstr (error->message, "TestThing"));
              n_errors++;
            }

          obs_broker_flush (broker);
          g_assert_cmpuint (test_count_links (broker), ==, 0);

          /* user data is released exactly once, at once for a link that
           * is not made and on unlink for one that is */
          g_assert_cmpuint (extras_clear (&extras, maker), ==,
                            maker_n_data (maker));
        }
    }

  g_test_message ("%u errors, %u links made and unlinked", n_errors, n_made);

  g_assert_cmpint (test_thing_get_a (target), ==, 2);
  assert_broker_works (broker);
}

static void
test_make_unknown_message (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) source = test_thing_new (1);
  g_autofree char *name = long_name ("x");
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) broker_error = NULL;

  g_test_summary ("The error for an unknown property names the type and "
                  "the whole name, even a 10,000-character one; the broker "
                  "linked as an object is an object like any other; a NULL "
                  "error refuses the same; a floating closure is released");

  g_assert_null (obs_broker_dlink (broker, G_OBJECT (source), name,
                                   G_OBJECT (source), "b",
                                   OBS_LINK_DEFAULT, &error));
  g_assert_error (error, OBS_LINK_ERROR, OBS_LINK_ERROR_UNKNOWN_PROPERTY);
  g_assert_nonnull (strstr (error->message, "TestThing"));
  g_assert_nonnull (strstr (error->message, name));

  /* the broker has no "a" */
  g_assert_null (obs_broker_dlink (broker, G_OBJECT (broker), "a",
                                   G_OBJECT (source), "a",
                                   OBS_LINK_DEFAULT, &broker_error));
  g_assert_error (broker_error, OBS_LINK_ERROR,
                  OBS_LINK_ERROR_UNKNOWN_PROPERTY);
  g_assert_nonnull (strstr (broker_error->message, "ObsBroker"));

  /* a floating closure given to a call that fails is released */
  {
    Extras extras = { 0, };
    GClosure *closure = g_cclosure_new (G_CALLBACK (closure_ignore),
                                        &extras, release_closure);

    g_assert_null (obs_broker_dlink_with_closure (broker, G_OBJECT (source),
                                                  "", G_OBJECT (source),
                                                  "b", OBS_LINK_DEFAULT,
                                                  closure, NULL));
    g_assert_cmpuint (extras.released, ==, 1);
  }

  /* NULL error: the same refusal, silently */
  g_assert_null (obs_broker_link (broker, G_OBJECT (source), "",
                                  G_OBJECT (source), "b",
                                  OBS_LINK_DEFAULT, NULL));
  g_assert_null (obs_broker_subscribe (broker, G_OBJECT (source), name,
                                       ignore_value, NULL, NULL, NULL));

  g_assert_cmpuint (test_count_links (broker), ==, 0);
  assert_broker_works (broker);
}

static void
test_broker_as_object (void)
{
  g_autoptr(TestThing) thing = test_thing_new (0);
  g_autoptr(ObsLink) link = NULL;
  GWeakRef broker_ref;
  ObsBroker *broker;

  g_test_summary ("A broker's own property can be linked like any other, "
                  "and the broker can go while it watches itself");

  broker = obs_broker_new ();
  g_weak_ref_init (&broker_ref, broker);

  link = g_object_ref (obs_broker_dlink (broker, G_OBJECT (broker),
                                         "max-rounds", G_OBJECT (thing), "a",
                                         OBS_LINK_SYNC_CREATE, NULL));
  g_assert_nonnull (link);
  g_assert_cmpint (test_thing_get_a (thing), ==, 100);

  obs_broker_set_max_rounds (broker, 7);
  obs_broker_flush (broker);
  g_assert_cmpint (test_thing_get_a (thing), ==, 7);

  g_object_unref (broker);
  g_assert_null (g_weak_ref_get (&broker_ref));
  g_weak_ref_clear (&broker_ref);

  g_assert_false (obs_link_is_active (link));
  obs_link_unlink (link);
}

/* The broker's other functions ------------------------------------------ */

/* Calls every broker function that takes only the broker (and a plain
 * argument) with self, which must be refused with a critical. */
static void
assert_broker_functions_refuse (ObsBroker *self,
                                GObject   *object)
{
  const char *pattern = "*OBS_IS_BROKER (self)*";

  expect_critical (pattern);
  g_assert_null (obs_broker_get_context (self));
  g_test_assert_expected_messages ();

  expect_critical (pattern);
  g_assert_cmpint (obs_broker_get_priority (self), ==, G_PRIORITY_HIGH_IDLE);
  g_test_assert_expected_messages ();

  expect_critical (pattern);
  obs_broker_set_priority (self, G_PRIORITY_LOW);
  g_test_assert_expected_messages ();

  expect_critical (pattern);
  g_assert_cmpuint (obs_broker_get_max_rounds (self), >, 0);
  g_test_assert_expected_messages ();

  expect_critical (pattern);
  obs_broker_set_max_rounds (self, 5);
  g_test_assert_expected_messages ();

  expect_critical (pattern);
  obs_broker_trigger (self, object, "a");
  g_test_assert_expected_messages ();

  expect_critical (pattern);
  obs_broker_trigger (self, object, NULL);
  g_test_assert_expected_messages ();

  expect_critical (pattern);
  g_assert_cmpuint (obs_broker_flush (self), ==, 0);
  g_test_assert_expected_messages ();

  expect_critical (pattern);
  obs_broker_hold (self);
  g_test_assert_expected_messages ();

  expect_critical (pattern);
  obs_broker_release (self);
  g_test_assert_expected_messages ();

  expect_critical (pattern);
  g_assert_false (obs_broker_is_held (self));
  g_test_assert_expected_messages ();

  expect_critical (pattern);
  g_assert_null (obs_broker_get_links (self));
  g_test_assert_expected_messages ();

  expect_critical (pattern);
  g_assert_null (obs_broker_to_dot (self));
  g_test_assert_expected_messages ();
}

static void
test_broker_functions (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(ObsBroker) other = obs_broker_new ();
  g_autoptr(TestThing) thing = test_thing_new (1);
  g_autoptr(TestThing) target = test_thing_new (0);
  g_autoptr(GParamSpec) pspec = not_an_object ();
  ObsLink *link;

  g_test_summary ("Every other broker function refuses NULL, an object "
                  "that is not a broker, a link and a GParamSpec with a "
                  "critical, and the real brokers are left as they were");

  link = obs_broker_dlink (other, G_OBJECT (thing), "a",
                           G_OBJECT (target), "a", OBS_LINK_DEFAULT, NULL);
  g_assert_nonnull (link);

  assert_broker_functions_refuse (NULL, G_OBJECT (thing));
  assert_broker_functions_refuse ((ObsBroker *) thing, G_OBJECT (thing));
  assert_broker_functions_refuse ((ObsBroker *) link, G_OBJECT (thing));
  assert_broker_functions_refuse ((ObsBroker *) pspec, G_OBJECT (thing));

  g_assert_cmpint (obs_broker_get_priority (broker), ==,
                   G_PRIORITY_HIGH_IDLE);
  g_assert_false (obs_broker_is_held (broker));
  g_assert_false (obs_broker_is_held (other));
  g_assert_cmpuint (test_count_links (broker), ==, 0);
  g_assert_cmpuint (test_count_links (other), ==, 1);
  g_assert_cmpint (test_thing_get_a (target), ==, 0);
  assert_broker_works (broker);
}

static void
test_new_for_null_context (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new_for_context (NULL);

  g_test_summary ("obs_broker_new_for_context (NULL) uses the global "
                  "default main context");

  g_assert_true (obs_broker_get_context (broker) ==
                 g_main_context_default ());
  assert_broker_works (broker);
}

static void
test_trigger (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(ObsBroker) other = obs_broker_new ();
  g_autoptr(TestThing) source = test_thing_new (3);
  g_autoptr(TestThing) target = test_thing_new (0);
  g_autoptr(TestThing) lonely = test_thing_new (5);
  g_autoptr(TestThing) disposed = test_thing_new (6);
  g_autoptr(GParamSpec) pspec = not_an_object ();
  g_autofree char *name = long_name ("-b");

  g_test_summary ("trigger() with a NULL property pushes every linked "
                  "property; on an object without links, linked on "
                  "another broker or disposed it does nothing; an empty, "
                  "long or unknown name, a NULL or non-GObject source are "
                  "criticals");

  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (source), "a",
                                      G_OBJECT (target), "a",
                                      OBS_LINK_DEFAULT, NULL));
  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (source), "b",
                                      G_OBJECT (target), "b",
                                      OBS_LINK_DEFAULT, NULL));
  g_assert_nonnull (obs_broker_dlink (other, G_OBJECT (lonely), "a",
                                      G_OBJECT (target), "loud",
                                      OBS_LINK_DEFAULT, NULL));

  /* NULL: every linked property */
  obs_broker_trigger (broker, G_OBJECT (source), NULL);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 2);
  g_assert_cmpint (test_thing_get_a (target), ==, 3);

  /* no links, on this broker */
  obs_broker_trigger (broker, G_OBJECT (lonely), NULL);
  obs_broker_trigger (broker, G_OBJECT (lonely), "a");
  obs_broker_trigger (broker, G_OBJECT (target), "a");
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpint (test_get_int (target, "loud"), ==, 0);

  /* disposed, alive, with no links */
  g_object_run_dispose (G_OBJECT (disposed));
  obs_broker_trigger (broker, G_OBJECT (disposed), NULL);
  obs_broker_trigger (broker, G_OBJECT (disposed), "a");
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);

  expect_critical ("*no property named*");
  obs_broker_trigger (broker, G_OBJECT (source), "");
  g_test_assert_expected_messages ();

  expect_critical ("*no property named*");
  obs_broker_trigger (broker, G_OBJECT (source), name);
  g_test_assert_expected_messages ();

  expect_critical ("*no property named*");
  obs_broker_trigger (broker, G_OBJECT (source), "max-rounds");
  g_test_assert_expected_messages ();

  expect_critical ("*no property named*");
  obs_broker_trigger (broker, G_OBJECT (source), "%s%n");
  g_test_assert_expected_messages ();

  expect_critical ("*G_IS_OBJECT (source)*");
  obs_broker_trigger (broker, NULL, "a");
  g_test_assert_expected_messages ();

  expect_critical ("*G_IS_OBJECT (source)*");
  obs_broker_trigger (broker, (GObject *) pspec, NULL);
  g_test_assert_expected_messages ();

  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpuint (test_count_links (broker), ==, 2);
  g_assert_cmpuint (test_count_links (other), ==, 1);
}

static void
test_release_without_hold (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) source = test_thing_new (0);
  g_autoptr(TestThing) target = test_thing_new (0);

  g_test_summary ("A release without a hold, or one more than the holds, "
                  "is a critical and leaves the broker unheld and working");

  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (source), "a",
                                      G_OBJECT (target), "a",
                                      OBS_LINK_DEFAULT, NULL));

  expect_critical ("*not held*");
  obs_broker_release (broker);
  g_test_assert_expected_messages ();
  g_assert_false (obs_broker_is_held (broker));

  /* the next hold still holds */
  obs_broker_hold (broker);
  test_thing_set_a (source, 1);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);
  g_assert_cmpint (test_thing_get_a (target), ==, 0);
  obs_broker_release (broker);
  g_assert_cmpint (test_thing_get_a (target), ==, 1);

  expect_critical ("*not held*");
  obs_broker_release (broker);
  g_test_assert_expected_messages ();

  /* nested, then one too many */
  obs_broker_hold (broker);
  obs_broker_hold (broker);
  test_thing_set_a (source, 2);
  obs_broker_release (broker);
  g_assert_true (obs_broker_is_held (broker));
  g_assert_cmpint (test_thing_get_a (target), ==, 1);
  obs_broker_release (broker);
  g_assert_false (obs_broker_is_held (broker));
  g_assert_cmpint (test_thing_get_a (target), ==, 2);

  expect_critical ("*not held*");
  obs_broker_release (broker);
  g_test_assert_expected_messages ();
  g_assert_false (obs_broker_is_held (broker));

  test_thing_set_a (source, 3);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpint (test_thing_get_a (target), ==, 3);
}

static void
test_max_rounds_zero (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  guint before = obs_broker_get_max_rounds (broker);

  g_test_summary ("max-rounds 0 is refused: a critical from the setter, "
                  "GObject's warning from g_object_set(), and the limit "
                  "stays as it was");

  expect_critical ("*max_rounds > 0*");
  obs_broker_set_max_rounds (broker, 0);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (obs_broker_get_max_rounds (broker), ==, before);

  g_test_expect_message ("GLib-GObject", G_LOG_LEVEL_WARNING,
                         "*max-rounds*");
  g_object_set (broker, "max-rounds", 0, NULL);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (obs_broker_get_max_rounds (broker), ==, before);

  obs_broker_set_max_rounds (broker, 1);
  g_assert_cmpuint (obs_broker_get_max_rounds (broker), ==, 1);
  obs_broker_set_max_rounds (broker, G_MAXUINT);
  g_assert_cmpuint (obs_broker_get_max_rounds (broker), ==, G_MAXUINT);

  assert_broker_works (broker);
}

static gpointer
flush_in_thread (gpointer data)
{
  return GUINT_TO_POINTER (obs_broker_flush (data));
}

static void
test_flush_from_other_thread (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(ObsBroker) broker = obs_broker_new_for_context (context);
  g_autoptr(TestThing) source = test_thing_new (0);
  g_autoptr(TestThing) target = test_thing_new (0);
  GThread *thread;
  guint count;

  g_test_summary ("A flush from a thread other than the one running the "
                  "broker's context is a critical and does nothing");

  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (source), "a",
                                      G_OBJECT (target), "a",
                                      OBS_LINK_DEFAULT, NULL));
  test_thing_set_a (source, 4);

  g_assert_true (g_main_context_acquire (context));

  expect_critical ("*another thread*");
  thread = g_thread_new ("flush", flush_in_thread, broker);
  count = GPOINTER_TO_UINT (g_thread_join (thread));
  g_test_assert_expected_messages ();

  g_assert_cmpuint (count, ==, 0);
  g_assert_cmpint (test_thing_get_a (target), ==, 0);

  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpint (test_thing_get_a (target), ==, 4);

  g_main_context_release (context);
}

static void
test_links_model (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) source = test_thing_new (0);
  g_autoptr(TestThing) target = test_thing_new (0);
  g_autoptr(GListModel) links = obs_broker_get_links (broker);

  g_test_summary ("The list model gives NULL past its end");

  g_assert_true (g_list_model_get_item_type (links) == OBS_TYPE_LINK);
  g_assert_null (g_list_model_get_item (links, 0));
  g_assert_null (g_list_model_get_item (links, G_MAXUINT));

  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (source), "a",
                                      G_OBJECT (target), "a",
                                      OBS_LINK_DEFAULT, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (links), ==, 1);
  g_assert_null (g_list_model_get_item (links, 1));
  g_assert_null (g_list_model_get_item (links, G_MAXUINT));
}

/* Links ------------------------------------------------------------------ */

static void
assert_link_functions_refuse (ObsLink *self)
{
  const char *pattern = "*OBS_IS_LINK (self)*";

  expect_critical (pattern);
  obs_link_unlink (self);
  g_test_assert_expected_messages ();

  expect_critical (pattern);
  g_assert_null (obs_link_dup_source (self));
  g_test_assert_expected_messages ();

  expect_critical (pattern);
  g_assert_null (obs_link_dup_target (self));
  g_test_assert_expected_messages ();

  expect_critical (pattern);
  g_assert_null (obs_link_get_source_property (self));
  g_test_assert_expected_messages ();

  expect_critical (pattern);
  g_assert_null (obs_link_get_target_property (self));
  g_test_assert_expected_messages ();

  expect_critical (pattern);
  g_assert_cmpint (obs_link_get_flags (self), ==, OBS_LINK_DEFAULT);
  g_test_assert_expected_messages ();

  expect_critical (pattern);
  g_assert_false (obs_link_is_active (self));
  g_test_assert_expected_messages ();

  expect_critical (pattern);
  g_assert_false (obs_link_is_two_way (self));
  g_test_assert_expected_messages ();
}

static void
test_link_functions (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) source = test_thing_new (0);
  g_autoptr(TestThing) target = test_thing_new (0);
  g_autoptr(GParamSpec) pspec = not_an_object ();
  ObsLink *link;

  g_test_summary ("Every link function refuses NULL, a broker, another "
                  "object and a GParamSpec with a critical");

  link = obs_broker_dlink (broker, G_OBJECT (source), "a",
                           G_OBJECT (target), "a", OBS_LINK_DEFAULT, NULL);

  assert_link_functions_refuse (NULL);
  assert_link_functions_refuse ((ObsLink *) broker);
  assert_link_functions_refuse ((ObsLink *) source);
  assert_link_functions_refuse ((ObsLink *) pspec);

  /* the broker passed as a link was not unlinked from anything */
  g_assert_true (obs_link_is_active (link));
  g_assert_cmpuint (test_count_links (broker), ==, 1);
  test_thing_set_a (source, 5);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 1);
  g_assert_cmpint (test_thing_get_a (target), ==, 5);
}

static void
assert_link_gone (ObsLink    *link,
                  const char *source_property,
                  const char *target_property,
                  gboolean    two_way)
{
  g_assert_false (obs_link_is_active (link));
  g_assert_null (obs_link_dup_source (link));
  g_assert_null (obs_link_dup_target (link));
  g_assert_cmpstr (obs_link_get_source_property (link), ==, source_property);
  g_assert_cmpstr (obs_link_get_target_property (link), ==, target_property);
  g_assert_true (obs_link_is_two_way (link) == two_way);

  /* any number of times */
  obs_link_unlink (link);
  obs_link_unlink (link);
  obs_link_unlink (link);
  g_assert_false (obs_link_is_active (link));
}

static void
test_dead_objects (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) source = test_thing_new (0);
  g_autoptr(TestThing) disposed = test_thing_new (0);
  g_autoptr(ObsLink) to_finalized = NULL;
  g_autoptr(ObsLink) from_finalized = NULL;
  g_autoptr(ObsLink) subscription = NULL;
  g_autoptr(ObsLink) to_disposed = NULL;
  TestThing *target = test_thing_new (0);
  TestThing *gone = test_thing_new (0);

  g_test_summary ("Links whose objects were finalized or disposed are "
                  "inactive at once: they give no objects, keep their "
                  "property names, unlink any number of times, leave the "
                  "list at the next flush, and trigger() on the disposed "
                  "object does nothing");

  to_finalized = g_object_ref (obs_broker_dlink (broker, G_OBJECT (source),
                                                 "a", G_OBJECT (target), "b",
                                                 OBS_LINK_DEFAULT, NULL));
  from_finalized = g_object_ref (obs_broker_link (broker, G_OBJECT (gone),
                                                  "b", G_OBJECT (source), "a",
                                                  OBS_LINK_DEFAULT, NULL));
  subscription = g_object_ref (obs_broker_subscribe (broker, G_OBJECT (gone),
                                                     "a", ignore_value,
                                                     NULL, NULL, NULL));
  to_disposed = g_object_ref (obs_broker_link (broker, G_OBJECT (source),
                                               "b", G_OBJECT (disposed), "a",
                                               OBS_LINK_SYNC_CREATE, NULL));
  g_assert_cmpuint (test_count_links (broker), ==, 4);

  /* a queued change of the source, towards an object about to go */
  test_thing_set_a (source, 8);

  g_object_unref (target);
  assert_link_gone (to_finalized, "a", "b", FALSE);

  g_object_unref (gone);
  assert_link_gone (from_finalized, "b", "a", TRUE);
  assert_link_gone (subscription, "a", NULL, FALSE);

  g_object_run_dispose (G_OBJECT (disposed));
  assert_link_gone (to_disposed, "b", "a", TRUE);

  obs_broker_flush (broker);
  g_assert_cmpuint (test_count_links (broker), ==, 0);

  obs_broker_trigger (broker, G_OBJECT (disposed), NULL);
  obs_broker_trigger (broker, G_OBJECT (source), NULL);
  g_assert_cmpuint (obs_broker_flush (broker), ==, 0);

  assert_broker_works (broker);
}

static void
test_dead_broker (void)
{
  g_autoptr(TestThing) source = test_thing_new (0);
  g_autoptr(TestThing) target = test_thing_new (0);
  g_autoptr(ObsLink) link = NULL;
  g_autoptr(ObsLink) subscription = NULL;
  g_autoptr(GObject) dup = NULL;
  ObsBroker *broker = obs_broker_new ();

  g_test_summary ("A link kept after its broker was finalized is "
                  "inactive and every link function still answers");

  link = g_object_ref (obs_broker_link (broker, G_OBJECT (source), "a",
                                        G_OBJECT (target), "b",
                                        OBS_LINK_SYNC_CREATE |
                                        OBS_LINK_IMMEDIATE, NULL));
  subscription = g_object_ref (obs_broker_subscribe (broker,
                                                     G_OBJECT (source), "b",
                                                     ignore_value, NULL,
                                                     NULL, NULL));

  dup = obs_link_dup_source (link);
  g_assert_true (dup == G_OBJECT (source));
  g_clear_object (&dup);

  g_object_unref (broker);

  assert_link_gone (link, "a", "b", TRUE);
  g_assert_cmpint (obs_link_get_flags (link), ==,
                   OBS_LINK_SYNC_CREATE | OBS_LINK_IMMEDIATE);
  assert_link_gone (subscription, "b", NULL, FALSE);

  /* nothing propagates any more */
  test_thing_set_a (source, 9);
  g_assert_cmpint (test_get_int (target, "b"), ==, 0);
}

static gboolean
allow_obs_criticals (const char     *log_domain,
                     GLogLevelFlags  log_level,
                     const char     *message,
                     gpointer        user_data)
{
  guint *count = user_data;

  if (g_strcmp0 (log_domain, "Obs") != 0 ||
      !(log_level & G_LOG_LEVEL_CRITICAL))
    return TRUE;

  (*count)++;

  return FALSE;
}

static void
test_bare_link (void)
{
  g_autoptr(ObsLink) link = g_object_new (OBS_TYPE_LINK, NULL);
  g_autoptr(GObject) source = NULL;
  g_autoptr(GObject) target = NULL;
  g_autofree char *source_property = NULL;
  g_autofree char *target_property = NULL;
  gboolean active = TRUE;
  gboolean two_way = TRUE;
  guint criticals = 0;

  g_test_summary ("An ObsLink made with g_object_new(), as a binding may "
                  "do, is an inactive link: every function answers "
                  "without crashing (with or without a critical), it "
                  "gives no objects and unlink does nothing");

  g_test_log_set_fatal_handler (allow_obs_criticals, &criticals);

  g_assert_false (obs_link_is_active (link));
  g_assert_false (obs_link_is_two_way (link));
  g_assert_cmpint (obs_link_get_flags (link), ==, OBS_LINK_DEFAULT);
  g_assert_null (obs_link_dup_source (link));
  g_assert_null (obs_link_dup_target (link));
  obs_link_unlink (link);
  g_assert_null (obs_link_get_target_property (link));
  g_assert_null (obs_link_get_source_property (link));

  g_object_get (link,
                "source", &source,
                "target", &target,
                "source-property", &source_property,
                "target-property", &target_property,
                "active", &active,
                "two-way", &two_way,
                NULL);
  g_assert_null (source);
  g_assert_null (target);
  g_assert_null (source_property);
  g_assert_null (target_property);
  g_assert_false (active);
  g_assert_false (two_way);

  g_test_message ("%u criticals from Obs", criticals);
}

/* Object names ------------------------------------------------------------ */

static void
test_object_names (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  g_autoptr(TestThing) source = test_thing_new (0);
  g_autoptr(TestThing) target = test_thing_new (0);
  g_autoptr(GParamSpec) pspec = not_an_object ();
  g_autofree char *name = long_name ("x");
  g_autofree char *dot = NULL;

  g_test_summary ("obs_set_object_name() and obs_get_object_name() refuse "
                  "NULL and non-GObjects with a critical; NULL removes a "
                  "name, an empty or 10,000-character name is kept, and "
                  "to_dot() escapes quotes and backslashes in names");

  expect_critical ("*G_IS_OBJECT (object)*");
  obs_set_object_name (NULL, "nobody");
  g_test_assert_expected_messages ();

  expect_critical ("*G_IS_OBJECT (object)*");
  g_assert_null (obs_get_object_name (NULL));
  g_test_assert_expected_messages ();

  expect_critical ("*G_IS_OBJECT (object)*");
  obs_set_object_name ((GObject *) pspec, "pspec");
  g_test_assert_expected_messages ();

  expect_critical ("*G_IS_OBJECT (object)*");
  g_assert_null (obs_get_object_name ((GObject *) pspec));
  g_test_assert_expected_messages ();

  g_assert_null (obs_get_object_name (G_OBJECT (source)));

  obs_set_object_name (G_OBJECT (source), "");
  g_assert_cmpstr (obs_get_object_name (G_OBJECT (source)), ==, "");

  obs_set_object_name (G_OBJECT (source), name);
  g_assert_cmpstr (obs_get_object_name (G_OBJECT (source)), ==, name);

  obs_set_object_name (G_OBJECT (source), NULL);
  g_assert_null (obs_get_object_name (G_OBJECT (source)));

  obs_set_object_name (G_OBJECT (source), "say \"hi\" \\ %s%n");
  obs_set_object_name (G_OBJECT (target), name);
  g_assert_nonnull (obs_broker_dlink (broker, G_OBJECT (source), "a",
                                      G_OBJECT (target), "a",
                                      OBS_LINK_DEFAULT, NULL));

  dot = obs_broker_to_dot (broker);
  g_assert_nonnull (strstr (dot, "say \\\"hi\\\" \\\\ %s%n"));
  g_assert_nonnull (strstr (dot, name));
}

static const Case cases[] = {
  { "/Obs/Edge/make/null", test_make_null },
  { "/Obs/Edge/make/wrong-types", test_make_wrong_types },
  { "/Obs/Edge/make/error-already-set", test_make_error_set },
  { "/Obs/Edge/make/bad-names", test_make_bad_names },
  { "/Obs/Edge/make/unknown-message", test_make_unknown_message },
  { "/Obs/Edge/make/broker-as-object", test_broker_as_object },
  { "/Obs/Edge/broker/wrong-self", test_broker_functions },
  { "/Obs/Edge/broker/null-context", test_new_for_null_context },
  { "/Obs/Edge/broker/trigger", test_trigger },
  { "/Obs/Edge/broker/release-without-hold", test_release_without_hold },
  { "/Obs/Edge/broker/max-rounds-zero", test_max_rounds_zero },
  { "/Obs/Edge/broker/flush-from-other-thread",
    test_flush_from_other_thread },
  { "/Obs/Edge/broker/links-model", test_links_model },
  { "/Obs/Edge/link/wrong-self", test_link_functions },
  { "/Obs/Edge/link/dead-objects", test_dead_objects },
  { "/Obs/Edge/link/dead-broker", test_dead_broker },
  { "/Obs/Edge/link/bare", test_bare_link },
  { "/Obs/Edge/names", test_object_names },
};

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    test_add_guarded (cases[i].path, cases[i].func);

  return g_test_run ();
}
