/* test-model.c: random operations on a few hundred objects, checked
 * against a plain model of the link graph
 *
 * A seeded generator makes TestThing objects and applies thousands of
 * random steps to one broker: one-way and two-way links, unlink, set,
 * trigger, nested hold and release, finalizing an object, disposing one
 * with g_object_run_dispose(), flush. The graph stays a forest, so a
 * model small enough to trust says what every property holds after each
 * drain. It follows the rules of doc/queue-and-main-loop.md and
 * obs-broker.c as of "Let the latest change win at any time":
 *
 *  - Every property has at most one incoming one-way link, no chain of
 *    links comes back to where it started, two-way links only join roots
 *    of different trees, and only roots are set.
 *  - The model runs every link synchronously at the moment of each
 *    change. Each node keeps its value and the time of its last change:
 *    a genuine set (one that changes what the library holds) or a
 *    SYNC_CREATE copy takes a new time; a write a link makes carries the
 *    time of the change it carries. A write is skipped when the target's
 *    last change is newer, and when the value is equal (TestThing then
 *    does not notify).
 *  - A trigger, and a SYNC_CREATE link made while the broker is held,
 *    queue a forced push: at the next drain, once the changes on their
 *    way into the source landed, the source's value goes along every link
 *    leaving it, written even over newer targets, carrying the source's
 *    own time (a trigger is not a change).
 *  - A SYNC_CREATE link made while not held drains everything pending
 *    (the model runs the forced pushes), then copies the source's value
 *    to the target as a change made now.
 *  - The library delivers only at drains, and a change waiting in the
 *    queue does not travel along a link removed meanwhile. The model
 *    also keeps what the library holds now (the last drain plus direct
 *    sets and copies); when a link goes, the part of the graph on its far
 *    side falls back to that and the changes that started inside it run
 *    again.
 *  - R2/R3 (doc/queue-and-main-loop.md point 6): the time check applies
 *    only to a property with links out of it; a property that is only a
 *    target takes every write. A property's time restarts at 0 when it
 *    gets its first link out of it.
 *  - R6: a root changed again before the drain is dispatched once, from
 *    its first place in the queue, with the value it holds then; the
 *    model reruns its part of the graph from what the library holds,
 *    origins in the order they were first queued, each with the value
 *    (and time) it holds when its turn comes.
 *  - Also left out (R4 + R6 make the answer depend on queue order): a set
 *    of a cluster member while a forced push waits at another member,
 *    and a forced push queued at a cluster member while another member
 *    has a change or a forced push waiting.
 *  - Left out of the generator, because the rules leave the answer open
 *    (a change made before a link was made crosses it at the drain, in an
 *    order set by the queue): two-way links between clusters with a
 *    change or a forced push still queued, and a one-way link (without a
 *    SYNC_CREATE drain first) into a target with its own change or forced
 *    push still queued. The lifetime variant, which checks no values,
 *    keeps them.
 *  - Generator restrictions in the value-checking variants, one a line
 *    (a component is every node reachable along active links):
 *    P: a trigger, or a SYNC_CREATE link made while held, only when
 *       nothing waits (change or forced push) in the source's component.
 *    P2: trigger(NULL) not when both properties would push in one component.
 *    F: a component with a forced push waiting is frozen until the next
 *       drain: no set, link, dlink, unlink, finalize or run-dispose in it.
 *    S: a cluster member is set only while no other member of its
 *       cluster has a change or a forced push waiting.
 *
 * Values are compared after every drain (flush, outermost release).
 *
 * Besides values, each case checks that every kept ObsLink handle is
 * active exactly while the model says so (it goes inactive at once when an
 * object is finalized or disposed, or on unlink), that the broker's list
 * model holds exactly the active links after a drain, that flush() does
 * nothing while the broker is held and that a second flush finds nothing
 * to do. At the end every object, every link and the broker must be
 * finalized.
 *
 * The cases are variants (which steps are allowed) times seeds: a few
 * fixed ones and, with -m thorough, one drawn with g_test_rand_int()
 * (not by default, so that CI runs the same cases each time). A failure
 * names its seed and step and lists the steps before it; replay it with
 *
 *   OBS_MODEL_SEED=1234 ./test-model -p /Obs/Model/two-way
 *
 * OBS_MODEL_STEPS=n changes the number of steps, OBS_MODEL_VERBOSE=1 logs
 * every step; -m thorough runs ten times more steps.
 *
 * Unlike the other test programs, the cases run in this process, so that
 * the messages with seeds and counts reach the log; a mismatch fails its
 * case and the next case still runs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "test-thing.h"

#define N_OBJECTS        256
#define N_NODES          (N_OBJECTS * 2)
#define N_STEPS          10000
#define N_STEPS_THOROUGH 100000
#define MAX_HOLDS        3
#define N_RECENT         40
#define N_TRIES          8

/* Node n is property node_props[n % 2] of object n / 2. */
static const char * const node_props[] = { "a", "b" };

/* 238 made a SYNC_CREATE copy in a one-way tree while a change was on its
 * way to the source; 606045952 and 316587725 made SYNC_CREATE links while
 * changes were queued, which the settling drain used to carry over the
 * new link */
static const guint32 fixed_seeds[] = {
  1, 238, 2024, 777777, 3141592653u, 606045952, 316587725,
};

typedef enum
{
  FEATURE_TRIGGER = 1 << 0,
  FEATURE_TWO_WAY = 1 << 1,

  /* check what links and objects do, not the values */
  FEATURE_NO_VALUES = 1 << 2,

  /* objects whose class has no notify method, so that the broker holds
   * back the notifications of lone sources during bursts */
  FEATURE_QUIET = 1 << 3,
} Features;

typedef struct
{
  const char *name;
  Features    features;
  const char *summary;
} Variant;

static const Variant variants[] = {
  { "one-way", 0,
    "Random one-way links, unlinks, sets, holds, flushes, finalized and "
    "disposed objects: after each drain every property equals the root "
    "of its tree, and handles and the list model follow the graph" },
  { "trigger", FEATURE_TRIGGER,
    "As one-way, with triggers on any property and links made without "
    "SYNC_CREATE and triggered right after" },
  { "two-way", FEATURE_TWO_WAY,
    "As one-way, with two-way links joining roots into clusters where the "
    "latest change wins" },
  { "all", FEATURE_TRIGGER | FEATURE_TWO_WAY,
    "Every kind of step together" },
  { "quiet", FEATURE_TRIGGER | FEATURE_QUIET,
    "As trigger, on objects the broker alone listens to, so that it "
    "holds back the notifications of lone sources during bursts" },
  { "lifetime", FEATURE_TRIGGER | FEATURE_TWO_WAY | FEATURE_NO_VALUES,
    "Every kind of step together, checking only handles, the list model "
    "and that every object and link is finalized, so that these checks "
    "run all the steps whatever the values do" },
};

typedef struct
{
  const Variant *variant;
  guint32        seed;
  gboolean       random_seed;
} Case;

typedef enum
{
  OP_DLINK,
  OP_LINK,
  OP_UNLINK,
  OP_SET,
  OP_TRIGGER,
  OP_HOLD,
  OP_RELEASE,
  OP_FLUSH,
  OP_FINALIZE,
  OP_DISPOSE,
  OP_CREATE,
  OP_FORGET,
  N_OPS
} Op;

static const guint op_weights[N_OPS] = {
  [OP_DLINK]    = 18,
  [OP_LINK]     = 8,
  [OP_UNLINK]   = 7,
  [OP_SET]      = 30,
  [OP_TRIGGER]  = 6,
  [OP_HOLD]     = 3,
  [OP_RELEASE]  = 3,
  [OP_FLUSH]    = 8,
  [OP_FINALIZE] = 2,
  [OP_DISPOSE]  = 1,
  [OP_CREATE]   = 3,
  [OP_FORGET]   = 2,
};

typedef struct
{
  /* owned; NULL once the model dropped it: a TestThing, or a TestQuiet
   * in the quiet variant */
  GObject   *thing;

  /* set when the object is finalized, by data the object holds; weak
   * pointers and GWeakRef would not do, g_object_run_dispose() clears
   * them too. Owned by Model.flags. */
  gboolean  *finalized;

  /* disposed with g_object_run_dispose(): never linked again */
  gboolean   disposed;
} ModelObject;

typedef struct
{
  /* indices into Model.links of the active links touching this node */
  GArray  *links;

  /* the value and the time of the last change, had every link run
   * synchronously at the moment of each change */
  int      value;
  guint64  time;

  /* what the library holds now: it only delivers at drains, so this is
   * the state of the last drain plus the changes made to this node
   * directly since (sets, SYNC_CREATE copies) */
  int      lib_value;
  guint64  lib_time;

  /* changed directly since the last drain: an origin still in the queue */
  gboolean dirty;

  /* when it was first changed since the last drain: its place in the
   * queue (R6) */
  guint64  queued_at;

  /* a forced push waits for the next drain (trigger, or SYNC_CREATE
   * while held) */
  gboolean triggered;
} ModelNode;

typedef struct
{
  /* owned reference, kept after the link went inactive; NULL once
   * forgotten */
  ObsLink  *handle;
  guint     source;
  guint     target;
  gboolean  two_way;

  /* what the model expects obs_link_is_active() to say */
  gboolean  active;
} ModelLink;

typedef struct
{
  GRand       *rand;
  guint32      seed;
  Features     features;
  guint        n_steps;
  guint        step;
  gboolean     failed;
  gboolean     verbose;

  ObsBroker   *broker;
  ModelObject  objects[N_OBJECTS];
  ModelNode    nodes[N_NODES];
  GArray      *links;
  GPtrArray   *flags;
  guint        n_active;
  guint        hold_depth;
  guint64      clock;

  /* nodes with a forced push waiting for the next drain, in order */
  GArray      *triggers;

  /* scratch for cluster walks and expected values */
  GArray      *scratch;
  guint        visit[N_NODES];
  guint        visit_serial;

  /* the latest steps, for the report of a failure */
  char        *recent[N_RECENT];
  guint        n_recent;

  /* counts for the summary */
  guint        n_made;
  guint        n_dlinks;
  guint        n_two_way;
  guint        n_unlinks;
  guint        n_sets;
  guint        n_triggers;
  guint        n_holds;
  guint        n_drains;
  guint        n_finalized;
  guint        n_disposed;
  guint        max_active;
} Model;

/* Reports ------------------------------------------------------------------ */

G_GNUC_PRINTF (2, 3)
static void
model_log (Model      *m,
           const char *format,
           ...)
{
  g_autofree char *text = NULL;
  va_list args;
  guint slot = m->n_recent % N_RECENT;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  g_free (m->recent[slot]);
  m->recent[slot] = g_strdup_printf ("step %u: %s", m->step, text);

  if (m->verbose)
    g_test_message ("%s", m->recent[slot]);

  m->n_recent++;
}

/* Fails the case once, with the seed, the step and the steps before it.
 * The step loop stops at the first failure; the objects are still
 * dropped.
 */
G_GNUC_PRINTF (2, 3)
static void
model_fail (Model      *m,
            const char *format,
            ...)
{
  g_autofree char *message = NULL;
  va_list args;
  guint first;

  if (m->failed)
    return;

  m->failed = TRUE;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  first = m->n_recent > N_RECENT ? m->n_recent - N_RECENT : 0;
  g_test_message ("the last steps before the failure:");
  for (guint i = first; i < m->n_recent; i++)
    g_test_message ("  %s", m->recent[i % N_RECENT]);

  g_test_message ("replay with: OBS_MODEL_SEED=%u %s -p %s",
                  m->seed, g_get_prgname (), g_test_get_path ());

  g_test_fail_printf ("seed %u, step %u: %s", m->seed, m->step, message);
}

/* Nodes ------------------------------------------------------------------- */

static GObject *
node_object (Model *m,
             guint  node)
{
  return m->objects[node / 2].thing;
}

static const char *
node_prop (guint node)
{
  return node_props[node % 2];
}

static gboolean
node_alive (Model *m,
            guint  node)
{
  return m->objects[node / 2].thing != NULL;
}

static gboolean
node_linkable (Model *m,
               guint  node)
{
  return node_alive (m, node) && !m->objects[node / 2].disposed;
}

static int
node_read (Model *m,
           guint  node)
{
  int value = 0;

  g_object_get (node_object (m, node), node_prop (node), &value, NULL);

  return value;
}

static ModelLink *
model_link (Model *m,
            guint  index)
{
  return &g_array_index (m->links, ModelLink, index);
}

/* The one-way link into node, or -1. */
static int
node_incoming (Model *m,
               guint  node)
{
  GArray *links = m->nodes[node].links;

  for (guint i = 0; i < links->len; i++)
    {
      guint index = g_array_index (links, guint, i);
      ModelLink *link = model_link (m, index);

      if (!link->two_way && link->target == node)
        return (int) index;
    }

  return -1;
}

static gboolean
node_has_two_way (Model *m,
                  guint  node)
{
  GArray *links = m->nodes[node].links;

  for (guint i = 0; i < links->len; i++)
    {
      if (model_link (m, g_array_index (links, guint, i))->two_way)
        return TRUE;
    }

  return FALSE;
}

static gboolean
node_is_root (Model *m,
              guint  node)
{
  return node_incoming (m, node) < 0;
}

/* Whether target is node or upstream of it along one-way links. */
static gboolean
node_downstream_of (Model *m,
                    guint  node,
                    guint  target)
{
  for (;;)
    {
      int incoming;

      if (node == target)
        return TRUE;

      incoming = node_incoming (m, node);
      if (incoming < 0)
        return FALSE;

      node = model_link (m, incoming)->source;
    }
}

/* Fills m->scratch with the cluster of the root node: the roots joined to
 * it by two-way links, node first. Marks them with m->visit_serial. */
static void
model_cluster (Model *m,
               guint  node)
{
  m->visit_serial++;
  g_array_set_size (m->scratch, 0);
  g_array_append_val (m->scratch, node);
  m->visit[node] = m->visit_serial;

  for (guint i = 0; i < m->scratch->len; i++)
    {
      guint member = g_array_index (m->scratch, guint, i);
      GArray *links = m->nodes[member].links;

      for (guint j = 0; j < links->len; j++)
        {
          ModelLink *link = model_link (m, g_array_index (links, guint, j));
          guint other;

          if (!link->two_way)
            continue;

          other = link->source == member ? link->target : link->source;
          if (m->visit[other] == m->visit_serial)
            continue;

          m->visit[other] = m->visit_serial;
          g_array_append_val (m->scratch, other);
        }
    }
}

/* Whether node has links that carry its value away. */
static gboolean
node_has_outgoing (Model *m,
                   guint  node)
{
  GArray *links = m->nodes[node].links;

  for (guint i = 0; i < links->len; i++)
    {
      ModelLink *link = model_link (m, g_array_index (links, guint, i));

      if (link->two_way || link->source == node)
        return TRUE;
    }

  return FALSE;
}

static void model_propagate (Model *m, guint node, int value, guint64 time);
static void model_resync (Model *m, guint node);

/* A write a link makes, carrying a change of time time. Rule 1: not over
 * a newer change, unless forced; equal values are not written. */
static void
model_write (Model    *m,
             guint     node,
             int       value,
             guint64   time,
             gboolean  forced)
{
  ModelNode *state = &m->nodes[node];

  /* R3: a property that is only a target is owned by the links into it,
   * no time applies to it */
  if (!forced && node_has_outgoing (m, node) && state->time > time)
    return;

  /* TestThing notifies only when the value changes */
  if (state->value == value)
    return;

  state->value = value;
  state->time = time;
  model_propagate (m, node, value, time);
}

/* Runs every link leaving node at once. */
static void
model_propagate (Model   *m,
                 guint    node,
                 int      value,
                 guint64  time)
{
  GArray *links = m->nodes[node].links;

  for (guint i = 0; i < links->len; i++)
    {
      ModelLink *link = model_link (m, g_array_index (links, guint, i));
      guint other;

      if (link->two_way)
        other = link->source == node ? link->target : link->source;
      else if (link->source == node)
        other = link->target;
      else
        continue;

      model_write (m, other, value, time, FALSE);
    }
}

/* A change made to node directly, now: a set, or a SYNC_CREATE copy. */
static void
model_change (Model *m,
              guint  node,
              int    value)
{
  ModelNode *state = &m->nodes[node];
  gboolean was_dirty;

  /* only a change of what the library holds notifies */
  if (state->lib_value == value)
    return;

  was_dirty = state->dirty;
  state->value = value;
  state->time = ++m->clock;
  if (!was_dirty)
    state->queued_at = state->time;
  state->lib_value = value;
  state->lib_time = state->time;
  state->dirty = TRUE;

  /* R6: a property changed again before the drain is dispatched once,
   * with the value it holds then (the changes coalesce): what the model
   * ran for its earlier change never happens, so its part of the graph
   * runs again from what the library holds */
  if (was_dirty)
    model_resync (m, node);
  else
    model_propagate (m, node, value, state->time);
}

/* Queues a forced push of node at the next drain. */
static void
model_trigger (Model    *m,
               guint     node,
               gboolean  always)
{
  ModelNode *state = &m->nodes[node];

  if (!always && !node_has_outgoing (m, node))
    return;

  if (state->triggered)
    return;

  state->triggered = TRUE;
  g_array_append_val (m->triggers, node);
}

static void
model_forget_trigger (Model *m,
                      guint  node)
{
  if (!m->nodes[node].triggered)
    return;

  m->nodes[node].triggered = FALSE;
  for (guint i = 0; i < m->triggers->len; i++)
    {
      if (g_array_index (m->triggers, guint, i) == node)
        {
          g_array_remove_index (m->triggers, i);
          return;
        }
    }
}

static gboolean
model_pending (Model *m)
{
  if (m->triggers->len > 0)
    return TRUE;

  for (guint node = 0; node < N_NODES; node++)
    {
      if (m->nodes[node].dirty)
        return TRUE;
    }

  return FALSE;
}

/* What a drain does to the model: the changes already ran; the forced
 * pushes run now, with the value each source holds once the changes on
 * their way into it landed, along the links that exist now. Then the
 * library holds the model's values. */
static void
model_drain (Model *m)
{
  for (guint i = 0; i < m->triggers->len; i++)
    {
      guint node = g_array_index (m->triggers, guint, i);
      ModelNode *state = &m->nodes[node];
      GArray *links = state->links;

      state->triggered = FALSE;
      if (!node_alive (m, node))
        continue;

      for (guint j = 0; j < links->len; j++)
        {
          ModelLink *link = model_link (m, g_array_index (links, guint, j));
          guint other;

          if (link->two_way)
            other = link->source == node ? link->target : link->source;
          else if (link->source == node)
            other = link->target;
          else
            continue;

          model_write (m, other, state->value, state->time, TRUE);
        }
    }

  g_array_set_size (m->triggers, 0);

  for (guint node = 0; node < N_NODES; node++)
    {
      ModelNode *state = &m->nodes[node];

      state->lib_value = state->value;
      state->lib_time = state->time;
      state->dirty = FALSE;
    }
}

/* Whether a change or a forced push of node still waits in the queue. */
static gboolean
node_busy (Model *m,
           guint  node)
{
  return m->nodes[node].dirty || m->nodes[node].triggered;
}

/* Whether a root's cluster has a change waiting for the next drain. */
static gboolean
cluster_changed (Model *m,
                 guint  node)
{
  model_cluster (m, node);

  for (guint i = 0; i < m->scratch->len; i++)
    {
      if (node_busy (m, g_array_index (m->scratch, guint, i)))
        return TRUE;
    }

  return FALSE;
}

static int
compare_queued_at (gconstpointer a,
                   gconstpointer b,
                   gpointer      data)
{
  Model *m = data;
  guint64 ta = m->nodes[*(const guint *) a].queued_at;
  guint64 tb = m->nodes[*(const guint *) b].queued_at;

  return ta < tb ? -1 : ta > tb;
}

/* A link went away before the changes that the model ran along it were
 * delivered: they never will be. The part of the graph that node is in
 * now gets back what the library holds, and the changes that started
 * inside it run again. */
static void
model_resync (Model *m,
              guint  node)
{
  g_autoptr(GArray) region = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) origins = g_array_new (FALSE, FALSE, sizeof (guint));

  if (!node_alive (m, node) || !model_pending (m))
    return;

  m->visit_serial++;
  g_array_append_val (region, node);
  m->visit[node] = m->visit_serial;

  for (guint i = 0; i < region->len; i++)
    {
      guint member = g_array_index (region, guint, i);
      GArray *links = m->nodes[member].links;

      for (guint j = 0; j < links->len; j++)
        {
          ModelLink *link = model_link (m, g_array_index (links, guint, j));
          guint other = link->source == member ? link->target : link->source;

          if (m->visit[other] == m->visit_serial)
            continue;

          m->visit[other] = m->visit_serial;
          g_array_append_val (region, other);
        }
    }

  for (guint i = 0; i < region->len; i++)
    {
      guint member = g_array_index (region, guint, i);
      ModelNode *state = &m->nodes[member];

      state->value = state->lib_value;
      state->time = state->lib_time;
      if (state->dirty)
        g_array_append_val (origins, member);
    }

  g_array_sort_with_data (origins, compare_queued_at, m);
  for (guint i = 0; i < origins->len; i++)
    {
      guint member = g_array_index (origins, guint, i);

      /* R6: dispatched with the value it holds then, which an origin
       * queued before it may have overwritten with a newer change */
      model_propagate (m, member, m->nodes[member].value,
                       m->nodes[member].time);
    }
}

typedef gboolean (*NodeFilter) (Model    *m,
                                guint     node,
                                gpointer  data);

/* A few random tries, then a scan from a random start. */
static gboolean
pick_node (Model      *m,
           NodeFilter  filter,
           gpointer    data,
           guint      *node)
{
  guint start;

  for (guint i = 0; i < N_TRIES; i++)
    {
      guint candidate = g_rand_int_range (m->rand, 0, N_NODES);

      if (filter (m, candidate, data))
        {
          *node = candidate;
          return TRUE;
        }
    }

  start = g_rand_int_range (m->rand, 0, N_NODES);
  for (guint i = 0; i < N_NODES; i++)
    {
      guint candidate = (start + i) % N_NODES;

      if (filter (m, candidate, data))
        {
          *node = candidate;
          return TRUE;
        }
    }

  return FALSE;
}

typedef gboolean (*ObjectFilter) (Model *m,
                                  guint  object);

static gboolean
pick_object (Model        *m,
             ObjectFilter  filter,
             guint        *object)
{
  guint start = g_rand_int_range (m->rand, 0, N_OBJECTS);

  for (guint i = 0; i < N_OBJECTS; i++)
    {
      guint candidate = (start + i) % N_OBJECTS;

      if (filter (m, candidate))
        {
          *object = candidate;
          return TRUE;
        }
    }

  return FALSE;
}

static gboolean
object_is_alive (Model *m,
                 guint  object)
{
  return m->objects[object].thing != NULL;
}

static gboolean
object_is_linkable (Model *m,
                    guint  object)
{
  return object_is_alive (m, object) && !m->objects[object].disposed;
}

static gboolean
object_is_empty (Model *m,
                 guint  object)
{
  return m->objects[object].thing == NULL;
}

static int
random_value (Model *m)
{
  /* mostly a few small values, so that sets often write what a property
   * already holds */
  if (g_rand_int_range (m->rand, 0, 10) < 7)
    return g_rand_int_range (m->rand, 0, 4);

  return g_rand_int_range (m->rand, -1000, 1000);
}

/* Links ------------------------------------------------------------------- */

static void
node_drop_link (Model *m,
                guint  node,
                guint  index)
{
  GArray *links = m->nodes[node].links;

  for (guint i = 0; i < links->len; i++)
    {
      if (g_array_index (links, guint, i) == index)
        {
          g_array_remove_index_fast (links, i);
          return;
        }
    }

  g_assert_not_reached ();
}

/* R2: a property's changes are ordered from the moment it has links out
 * of it; its time starts at 0 then. A change still on its way into it
 * (already run by the model, not yet delivered by the library) lands
 * after that with its own time, so the model keeps it. */
static void
model_start_time (Model *m,
                  guint  node)
{
  ModelNode *state = &m->nodes[node];

  if (node_has_outgoing (m, node))
    return;

  if (state->time == state->lib_time)
    state->time = 0;
  state->lib_time = 0;
}

static guint
model_add_link (Model    *m,
                ObsLink  *handle,
                guint     source,
                guint     target,
                gboolean  two_way)
{
  ModelLink link = { g_object_ref (handle), source, target, two_way, TRUE };
  guint index = m->links->len;

  model_start_time (m, source);
  if (two_way)
    model_start_time (m, target);

  g_array_append_val (m->links, link);
  g_array_append_val (m->nodes[source].links, index);
  g_array_append_val (m->nodes[target].links, index);

  m->n_active++;
  m->max_active = MAX (m->max_active, m->n_active);

  return index;
}

static void
model_deactivate (Model *m,
                  guint  index)
{
  ModelLink *link = model_link (m, index);

  g_assert (link->active);

  link->active = FALSE;
  m->n_active--;

  node_drop_link (m, link->source, index);
  node_drop_link (m, link->target, index);

  /* what the model ran along the link since the last drain will not
   * arrive: the far side gets back what the library holds */
  model_resync (m, link->target);
  if (link->two_way)
    model_resync (m, link->source);
}

/* Every link of a finalized or disposed object went inactive. */
static void
model_object_gone (Model    *m,
                   guint     object,
                   gboolean  finalized)
{
  for (guint prop = 0; prop < 2; prop++)
    {
      guint node = object * 2 + prop;
      GArray *links = m->nodes[node].links;

      while (links->len > 0)
        model_deactivate (m, g_array_index (links, guint, links->len - 1));
    }

  if (finalized)
    {
      for (guint prop = 0; prop < 2; prop++)
        {
          model_forget_trigger (m, object * 2 + prop);
          m->nodes[object * 2 + prop].dirty = FALSE;
        }
    }
}

/* Checks ------------------------------------------------------------------ */

static void
check_handles (Model *m)
{
  for (guint i = 0; i < m->links->len && !m->failed; i++)
    {
      ModelLink *link = model_link (m, i);

      if (link->handle == NULL)
        continue;

      if (obs_link_is_active (link->handle) != link->active)
        model_fail (m, "link %u (thing#%u:%s %s thing#%u:%s) is %s, the "
                    "model says %s", i,
                    link->source / 2, node_prop (link->source),
                    link->two_way ? "<->" : "->",
                    link->target / 2, node_prop (link->target),
                    link->active ? "inactive" : "active",
                    link->active ? "active" : "inactive");
    }
}

/* Checks the ends of every kept handle, and that the list model holds
 * exactly the active links. Only valid after a drain. */
static void
check_links_model (Model *m)
{
  g_autoptr(GListModel) list = obs_broker_get_links (m->broker);
  g_autoptr(GHashTable) active = g_hash_table_new (NULL, NULL);
  guint n_items;

  for (guint i = 0; i < m->links->len && !m->failed; i++)
    {
      ModelLink *link = model_link (m, i);
      g_autoptr(GObject) source = NULL;
      g_autoptr(GObject) target = NULL;

      if (link->handle == NULL)
        continue;

      source = obs_link_dup_source (link->handle);
      target = obs_link_dup_target (link->handle);

      if (!link->active)
        {
          if (source != NULL || target != NULL)
            model_fail (m, "inactive link %u still gives its objects", i);
          continue;
        }

      g_hash_table_add (active, link->handle);

      if (source != node_object (m, link->source) ||
          target != node_object (m, link->target))
        model_fail (m, "link %u gives the wrong objects", i);
      else if (g_strcmp0 (obs_link_get_source_property (link->handle),
                          node_prop (link->source)) != 0 ||
               g_strcmp0 (obs_link_get_target_property (link->handle),
                          node_prop (link->target)) != 0)
        model_fail (m, "link %u gives the wrong properties", i);
      else if (obs_link_is_two_way (link->handle) != link->two_way)
        model_fail (m, "link %u has the wrong direction", i);
    }

  n_items = g_list_model_get_n_items (list);
  if (n_items != m->n_active)
    {
      model_fail (m, "the broker lists %u links after a drain, the model "
                  "has %u active", n_items, m->n_active);
      return;
    }

  for (guint i = 0; i < n_items && !m->failed; i++)
    {
      g_autoptr(ObsLink) item = g_list_model_get_item (list, i);

      if (!g_hash_table_remove (active, item))
        model_fail (m, "item %u of the list model is not an active link "
                    "of the model (active: %d)", i,
                    obs_link_is_active (item));
    }
}

static void
describe_mismatch (Model *m,
                   guint  node,
                   int    expected,
                   int    actual)
{
  g_autoptr(GString) path = g_string_new (NULL);
  guint root = node;
  int incoming;

  while ((incoming = node_incoming (m, root)) >= 0)
    {
      root = model_link (m, incoming)->source;
      g_string_append_printf (path, " <- thing#%u:%s (holds %d)",
                              root / 2, node_prop (root),
                              node_read (m, root));
    }

  g_test_message ("thing#%u:%s holds %d, the model says %d; upstream:%s",
                  node / 2, node_prop (node), actual, expected,
                  path->len > 0 ? path->str : " none");

  g_test_message ("  thing#%u:%s: model value %d, last change %"
                  G_GUINT64_FORMAT ", clock %" G_GUINT64_FORMAT,
                  node / 2, node_prop (node), m->nodes[node].value,
                  m->nodes[node].time, m->clock);

  model_cluster (m, root);
  for (guint i = 0; i < m->scratch->len; i++)
    {
      guint member = g_array_index (m->scratch, guint, i);

      g_test_message ("  cluster of the root: thing#%u:%s holds %d, model "
                      "value %d, last change %" G_GUINT64_FORMAT,
                      member / 2, node_prop (member), node_read (m, member),
                      m->nodes[member].value, m->nodes[member].time);
    }
}

static void
check_values (Model *m)
{
  if (m->features & FEATURE_NO_VALUES)
    return;

  for (guint node = 0; node < N_NODES && !m->failed; node++)
    {
      int expected;
      int actual;

      if (!node_alive (m, node))
        continue;

      expected = m->nodes[node].value;
      actual = node_read (m, node);

      if (actual != expected)
        {
          describe_mismatch (m, node, expected, actual);
          model_fail (m, "after a drain thing#%u:%s holds %d, the model says "
                      "%d", node / 2, node_prop (node), actual, expected);
        }
    }
}

/* Everything that holds once the broker drained. */
static void
check_after_drain (Model *m)
{
  guint again;

  m->n_drains++;

  model_drain (m);
  check_values (m);
  if (m->failed)
    return;

  again = obs_broker_flush (m->broker);
  if (again != 0)
    model_fail (m, "a second flush did %u propagations", again);

  check_links_model (m);
  check_handles (m);
}

/* Steps ------------------------------------------------------------------- */

static void
check_new_link (Model    *m,
                ObsLink  *link,
                GError   *error,
                gboolean  two_way)
{
  if (error != NULL || link == NULL)
    {
      model_fail (m, "making a link failed: %s",
                  error != NULL ? error->message : "no error");
      return;
    }

  if (!obs_link_is_active (link) || obs_link_is_two_way (link) != two_way)
    model_fail (m, "a new link is inactive or has the wrong direction");
}

static gboolean
filter_free_target (Model    *m,
                    guint     node,
                    gpointer  data)
{
  return node_linkable (m, node) &&
         node_is_root (m, node) &&
         !node_has_two_way (m, node);
}

static gboolean
filter_dlink_source (Model    *m,
                     guint     node,
                     gpointer  data)
{
  guint target = GPOINTER_TO_UINT (data);

  return node_linkable (m, node) && !node_downstream_of (m, node, target);
}

static gboolean
values_checked (Model *m)
{
  return !(m->features & FEATURE_NO_VALUES);
}

/* Whether the component of node (every node reachable along active links
 * of either kind, in either direction) holds a node with a forced push
 * waiting (frozen) or, unless only_forced, a change waiting as well. */
static gboolean
component_has_pending (Model    *m,
                       guint     node,
                       gboolean  only_forced)
{
  g_autoptr(GArray) region = g_array_new (FALSE, FALSE, sizeof (guint));

  m->visit_serial++;
  g_array_append_val (region, node);
  m->visit[node] = m->visit_serial;

  for (guint i = 0; i < region->len; i++)
    {
      guint member = g_array_index (region, guint, i);
      GArray *links = m->nodes[member].links;

      if (m->nodes[member].triggered ||
          (!only_forced && m->nodes[member].dirty))
        return TRUE;

      for (guint j = 0; j < links->len; j++)
        {
          ModelLink *link = model_link (m, g_array_index (links, guint, j));
          guint other = link->source == member ? link->target : link->source;

          if (m->visit[other] == m->visit_serial)
            continue;

          m->visit[other] = m->visit_serial;
          g_array_append_val (region, other);
        }
    }

  return FALSE;
}

/* Restriction F: a component with a forced push waiting is frozen until
 * the next drain. */
static gboolean
component_frozen (Model *m,
                  guint  node)
{
  return values_checked (m) && component_has_pending (m, node, TRUE);
}

/* Restriction P: a forced push is only queued in a component with
 * nothing waiting. */
static gboolean
component_busy (Model *m,
                guint  node)
{
  return values_checked (m) && component_has_pending (m, node, FALSE);
}

static gboolean
object_frozen (Model *m,
               guint  object)
{
  return component_frozen (m, object * 2) ||
         component_frozen (m, object * 2 + 1);
}

static gboolean
object_is_alive_unfrozen (Model *m,
                          guint  object)
{
  return object_is_alive (m, object) && !object_frozen (m, object);
}

static gboolean
object_is_linkable_unfrozen (Model *m,
                             guint  object)
{
  return object_is_linkable (m, object) && !object_frozen (m, object);
}

/* Makes the model's side of a SYNC_CREATE link, once the link is in the
 * model: on the broker's thread and not held, everything pending is
 * drained first (with the new link in place) and the source's value is
 * copied at once, as a change of the target made now; held, the source
 * is queued as if triggered. */
static void
model_sync_create (Model *m,
                   guint  source,
                   guint  target)
{
  if (m->hold_depth > 0)
    {
      model_trigger (m, source, TRUE);
      return;
    }

  if (model_pending (m))
    model_drain (m);

  model_change (m, target, m->nodes[source].value);
}

static gboolean forced_push_open (Model *m, guint node);

static void
op_dlink (Model *m)
{
  g_autoptr(GError) error = NULL;
  gboolean sync;
  guint source;
  guint target;
  ObsLink *link;
  int before;

  if (!pick_node (m, filter_free_target, NULL, &target) ||
      !pick_node (m, filter_dlink_source, GUINT_TO_POINTER (target),
                  &source))
    return;

  sync = !(m->features & FEATURE_TRIGGER) || g_rand_boolean (m->rand);

  /* F: nothing touches a component with a forced push waiting */
  if (component_frozen (m, source) || component_frozen (m, target))
    return;

  /* P: a forced push (trigger, or SYNC_CREATE while held) only into a
   * merged tree with nothing waiting */
  if (!(sync && m->hold_depth == 0) &&
      (component_busy (m, source) || component_busy (m, target)))
    return;

  /* A target with a change or a forced push of its own still queued gets
   * it and the push from the source in an order the rules leave open,
   * unless a SYNC_CREATE drains first. */
  if (values_checked (m) && node_busy (m, target) &&
      !(sync && m->hold_depth == 0))
    return;

  /* the same for a forced push queued at a source in a cluster with
   * a change of another member waiting */
  if (!(sync && m->hold_depth == 0) && forced_push_open (m, source))
    return;

  before = node_read (m, source);

  model_log (m, "dlink thing#%u:%s -> thing#%u:%s %s (holding %d and %d)",
             source / 2, node_prop (source), target / 2, node_prop (target),
             sync ? "sync-create" : "then trigger", before,
             node_read (m, target));

  link = obs_broker_dlink (m->broker,
                           node_object (m, source), node_prop (source),
                           node_object (m, target), node_prop (target),
                           sync ? OBS_LINK_SYNC_CREATE : OBS_LINK_DEFAULT,
                           &error);
  check_new_link (m, link, error, FALSE);
  if (m->failed)
    return;

  model_add_link (m, link, source, target, FALSE);
  m->n_dlinks++;

  if (sync)
    {
      model_sync_create (m, source, target);

      if (m->hold_depth == 0 &&
          node_read (m, target) != node_read (m, source))
        model_fail (m, "SYNC_CREATE did not copy %d to the target (the "
                    "source held %d before the link)",
                    node_read (m, source), before);
    }
  else
    {
      obs_broker_trigger (m->broker, node_object (m, source),
                          node_prop (source));
      model_trigger (m, source, FALSE);
      m->n_triggers++;
    }
}

static gboolean
filter_root (Model    *m,
             guint     node,
             gpointer  data)
{
  return node_alive (m, node) && node_is_root (m, node);
}

static gboolean
filter_linkable_root (Model    *m,
                      guint     node,
                      gpointer  data)
{
  return node_linkable (m, node) && node_is_root (m, node);
}

/* A linkable root whose cluster has no change waiting: a change waiting
 * in either cluster would cross the new link at the drain although it
 * was made before the link, and which of it and the copy or the forced
 * push comes first is left open. */
static gboolean
filter_settled_root (Model    *m,
                     guint     node,
                     gpointer  data)
{
  return filter_linkable_root (m, node, NULL) &&
         (!values_checked (m) || !cluster_changed (m, node));
}

/* a settled linkable root outside the cluster of data */
static gboolean
filter_other_cluster (Model    *m,
                      guint     node,
                      gpointer  data)
{
  guint one = GPOINTER_TO_UINT (data);

  if (!filter_settled_root (m, node, NULL))
    return FALSE;

  model_cluster (m, one);
  return m->visit[node] != m->visit_serial;
}

static void
op_link (Model *m)
{
  g_autoptr(GError) error = NULL;
  gboolean sync;
  guint one;
  guint other;
  ObsLink *link;
  int one_value;
  int other_value;

  if (!pick_node (m, filter_settled_root, NULL, &one) ||
      !pick_node (m, filter_other_cluster, GUINT_TO_POINTER (one), &other))
    return;

  sync = !(m->features & FEATURE_TRIGGER) || g_rand_boolean (m->rand);

  /* F and P, as in op_dlink */
  if (component_frozen (m, one) || component_frozen (m, other))
    return;
  if (!(sync && m->hold_depth == 0) &&
      (component_busy (m, one) || component_busy (m, other)))
    return;

  one_value = node_read (m, one);
  other_value = node_read (m, other);

  model_log (m, "link thing#%u:%s <-> thing#%u:%s %s (holding %d and %d)",
             one / 2, node_prop (one), other / 2, node_prop (other),
             sync ? "sync-create" : "then trigger", one_value, other_value);

  link = obs_broker_link (m->broker,
                          node_object (m, one), node_prop (one),
                          node_object (m, other), node_prop (other),
                          sync ? OBS_LINK_SYNC_CREATE : OBS_LINK_DEFAULT,
                          &error);
  check_new_link (m, link, error, TRUE);
  if (m->failed)
    return;

  model_add_link (m, link, one, other, TRUE);
  m->n_two_way++;

  if (sync)
    {
      model_sync_create (m, one, other);

      if (m->hold_depth == 0 &&
          node_read (m, other) != node_read (m, one))
        model_fail (m, "SYNC_CREATE did not copy %d to the target",
                    node_read (m, one));
    }
  else
    {
      obs_broker_trigger (m->broker, node_object (m, one), node_prop (one));
      model_trigger (m, one, FALSE);
      m->n_triggers++;
    }
}

static void
op_unlink (Model *m)
{
  ModelLink *link = NULL;
  guint start;
  guint index = 0;
  gboolean twice;

  if (m->links->len == 0)
    return;

  start = g_rand_int_range (m->rand, 0, m->links->len);
  for (guint i = 0; i < m->links->len && link == NULL; i++)
    {
      index = (start + i) % m->links->len;
      if (model_link (m, index)->handle != NULL)
        link = model_link (m, index);
    }

  if (link == NULL)
    return;

  /* F */
  if (link->active &&
      (component_frozen (m, link->source) ||
       component_frozen (m, link->target)))
    return;

  twice = g_rand_int_range (m->rand, 0, 4) == 0;
  model_log (m, "unlink link %u (thing#%u:%s %s thing#%u:%s, %s)%s", index,
             link->source / 2, node_prop (link->source),
             link->two_way ? "<->" : "->",
             link->target / 2, node_prop (link->target),
             link->active ? "active" : "inactive", twice ? " twice" : "");

  obs_link_unlink (link->handle);
  if (twice)
    obs_link_unlink (link->handle);

  if (link->active)
    model_deactivate (m, index);

  m->n_unlinks++;

  check_handles (m);
}

/* A root that can be set. A forced push waiting in the root's cluster at
 * another member is dispatched before the set (R6: it was queued first)
 * and writes that member's value over the set (R4) before the set's own
 * change is read: the rules say so, but the model runs changes at once
 * and forced pushes at the drain, so such a set is left out. */
static gboolean
filter_settable_root (Model    *m,
                      guint     node,
                      gpointer  data)
{
  if (!filter_root (m, node, NULL))
    return FALSE;

  if (!values_checked (m))
    return TRUE;

  /* F */
  if (component_frozen (m, node))
    return FALSE;

  model_cluster (m, node);
  for (guint i = 0; i < m->scratch->len; i++)
    {
      guint member = g_array_index (m->scratch, guint, i);

      /* S: one member with a change waiting per cluster */
      if (member != node && node_busy (m, member))
        return FALSE;
    }

  return TRUE;
}

/* Whether a forced push queued now at node would meet a change queued
 * before it elsewhere in node's cluster: the push writes node's value as
 * it is at the drain over the members before that change reaches node
 * (R4, R6), so the answer depends on the order of the queue. Left out. */
static gboolean
forced_push_open (Model *m,
                  guint  node)
{
  if (!values_checked (m) || !node_has_two_way (m, node))
    return FALSE;

  model_cluster (m, node);
  for (guint i = 0; i < m->scratch->len; i++)
    {
      guint member = g_array_index (m->scratch, guint, i);

      if (member != node && node_busy (m, member))
        return TRUE;
    }

  return FALSE;
}

static void
op_set (Model *m)
{
  guint node;
  int value;
  int before;

  if (!pick_node (m, filter_settable_root, NULL, &node))
    return;

  value = random_value (m);
  before = node_read (m, node);

  /* only a set that changes the value notifies, and is a change */
  model_change (m, node, value);

  model_log (m, "set thing#%u:%s = %d (holds %d)",
             node / 2, node_prop (node), value, before);

  if (node % 2 == 0 && g_rand_boolean (m->rand) &&
      TEST_IS_THING (node_object (m, node)))
    test_thing_set_a (TEST_THING (node_object (m, node)), value);
  else
    g_object_set (node_object (m, node), node_prop (node), value, NULL);

  m->n_sets++;
}

static void
op_trigger (Model *m)
{
  guint object;
  int prop;

  if (!pick_object (m, object_is_alive, &object))
    return;

  /* 2 means every linked property */
  prop = g_rand_int_range (m->rand, 0, 3);

  for (guint p = 0; p < 2; p++)
    {
      if ((prop == 2 || (guint) prop == p) &&
          (forced_push_open (m, object * 2 + p) ||
           component_busy (m, object * 2 + p)))
        return;
    }

  /* P: two forced pushes in one component run in queue order */
  if (values_checked (m) && prop == 2 &&
      node_has_outgoing (m, object * 2) &&
      node_has_outgoing (m, object * 2 + 1))
    {
      component_has_pending (m, object * 2, FALSE);
      if (m->visit[object * 2 + 1] == m->visit_serial)
        return;
    }

  model_log (m, "trigger thing#%u:%s", object,
             prop == 2 ? "(all)" : node_props[prop]);

  obs_broker_trigger (m->broker, m->objects[object].thing,
                      prop == 2 ? NULL : node_props[prop]);

  for (guint p = 0; p < 2; p++)
    {
      if (prop == 2 || (guint) prop == p)
        model_trigger (m, object * 2 + p, FALSE);
    }

  m->n_triggers++;
}

static void
op_hold (Model *m)
{
  if (m->hold_depth >= MAX_HOLDS)
    return;

  model_log (m, "hold (depth %u)", m->hold_depth + 1);

  obs_broker_hold (m->broker);
  m->hold_depth++;
  m->n_holds++;

  if (!obs_broker_is_held (m->broker))
    model_fail (m, "the broker is not held after hold()");
}

static void
op_release (Model *m)
{
  if (m->hold_depth == 0)
    return;

  model_log (m, "release (depth %u)", m->hold_depth);

  obs_broker_release (m->broker);
  m->hold_depth--;

  if (obs_broker_is_held (m->broker) != (m->hold_depth > 0))
    {
      model_fail (m, "is_held() is wrong after a release to depth %u",
                  m->hold_depth);
      return;
    }

  /* the outermost release drains before it returns */
  if (m->hold_depth == 0)
    check_after_drain (m);
}

static void
op_flush (Model *m)
{
  int before[N_NODES];
  guint count;

  model_log (m, "flush%s", m->hold_depth > 0 ? " while held" : "");

  if (m->hold_depth == 0)
    {
      obs_broker_flush (m->broker);
      check_after_drain (m);
      return;
    }

  for (guint node = 0; node < N_NODES; node++)
    {
      if (node_alive (m, node))
        before[node] = node_read (m, node);
    }

  count = obs_broker_flush (m->broker);
  if (count != 0)
    model_fail (m, "flush() did %u propagations while held", count);

  for (guint node = 0; node < N_NODES && !m->failed; node++)
    {
      if (node_alive (m, node) && node_read (m, node) != before[node])
        model_fail (m, "thing#%u:%s changed from %d to %d in a flush while "
                    "held", node / 2, node_prop (node), before[node],
                    node_read (m, node));
    }
}

static void
op_finalize (Model *m)
{
  ModelObject *object;
  guint index;

  if (!pick_object (m, object_is_alive_unfrozen, &index))
    return;

  object = &m->objects[index];
  model_log (m, "finalize thing#%u%s", index,
             object->disposed ? " (disposed)" : "");

  g_object_unref (g_steal_pointer (&object->thing));

  if (!*object->finalized)
    {
      model_fail (m, "thing#%u outlived its last reference", index);
      return;
    }

  model_object_gone (m, index, TRUE);
  m->n_finalized++;

  /* the links went inactive right away, not at the next drain */
  check_handles (m);
}

static void
op_dispose (Model *m)
{
  guint index;

  if (!pick_object (m, object_is_linkable_unfrozen, &index))
    return;

  model_log (m, "run-dispose thing#%u", index);

  g_object_run_dispose (m->objects[index].thing);
  m->objects[index].disposed = TRUE;

  if (*m->objects[index].finalized)
    {
      model_fail (m, "thing#%u was finalized by run_dispose", index);
      return;
    }

  model_object_gone (m, index, FALSE);
  m->n_disposed++;

  check_handles (m);
}

static void
mark_finalized (gpointer data)
{
  gboolean *finalized = data;

  *finalized = TRUE;
}

static void
model_create (Model *m,
              guint  index)
{
  ModelObject *object = &m->objects[index];
  g_autofree char *name = g_strdup_printf ("thing#%u", index);
  int a = random_value (m);
  int b = random_value (m);

  if (m->features & FEATURE_QUIET)
    object->thing = G_OBJECT (test_quiet_new (a));
  else
    object->thing = G_OBJECT (test_thing_new (a));
  object->disposed = FALSE;
  g_object_set (object->thing, "b", b, NULL);
  obs_set_object_name (object->thing, name);

  object->finalized = g_new0 (gboolean, 1);
  g_ptr_array_add (m->flags, object->finalized);
  g_object_set_data_full (object->thing, "test-model-finalized",
                          object->finalized, mark_finalized);

  for (guint prop = 0; prop < 2; prop++)
    {
      ModelNode *state = &m->nodes[index * 2 + prop];

      state->value = state->lib_value = prop == 0 ? a : b;
      state->time = state->lib_time = 0;
      state->dirty = FALSE;
      state->triggered = FALSE;
    }

  m->n_made++;
}

static void
op_create (Model *m)
{
  guint index;

  if (!pick_object (m, object_is_empty, &index))
    return;

  model_log (m, "create thing#%u", index);
  model_create (m, index);
}

static void
op_forget (Model *m)
{
  guint start;

  if (m->links->len == 0)
    return;

  start = g_rand_int_range (m->rand, 0, m->links->len);
  for (guint i = 0; i < m->links->len; i++)
    {
      guint index = (start + i) % m->links->len;
      ModelLink *link = model_link (m, index);

      if (link->handle != NULL && !link->active)
        {
          model_log (m, "forget the handle of link %u", index);
          g_clear_object (&link->handle);
          return;
        }
    }
}

static Op
pick_op (Model *m)
{
  guint weights[N_OPS];
  guint total = 0;
  guint roll;

  for (guint op = 0; op < N_OPS; op++)
    {
      weights[op] = op_weights[op];
      if (op == OP_LINK && !(m->features & FEATURE_TWO_WAY))
        weights[op] = 0;
      if (op == OP_TRIGGER && !(m->features & FEATURE_TRIGGER))
        weights[op] = 0;
      total += weights[op];
    }

  roll = g_rand_int_range (m->rand, 0, total);
  for (guint op = 0; op < N_OPS; op++)
    {
      if (roll < weights[op])
        return op;
      roll -= weights[op];
    }

  g_assert_not_reached ();
}

static void
model_step (Model *m)
{
  switch (pick_op (m))
    {
    case OP_DLINK:
      op_dlink (m);
      break;

    case OP_LINK:
      op_link (m);
      break;

    case OP_UNLINK:
      op_unlink (m);
      break;

    case OP_SET:
      op_set (m);
      break;

    case OP_TRIGGER:
      op_trigger (m);
      break;

    case OP_HOLD:
      op_hold (m);
      break;

    case OP_RELEASE:
      op_release (m);
      break;

    case OP_FLUSH:
      op_flush (m);
      break;

    case OP_FINALIZE:
      op_finalize (m);
      break;

    case OP_DISPOSE:
      op_dispose (m);
      break;

    case OP_CREATE:
      op_create (m);
      break;

    case OP_FORGET:
      op_forget (m);
      break;

    case N_OPS:
    default:
      g_assert_not_reached ();
    }
}

/* Drops every object, link and the broker, and checks that each is
 * finalized. Runs after a failure too, without the checks. */
static void
model_teardown (Model *m)
{
  g_autoptr(GListModel) list = NULL;
  g_autoptr(GObject) broker = NULL;
  GWeakRef broker_ref;

  while (m->hold_depth > 0 && !m->failed)
    op_release (m);

  while (m->hold_depth > 0)
    {
      obs_broker_release (m->broker);
      m->hold_depth--;
    }

  if (!m->failed)
    {
      obs_broker_flush (m->broker);
      check_after_drain (m);
    }

  for (guint i = 0; i < N_OBJECTS; i++)
    {
      ModelObject *object = &m->objects[i];

      if (object->thing != NULL)
        {
          g_object_unref (g_steal_pointer (&object->thing));
          model_object_gone (m, i, TRUE);
        }
    }

  /* every object ever made, including those finalized during the run */
  for (guint i = 0; i < m->flags->len; i++)
    {
      if (!*(gboolean *) g_ptr_array_index (m->flags, i))
        model_fail (m, "object %u of the run outlived its last reference",
                    i);
    }

  check_handles (m);

  obs_broker_flush (m->broker);
  list = obs_broker_get_links (m->broker);
  if (g_list_model_get_n_items (list) != 0)
    model_fail (m, "%u links listed after every object went",
                g_list_model_get_n_items (list));
  g_clear_object (&list);

  for (guint i = 0; i < m->links->len; i++)
    {
      ModelLink *link = model_link (m, i);
      g_autoptr(GObject) still = NULL;
      GWeakRef ref;

      if (link->handle == NULL)
        continue;

      g_weak_ref_init (&ref, link->handle);
      g_clear_object (&link->handle);
      still = g_weak_ref_get (&ref);
      g_weak_ref_clear (&ref);

      if (still != NULL)
        model_fail (m, "link %u outlived the caller's last reference", i);
    }

  g_weak_ref_init (&broker_ref, m->broker);
  g_clear_object (&m->broker);
  broker = g_weak_ref_get (&broker_ref);
  g_weak_ref_clear (&broker_ref);

  if (broker != NULL)
    model_fail (m, "the broker outlived its last reference");
}

static void
model_free (Model *m)
{
  for (guint i = 0; i < N_NODES; i++)
    g_array_unref (m->nodes[i].links);

  for (guint i = 0; i < N_RECENT; i++)
    g_free (m->recent[i]);

  g_array_unref (m->links);
  g_array_unref (m->scratch);
  g_array_unref (m->triggers);
  g_ptr_array_unref (m->flags);
  g_rand_free (m->rand);
  g_free (m);
}

static guint
steps_wanted (void)
{
  const char *text = g_getenv ("OBS_MODEL_STEPS");
  guint64 steps;

  if (text != NULL && g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT,
                                                  &steps, NULL))
    return (guint) steps;

  return g_test_thorough () ? N_STEPS_THOROUGH : N_STEPS;
}

static void
test_model (gconstpointer data)
{
  const Case *test_case = data;
  Model *m = g_new0 (Model, 1);

  g_test_summary (test_case->variant->summary);

  m->seed = test_case->random_seed ? (guint32) g_test_rand_int ()
                                    : test_case->seed;
  m->features = test_case->variant->features;
  m->n_steps = steps_wanted ();
  m->verbose = g_getenv ("OBS_MODEL_VERBOSE") != NULL;
  m->rand = g_rand_new_with_seed (m->seed);
  m->broker = obs_broker_new ();
  m->links = g_array_new (FALSE, FALSE, sizeof (ModelLink));
  m->scratch = g_array_new (FALSE, FALSE, sizeof (guint));
  m->triggers = g_array_new (FALSE, FALSE, sizeof (guint));
  m->flags = g_ptr_array_new_with_free_func (g_free);

  g_test_message ("seed %u%s (replay with OBS_MODEL_SEED=%u)", m->seed,
                  test_case->random_seed ? ", drawn at random" : "",
                  m->seed);

  for (guint i = 0; i < N_NODES; i++)
    m->nodes[i].links = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < N_OBJECTS; i++)
    model_create (m, i);

  for (m->step = 0; m->step < m->n_steps && !m->failed; m->step++)
    model_step (m);

  model_teardown (m);

  g_test_message ("seed %u: %u objects made (%u at once), %u of %u steps, "
                  "%u drains checked, %u one-way and %u two-way links "
                  "(at most %u active), %u unlinks, %u sets, %u triggers, "
                  "%u holds, %u finalized, %u disposed",
                  m->seed, m->n_made, N_OBJECTS, m->step, m->n_steps,
                  m->n_drains, m->n_dlinks, m->n_two_way, m->max_active,
                  m->n_unlinks, m->n_sets, m->n_triggers, m->n_holds,
                  m->n_finalized, m->n_disposed);

  model_free (m);
}

static void
add_case (const Variant *variant,
          guint32        seed,
          gboolean       random_seed)
{
  Case *test_case = g_new0 (Case, 1);
  g_autofree char *path = NULL;

  test_case->variant = variant;
  test_case->seed = seed;
  test_case->random_seed = random_seed;

  if (random_seed)
    path = g_strdup_printf ("/Obs/Model/%s/random-seed", variant->name);
  else
    path = g_strdup_printf ("/Obs/Model/%s/seed-%u", variant->name, seed);

  g_test_add_data_func_full (path, test_case, test_model, g_free);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char **args = g_new0 (char *, argc + 2);
  const char *seed_text;
  guint64 seed = 0;
  int n_args = argc + 1;
  char **argp = args;

  /* One failing seed must not hide the others: keep going after a
   * failed case (the program still fails). */
  memcpy (args, argv, argc * sizeof (char *));
  args[argc] = (char *) "--keep-going";

  g_test_init (&n_args, &argp, NULL);

  seed_text = g_getenv ("OBS_MODEL_SEED");
  if (seed_text != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!g_ascii_string_to_unsigned (seed_text, 10, 0, G_MAXUINT32,
                                       &seed, &error))
        g_error ("OBS_MODEL_SEED: %s", error->message);
    }

  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    {
      if (seed_text != NULL)
        {
          add_case (&variants[i], (guint32) seed, FALSE);
          continue;
        }

      for (guint j = 0; j < G_N_ELEMENTS (fixed_seeds); j++)
        add_case (&variants[i], fixed_seeds[j], FALSE);

      /* Drawn seeds run with -m thorough only, so that CI stays
       * deterministic; replay one with OBS_MODEL_SEED. */
      if (g_test_thorough ())
        add_case (&variants[i], 0, TRUE);
    }

  return g_test_run ();
}
