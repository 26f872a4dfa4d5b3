/* bench.c: obs-glib against GBinding on the same objects, row by row
 *
 * Every row measures one way of keeping a property in sync twice, once
 * with an ObsBroker and once with g_object_bind_property(), in the same
 * process, and prints both figures and their ratio (obs-glib / GBinding).
 * Times are the median of several repetitions (three times as many for
 * the timed rows), each long enough (about 50 ms) for the clock to be
 * precise. obs-glib and GBinding repetitions alternate, and a timed
 * row's ratio is the median of the ratios of each pair, which a busy
 * machine disturbs less than either time.
 *
 * Each group of rows runs in a forked child so that a crash, a hang or a
 * leak in one group cannot spoil the others: the child sends its rows
 * through a pipe and the parent reports what it got, or how the child
 * died. GBinding chains run one more level down, one process per depth,
 * because a deep enough chain overflows the stack.
 *
 *   obs-bench [--quick] [--json PATH] [--reps N] [--min-ms MS]
 *             [--only GROUP,...] [--no-fork] [--list]
 *
 * Memory is measured with mallinfo2(), so GSlice must hand its blocks to
 * malloc: the program re-executes itself with G_SLICE=always-malloc when
 * it was not started with it. Under valgrind, set it yourself.
 *
 * A benchmark measures; it does not pass or fail on a time. The exit
 * status is 1 only when a group crashed, hung or propagated a wrong
 * value.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <obs-glib.h>

#ifndef BENCH_BUILDTYPE
# define BENCH_BUILDTYPE "unknown"
#endif

#define MAX_REPS 31

/* BenchThing ------------------------------------------------------------ */

/* The smallest object worth linking: one int property, "a", notified only
 * when its value changes, and a plain counter of those notifies so that
 * counting target writes costs nothing and adds no notify handler.
 */
#define BENCH_TYPE_THING (bench_thing_get_type ())

G_DECLARE_FINAL_TYPE (BenchThing, bench_thing, BENCH, THING, GObject)

struct _BenchThing
{
  GObject parent_instance;

  int     a;

  /* notifies of "a" emitted; written by the thread that sets "a" */
  guint   writes;
};

enum {
  THING_PROP_0,
  THING_PROP_A,
  THING_N_PROPS
};

static GParamSpec *thing_properties[THING_N_PROPS];

G_DEFINE_FINAL_TYPE (BenchThing, bench_thing, G_TYPE_OBJECT)

static void
bench_thing_set_a (BenchThing *self,
                   int         a)
{
  if (self->a == a)
    return;

  self->a = a;
  self->writes++;
  g_object_notify_by_pspec (G_OBJECT (self), thing_properties[THING_PROP_A]);
}

static void
bench_thing_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  BenchThing *self = BENCH_THING (object);

  switch (prop_id)
    {
    case THING_PROP_A:
      g_value_set_int (value, self->a);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bench_thing_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  BenchThing *self = BENCH_THING (object);

  switch (prop_id)
    {
    case THING_PROP_A:
      bench_thing_set_a (self, g_value_get_int (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bench_thing_class_init (BenchThingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = bench_thing_get_property;
  object_class->set_property = bench_thing_set_property;

  thing_properties[THING_PROP_A] =
    g_param_spec_int ("a", NULL, NULL, G_MININT, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                      G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, THING_N_PROPS,
                                     thing_properties);
}

static void
bench_thing_init (BenchThing *self)
{
}

static BenchThing *
bench_thing_new (void)
{
  return g_object_new (BENCH_TYPE_THING, NULL);
}

static BenchThing **
bench_things_new (guint n)
{
  BenchThing **things = g_new (BenchThing *, n);

  for (guint i = 0; i < n; i++)
    things[i] = bench_thing_new ();

  return things;
}

static void
bench_things_free (BenchThing **things,
                   guint        n)
{
  for (guint i = 0; i < n; i++)
    g_object_unref (things[i]);

  g_free (things);
}

/* Configuration --------------------------------------------------------- */

typedef struct
{
  gboolean quick;
  guint    reps;
  gint64   min_ns;          /* shortest repetition worth timing */
  guint    burst;           /* sets per burst */
  guint    fanout;          /* targets of one source */
  guint    chain[3];        /* chain lengths, in links */
  guint    max_depth;       /* deepest GBinding chain tried */
  guint    memory_links;
  guint    create_links;
  guint    n_threads;
  guint    thread_sets;     /* sets per thread */
} BenchConfig;

static BenchConfig config = {
  .quick = FALSE,
  .reps = 5,
  .min_ns = 50 * G_TIME_SPAN_MILLISECOND * 1000,
  .burst = 1000,
  .fanout = 10000,
  .chain = { 10000, 100000, 1000000 },
  .max_depth = 1000000,
  .memory_links = 100000,
  .create_links = 100000,
  .n_threads = 4,
  .thread_sets = 250000,
};

static void
config_make_quick (void)
{
  config.quick = TRUE;
  config.reps = 3;
  config.min_ns = 10 * G_TIME_SPAN_MILLISECOND * 1000;
  config.fanout = 1000;
  config.chain[0] = 1000;
  config.chain[1] = 10000;
  config.chain[2] = 100000;
  config.max_depth = 100000;
  config.memory_links = 10000;
  config.create_links = 10000;
  config.thread_sets = 25000;
}

/* Clocks, heap, logs ---------------------------------------------------- */

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);

  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

/* Bytes handed out by malloc, in all arenas. Blocks of 128 KiB and more
 * (the arrays of big hash tables) are mmapped and counted in hblkhd, not
 * in uordblks, so both are added.
 */
static gint64
heap_in_use (void)
{
  struct mallinfo2 info = mallinfo2 ();

  return (gint64) info.uordblks + (gint64) info.hblkhd;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (const double *samples,
        guint         n)
{
  double sorted[MAX_REPS];

  g_assert (n > 0 && n <= MAX_REPS);

  memcpy (sorted, samples, n * sizeof (double));
  qsort (sorted, n, sizeof (double), compare_doubles);

  if (n % 2 == 1)
    return sorted[n / 2];

  return (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/* Warnings and criticals seen in this process; only the first few are
 * printed, a broken row could log one per link. */
static gint n_logged;

static GLogWriterOutput
bench_log_writer (GLogLevelFlags   log_level,
                  const GLogField *fields,
                  gsize            n_fields,
                  gpointer         user_data)
{
  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL |
                   G_LOG_LEVEL_WARNING))
    {
      if (g_atomic_int_add (&n_logged, 1) >= 5)
        return G_LOG_WRITER_HANDLED;
    }

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/* Rows ------------------------------------------------------------------ */

enum {
  ROW_IMMEDIATE,
  ROW_QUEUED,
  ROW_BURST_TIME,
  ROW_BURST_WRITES,
  ROW_FANOUT,
  ROW_TWO_WAY_IMMEDIATE,
  ROW_TWO_WAY_QUEUED,
  ROW_CHAIN_0,
  ROW_CHAIN_1,
  ROW_CHAIN_2,
  ROW_CHAIN_DEPTH,
  ROW_MEMORY_ONE_WAY,
  ROW_MEMORY_TWO_WAY,
  ROW_CREATE_REMOVE,
  ROW_THREADS,
  N_ROWS
};

typedef enum
{
  GOAL_NONE,
  GOAL_AT_MOST,   /* obs / GBinding <= value */
  GOAL_OBS_EQUALS,      /* the obs-glib figure is exactly value */
  GOAL_SETTLES,         /* obs-glib finished with correct values */
} GoalKind;

typedef struct
{
  const char *id;
  const char *unit;
  GoalKind    goal;
  double      goal_value;
} RowSpec;

static const RowSpec row_specs[N_ROWS] = {
  [ROW_IMMEDIATE]         = { "immediate", "ns/set", GOAL_AT_MOST, 1.0 },
  [ROW_QUEUED]            = { "queued", "ns/set", GOAL_NONE, 0 },
  [ROW_BURST_TIME]        = { "burst-time", "us/burst", GOAL_AT_MOST, 0.1 },
  [ROW_BURST_WRITES]      = { "burst-writes", "writes", GOAL_OBS_EQUALS, 1.0 },
  [ROW_FANOUT]            = { "fanout", "ns/target", GOAL_AT_MOST, 1.0 },
  [ROW_TWO_WAY_IMMEDIATE] = { "two-way-immediate", "ns/set", GOAL_NONE, 0 },
  [ROW_TWO_WAY_QUEUED]    = { "two-way-queued", "ns/set", GOAL_NONE, 0 },
  [ROW_CHAIN_0]           = { "chain-small", "ms", GOAL_NONE, 0 },
  [ROW_CHAIN_1]           = { "chain-medium", "ms", GOAL_NONE, 0 },
  [ROW_CHAIN_2]           = { "chain-large", "ms", GOAL_SETTLES, 0 },
  [ROW_CHAIN_DEPTH]       = { "chain-depth", "links", GOAL_NONE, 0 },
  [ROW_MEMORY_ONE_WAY]    = { "memory-one-way", "B/link", GOAL_AT_MOST, 0.25 },
  [ROW_MEMORY_TWO_WAY]    = { "memory-two-way", "B/link", GOAL_AT_MOST, 0.25 },
  [ROW_CREATE_REMOVE]     = { "create-remove", "ns/link", GOAL_AT_MOST, 1.0 },
  [ROW_THREADS]           = { "threads", "sets/s", GOAL_NONE, 0 },
};

static void
row_title (guint  index,
           char  *buf,
           gsize  size)
{
  switch (index)
    {
    case ROW_IMMEDIATE:
      g_snprintf (buf, size, "one-way IMMEDIATE, per set");
      break;

    case ROW_QUEUED:
      g_snprintf (buf, size, "one-way queued, set + flush");
      break;

    case ROW_BURST_TIME:
      g_snprintf (buf, size, "burst of %u sets + flush, time", config.burst);
      break;

    case ROW_BURST_WRITES:
      g_snprintf (buf, size, "burst of %u sets + flush, target writes",
                  config.burst);
      break;

    case ROW_FANOUT:
      g_snprintf (buf, size, "fan-out to %u targets, set + flush",
                  config.fanout);
      break;

    case ROW_TWO_WAY_IMMEDIATE:
      g_snprintf (buf, size, "two-way IMMEDIATE, alternating sides");
      break;

    case ROW_TWO_WAY_QUEUED:
      g_snprintf (buf, size, "two-way queued, alternating, + flush");
      break;

    case ROW_CHAIN_0:
    case ROW_CHAIN_1:
    case ROW_CHAIN_2:
      g_snprintf (buf, size, "chain of %u links, set + flush",
                  config.chain[index - ROW_CHAIN_0]);
      break;

    case ROW_CHAIN_DEPTH:
      g_snprintf (buf, size, "chain: longest settled / GBinding crash");
      break;

    case ROW_MEMORY_ONE_WAY:
      g_snprintf (buf, size, "heap per one-way link (%u links)",
                  config.memory_links);
      break;

    case ROW_MEMORY_TWO_WAY:
      g_snprintf (buf, size, "heap per two-way link (%u links)",
                  config.memory_links);
      break;

    case ROW_CREATE_REMOVE:
      g_snprintf (buf, size, "make + unlink %u links", config.create_links);
      break;

    case ROW_THREADS:
      g_snprintf (buf, size, "%u threads x %u sets, main loop",
                  config.n_threads, config.thread_sets);
      break;

    default:
      g_assert_not_reached ();
    }
}

typedef struct
{
  /* NAN when not measured */
  double   obs;
  double   gbinding;

  /* shown instead of the number when not empty */
  char     obs_text[40];
  char     gbinding_text[40];

  /* obs / gbinding when both were timed repetition by repetition: the
   * median of the ratios of each pair of repetitions, which were run
   * back to back; NAN otherwise */
  double   paired_ratio;

  /* a propagated value was wrong, or a link could not be made */
  gboolean failed;

  char     note[360];
} RowResult;

enum {
  RECORD_BEGIN,
  RECORD_RESULT,
};

/* What a group's process sends to the parent, one write each; smaller
 * than PIPE_BUF, so writes are atomic. */
typedef struct
{
  int       kind;
  guint     index;
  char      phase[32];
  RowResult result;
} Record;

G_STATIC_ASSERT (sizeof (Record) <= PIPE_BUF);

typedef struct
{
  gboolean  done;
  RowResult result;

  /* the phase last announced for this row by its process */
  gboolean  begun;
  char      phase[32];

  char      status[64];
} RowState;

static RowState rows[N_ROWS];

/* the pipe to the parent, or -1 when groups run in this process */
static int report_fd = -1;

static int logged_at_last_report;

static void
row_result_init (RowResult *result)
{
  memset (result, 0, sizeof *result);
  result->obs = NAN;
  result->gbinding = NAN;
  result->paired_ratio = NAN;
}

static void
row_note (RowResult  *result,
          const char *format,
          ...) G_GNUC_PRINTF (2, 3);

static void
row_note (RowResult  *result,
          const char *format,
          ...)
{
  gsize len = strlen (result->note);
  va_list args;

  if (len > 0 && len + 2 < sizeof result->note)
    {
      strcat (result->note, "; ");
      len += 2;
    }

  va_start (args, format);
  g_vsnprintf (result->note + len, sizeof result->note - len, format, args);
  va_end (args);
}

static void
write_record (const Record *record)
{
  const char *data = (const char *) record;
  gsize left = sizeof *record;

  while (left > 0)
    {
      ssize_t n = write (report_fd, data, left);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;

      data += n;
      left -= n;
    }
}

/* Announces which row and which library is being measured, so that if
 * the process dies the parent can say where. */
static void
row_begin (guint       index,
           const char *phase)
{
  Record record = { RECORD_BEGIN, index, "", };

  g_strlcpy (record.phase, phase, sizeof record.phase);

  if (report_fd < 0)
    {
      rows[index].begun = TRUE;
      g_strlcpy (rows[index].phase, phase, sizeof rows[index].phase);
      return;
    }

  write_record (&record);
}

static void
row_report (guint      index,
            RowResult *result)
{
  Record record = { RECORD_RESULT, index, "", };
  int logged = g_atomic_int_get (&n_logged);

  if (logged > logged_at_last_report)
    row_note (result, "%d warnings/criticals logged",
              logged - logged_at_last_report);
  logged_at_last_report = logged;

  if (report_fd < 0)
    {
      rows[index].done = TRUE;
      rows[index].result = *result;
      return;
    }

  record.result = *result;
  write_record (&record);
}

/* Repeated measurements ------------------------------------------------- */

typedef void (*BenchFunc) (gpointer data,
                           guint    n);

typedef struct
{
  BenchFunc func;
  gpointer  data;

  /* units of work in one call of func, e.g. targets written */
  double    units_per_call;

  /* calls per repetition, from the calibration */
  guint     n;

  double    samples[MAX_REPS];
} Measure;

static gint64
measure_time (Measure *m,
              guint    n)
{
  gint64 start = now_ns ();

  m->func (m->data, n);

  return MAX (now_ns () - start, 1);
}

/* Finds how many calls take at least config.min_ns; the runs it makes
 * also warm the caches. */
static void
measure_calibrate (Measure *m)
{
  guint n = 1;

  for (;;)
    {
      gint64 t = measure_time (m, n);
      double wanted;

      if (t >= config.min_ns || n >= (1u << 28))
        break;

      wanted = (double) n * (double) config.min_ns * 1.1 / (double) t;
      n = (guint) CLAMP (wanted + 1, (double) n * 2, (double) n * 16);
    }

  m->n = n;
}

/* Timed rows are short and noisy, so they take three times the
 * repetitions of the others. */
static guint
timed_reps (void)
{
  return MIN (3 * config.reps, MAX_REPS);
}

/* Calibrates every measure, then runs their repetitions in turn so that
 * a slow moment of the machine hits all alike. Returns the medians, in ns
 * per unit of work.
 */
static void
measure_many (Measure **measures,
              guint     n_measures,
              double   *medians)
{
  for (guint i = 0; i < n_measures; i++)
    measure_calibrate (measures[i]);

  for (guint r = 0; r < timed_reps (); r++)
    {
      for (guint i = 0; i < n_measures; i++)
        {
          Measure *m = measures[i];

          m->samples[r] = (double) measure_time (m, m->n) /
                          (m->n * m->units_per_call);
        }
    }

  for (guint i = 0; i < n_measures; i++)
    medians[i] = median (measures[i]->samples, timed_reps ());
}

/* The median over repetitions of a's time divided by b's, measured in
 * the same round by measure_many(). A slow moment of a shared machine
 * hits both sides of one pair, so this moves less between runs than the
 * ratio of the two medians. */
static double
paired_ratio (const Measure *a,
              const Measure *b)
{
  double ratios[MAX_REPS];

  for (guint r = 0; r < timed_reps (); r++)
    ratios[r] = a->samples[r] / b->samples[r];

  return median (ratios, timed_reps ());
}

/* measure_many() for obs-glib and GBinding: fills in result's figures
 * and paired ratio. */
static void
measure_pair (Measure   *obs,
              Measure   *gbinding,
              RowResult *result)
{
  Measure *measures[2] = { obs, gbinding };
  double medians[2];

  measure_many (measures, 2, medians);

  result->obs = medians[0];
  result->gbinding = medians[1];
  result->paired_ratio = paired_ratio (obs, gbinding);
}

/* Two objects and the sets between them --------------------------------- */

typedef struct
{
  BenchThing *source;
  BenchThing *target;

  /* NULL for GBinding; flushed after every sets_per_call sets */
  ObsBroker  *broker;

  guint       sets_per_call;

  /* set target and source in turn (two-way rows) */
  gboolean    alternate;

  /* the last value set; every set writes a new one */
  int         value;

  /* sum of what obs_broker_flush() returned */
  guint64     propagations;
} PairBench;

static void
run_pair (gpointer data,
          guint    n)
{
  PairBench *b = data;

  for (guint i = 0; i < n; i++)
    {
      for (guint j = 0; j < b->sets_per_call; j++)
        {
          BenchThing *thing = b->source;

          b->value++;
          if (b->alternate && (b->value & 1))
            thing = b->target;

          bench_thing_set_a (thing, b->value);
        }

      if (b->broker != NULL)
        b->propagations += obs_broker_flush (b->broker);
    }
}

static gboolean
pair_init_obs (PairBench    *b,
               ObsBroker    *broker,
               ObsLinkFlags  flags,
               gboolean      two_way,
               gboolean      flush,
               RowResult    *result)
{
  g_autoptr(GError) error = NULL;
  ObsLink *link;

  memset (b, 0, sizeof *b);
  b->source = bench_thing_new ();
  b->target = bench_thing_new ();
  b->broker = flush ? broker : NULL;
  b->sets_per_call = 1;
  b->alternate = two_way;

  if (two_way)
    link = obs_broker_link (broker, G_OBJECT (b->source), "a",
                            G_OBJECT (b->target), "a", flags, &error);
  else
    link = obs_broker_dlink (broker, G_OBJECT (b->source), "a",
                             G_OBJECT (b->target), "a", flags, &error);

  if (link == NULL)
    {
      result->failed = TRUE;
      g_strlcpy (result->obs_text, "no link", sizeof result->obs_text);
      row_note (result, "obs-glib: %s", error->message);
      return FALSE;
    }

  return TRUE;
}

static void
pair_init_gbinding (PairBench     *b,
                    GBindingFlags  flags)
{
  memset (b, 0, sizeof *b);
  b->source = bench_thing_new ();
  b->target = bench_thing_new ();
  b->sets_per_call = 1;
  b->alternate = (flags & G_BINDING_BIDIRECTIONAL) != 0;

  g_object_bind_property (b->source, "a", b->target, "a", flags);
}

static void
pair_clear (PairBench *b)
{
  g_clear_object (&b->source);
  g_clear_object (&b->target);
}

/* Checks that both ends hold the last value set. */
static void
pair_check (PairBench  *b,
            const char *library,
            RowResult  *result)
{
  if (b->source == NULL)
    return;

  if (b->source->a == b->value && b->target->a == b->value)
    return;

  result->failed = TRUE;
  row_note (result, "%s: WRONG VALUE, set %d, source %d, target %d",
            library, b->value, b->source->a, b->target->a);
}

/* Measures obs-glib against GBinding on one pair each. */
static void
pair_row (guint          index,
          ObsLinkFlags   obs_flags,
          gboolean       two_way,
          gboolean       flush,
          RowResult     *result)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  PairBench obs;
  PairBench gbinding;
  Measure obs_m = { run_pair, &obs, 1, };
  Measure gbinding_m = { run_pair, &gbinding, 1, };

  row_begin (index, "obs-glib");
  if (!pair_init_obs (&obs, broker, obs_flags, two_way, flush, result))
    {
      pair_clear (&obs);
      obs_m.func = NULL;
    }

  pair_init_gbinding (&gbinding,
                      two_way ? G_BINDING_BIDIRECTIONAL : G_BINDING_DEFAULT);

  row_begin (index, "both");
  if (obs_m.func != NULL)
    {
      measure_pair (&obs_m, &gbinding_m, result);
    }
  else
    {
      Measure *measures[1] = { &gbinding_m };

      measure_many (measures, 1, &result->gbinding);
    }

  if (flush && obs.source != NULL && obs.propagations != (guint64) obs.value)
    row_note (result, "obs-glib: flush reported %" G_GUINT64_FORMAT
              " propagations for %d flushes",
              obs.propagations, obs.value);

  pair_check (&obs, "obs-glib", result);
  pair_check (&gbinding, "GBinding", result);

  pair_clear (&obs);
  pair_clear (&gbinding);
}

/* Groups ---------------------------------------------------------------- */

static void
group_immediate (void)
{
  RowResult result;

  row_result_init (&result);
  pair_row (ROW_IMMEDIATE, OBS_LINK_IMMEDIATE, FALSE, FALSE, &result);
  row_report (ROW_IMMEDIATE, &result);
}

static void
group_queued (void)
{
  RowResult result;

  row_result_init (&result);
  pair_row (ROW_QUEUED, OBS_LINK_DEFAULT, FALSE, TRUE, &result);
  row_note (&result, "GBinding has no queue: its figure is a plain set");
  row_report (ROW_QUEUED, &result);
}

static void
group_two_way (void)
{
  RowResult result;

  row_result_init (&result);
  pair_row (ROW_TWO_WAY_IMMEDIATE, OBS_LINK_IMMEDIATE, TRUE, FALSE, &result);
  row_note (&result, "vs G_BINDING_BIDIRECTIONAL");
  row_report (ROW_TWO_WAY_IMMEDIATE, &result);

  row_result_init (&result);
  pair_row (ROW_TWO_WAY_QUEUED, OBS_LINK_DEFAULT, TRUE, TRUE, &result);
  row_note (&result, "vs G_BINDING_BIDIRECTIONAL, which has no queue");
  row_report (ROW_TWO_WAY_QUEUED, &result);
}

static void
empty_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
}

static void
group_burst (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  RowResult result;
  RowResult writes;
  PairBench obs;
  PairBench gbinding;
  PairBench floor = { bench_thing_new (), NULL, NULL, config.burst, };
  Measure obs_m = { run_pair, &obs, 1, };
  Measure gbinding_m = { run_pair, &gbinding, 1, };
  Measure floor_m = { run_pair, &floor, 1, };
  Measure *measures[] = { &obs_m, &gbinding_m, &floor_m };
  double medians[G_N_ELEMENTS (measures)];
  guint obs_writes;
  guint gbinding_writes;

  row_result_init (&result);
  row_result_init (&writes);

  row_begin (ROW_BURST_TIME, "obs-glib");
  if (!pair_init_obs (&obs, broker, OBS_LINK_DEFAULT, FALSE, TRUE, &result))
    {
      pair_clear (&obs);
      g_object_unref (floor.source);
      row_report (ROW_BURST_TIME, &result);
      row_report (ROW_BURST_WRITES, &result);
      return;
    }
  obs.sets_per_call = config.burst;

  pair_init_gbinding (&gbinding, G_BINDING_DEFAULT);
  gbinding.sets_per_call = config.burst;

  /* One burst of each, counted on its own. */
  row_begin (ROW_BURST_WRITES, "both");
  obs.target->writes = 0;
  run_pair (&obs, 1);
  obs_writes = obs.target->writes;

  gbinding.target->writes = 0;
  run_pair (&gbinding, 1);
  gbinding_writes = gbinding.target->writes;

  writes.obs = obs_writes;
  writes.gbinding = gbinding_writes;
  if (obs.propagations != obs_writes)
    row_note (&writes, "obs_broker_flush() returned %" G_GUINT64_FORMAT,
              obs.propagations);
  pair_check (&obs, "obs-glib", &writes);
  pair_check (&gbinding, "GBinding", &writes);
  row_report (ROW_BURST_WRITES, &writes);

  /* For comparison: the same sets on an object whose "notify" has one
   * handler that does nothing. A queue that took every notify could not
   * cost less per set; obs-glib holds the source's notifications back
   * after the second set of a burst instead. */
  g_signal_connect (floor.source, "notify", G_CALLBACK (empty_notify),
                    NULL);

  row_begin (ROW_BURST_TIME, "both");
  measure_many (measures, G_N_ELEMENTS (measures), medians);

  /* ns per burst, shown in microseconds */
  result.obs = medians[0] / 1000;
  result.gbinding = medians[1] / 1000;
  result.paired_ratio = paired_ratio (&obs_m, &gbinding_m);
  row_note (&result, "per set: obs-glib %.1f ns, GBinding %.1f ns",
            medians[0] / config.burst, medians[1] / config.burst);
  row_note (&result, "a set with one empty notify handler costs %.1f ns, "
            "%.2f of GBinding's", medians[2] / config.burst,
            medians[2] / medians[1]);
  pair_check (&obs, "obs-glib", &result);
  pair_check (&gbinding, "GBinding", &result);
  row_report (ROW_BURST_TIME, &result);

  pair_clear (&obs);
  pair_clear (&gbinding);
  g_object_unref (floor.source);
}

static void
fanout_check (BenchThing  *source,
              BenchThing **targets,
              guint        n,
              const char  *library,
              RowResult   *result)
{
  for (guint i = 0; i < n; i++)
    {
      if (targets[i]->a != source->a)
        {
          result->failed = TRUE;
          row_note (result, "%s: WRONG VALUE at target %u: %d, source %d",
                    library, i, targets[i]->a, source->a);
          return;
        }
    }
}

static void
group_fanout (void)
{
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  guint n = config.fanout;
  BenchThing **obs_targets = bench_things_new (n);
  BenchThing **gbinding_targets = bench_things_new (n);
  GBinding **bindings = g_new (GBinding *, n);
  ObsLink **links = g_new0 (ObsLink *, n);
  PairBench obs = { bench_thing_new (), obs_targets[0], broker, 1, };
  PairBench gbinding = { bench_thing_new (), gbinding_targets[0], NULL, 1, };
  Measure obs_m = { run_pair, &obs, n, };
  Measure gbinding_m = { run_pair, &gbinding, n, };
  RowResult result;
  gint64 start;
  gint64 obs_make;
  gint64 gbinding_make;
  gint64 obs_unlink;
  gint64 gbinding_unbind;

  row_result_init (&result);

  row_begin (ROW_FANOUT, "obs-glib: linking");
  start = now_ns ();
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;

      links[i] = obs_broker_dlink (broker, G_OBJECT (obs.source), "a",
                                   G_OBJECT (obs_targets[i]), "a",
                                   OBS_LINK_DEFAULT, &error);
      if (links[i] == NULL)
        {
          result.failed = TRUE;
          row_note (&result, "obs-glib: %s", error->message);
          break;
        }
    }
  obs_make = now_ns () - start;

  row_begin (ROW_FANOUT, "GBinding: binding");
  start = now_ns ();
  for (guint i = 0; i < n; i++)
    bindings[i] = g_object_bind_property (gbinding.source, "a",
                                          gbinding_targets[i], "a",
                                          G_BINDING_DEFAULT);
  gbinding_make = now_ns () - start;

  row_begin (ROW_FANOUT, "both");
  measure_pair (&obs_m, &gbinding_m, &result);

  fanout_check (obs.source, obs_targets, n, "obs-glib", &result);
  fanout_check (gbinding.source, gbinding_targets, n, "GBinding", &result);
  if (obs.propagations != (guint64) obs.value * n)
    row_note (&result, "obs-glib: flush reported %" G_GUINT64_FORMAT
              " propagations for %" G_GUINT64_FORMAT " expected",
              obs.propagations, (guint64) obs.value * n);

  /* Tearing down one link at a time, oldest first. */
  row_begin (ROW_FANOUT, "obs-glib: unlinking");
  start = now_ns ();
  for (guint i = 0; i < n && links[i] != NULL; i++)
    obs_link_unlink (links[i]);
  obs_unlink = now_ns () - start;

  row_begin (ROW_FANOUT, "GBinding: unbinding");
  start = now_ns ();
  for (guint i = 0; i < n; i++)
    g_binding_unbind (bindings[i]);
  gbinding_unbind = now_ns () - start;

  row_note (&result, "making the %u links: obs-glib %.1f ms, GBinding %.1f ms",
            n, obs_make / 1e6, gbinding_make / 1e6);
  row_note (&result, "unlinking them one by one: obs-glib %.1f ms, "
            "GBinding %.1f ms",
            obs_unlink / 1e6, gbinding_unbind / 1e6);
  row_report (ROW_FANOUT, &result);

  g_object_unref (obs.source);
  g_object_unref (gbinding.source);
  bench_things_free (obs_targets, n);
  bench_things_free (gbinding_targets, n);
  g_free (bindings);
  g_free (links);
}

/* Chains ---------------------------------------------------------------- */

/* Builds a GBinding chain of depth links, times reps settles and returns
 * the median in ns, or -1 if the end of the chain got a wrong value. Runs
 * in a process of its own: deep chains overflow the stack.
 */
static double
gbinding_chain_settle (guint depth,
                       guint reps)
{
  BenchThing **things = bench_things_new (depth + 1);
  double samples[MAX_REPS];

  for (guint i = 0; i < depth; i++)
    g_object_bind_property (things[i], "a", things[i + 1], "a",
                            G_BINDING_DEFAULT);

  for (guint r = 0; r < reps; r++)
    {
      gint64 start = now_ns ();

      bench_thing_set_a (things[0], r + 1);
      samples[r] = now_ns () - start;

      if (things[depth]->a != (int) r + 1)
        return -1;
    }

  return median (samples, reps);
}

/* Returns TRUE with *ns set when the chain settled, FALSE with *signal set
 * (0 for an exit without a result) when its process died. */
static gboolean
gbinding_chain_in_child (guint   depth,
                         guint   reps,
                         double *ns,
                         int    *signal)
{
  int fds[2];
  pid_t pid;
  double value = -1;
  ssize_t got = 0;
  int status = 0;

  *signal = 0;

  if (pipe (fds) != 0)
    return FALSE;

  fflush (stdout);
  fflush (stderr);

  pid = fork ();
  if (pid < 0)
    {
      close (fds[0]);
      close (fds[1]);
      return FALSE;
    }

  if (pid == 0)
    {
      struct rlimit no_core = { 0, 0 };

      close (fds[0]);
      setrlimit (RLIMIT_CORE, &no_core);
      alarm (120);

      value = gbinding_chain_settle (depth, reps);
      if (write (fds[1], &value, sizeof value) != sizeof value)
        _exit (2);

      /* no teardown: the process is about to go */
      _exit (0);
    }

  close (fds[1]);
  do
    got = read (fds[0], &value, sizeof value);
  while (got < 0 && errno == EINTR);
  close (fds[0]);

  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;

  if (WIFSIGNALED (status))
    {
      *signal = WTERMSIG (status);
      return FALSE;
    }

  if (got != sizeof value || value < 0)
    return FALSE;

  *ns = value;

  return TRUE;
}

/* Finds roughly the shortest GBinding chain that crashes: doubles the
 * depth until it does, then narrows down to within 5%. Returns 0 when
 * every depth up to config.max_depth settled. */
static guint
gbinding_crash_depth (guint *settled,
                      int   *crash_signal)
{
  static const guint depths[] = {
    1000, 2000, 5000, 10000, 20000, 50000,
    100000, 200000, 500000, 1000000,
  };
  guint ok = 0;
  guint crash = 0;
  double ns;
  int signal;

  for (guint i = 0; i < G_N_ELEMENTS (depths); i++)
    {
      if (depths[i] > config.max_depth)
        break;

      if (gbinding_chain_in_child (depths[i], 1, &ns, &signal))
        {
          ok = depths[i];
          continue;
        }

      crash = depths[i];
      *crash_signal = signal;
      break;
    }

  while (crash != 0 && crash - ok > MAX (ok / 20, 100))
    {
      guint middle = ok + (crash - ok) / 2;

      if (gbinding_chain_in_child (middle, 1, &ns, &signal))
        {
          ok = middle;
        }
      else
        {
          crash = middle;
          *crash_signal = signal;
        }
    }

  *settled = ok;

  return crash;
}

/* Builds an obs-glib chain of n links and times reps settles. */
static void
obs_chain_row (guint      n,
               RowResult *result)
{
  g_autoptr(ObsBroker) broker = NULL;
  BenchThing **things = NULL;
  double samples[MAX_REPS];
  guint n_samples;
  gint64 heap_before;
  gint64 heap_after;
  gint64 start;
  gint64 build;
  gint64 teardown;

  things = bench_things_new (n + 1);
  broker = obs_broker_new ();

  heap_before = heap_in_use ();
  start = now_ns ();
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;

      if (obs_broker_dlink (broker, G_OBJECT (things[i]), "a",
                            G_OBJECT (things[i + 1]), "a",
                            OBS_LINK_DEFAULT, &error) == NULL)
        {
          result->failed = TRUE;
          g_strlcpy (result->obs_text, "no link", sizeof result->obs_text);
          row_note (result, "obs-glib: link %u: %s", i, error->message);
          goto out;
        }
    }
  build = now_ns () - start;
  heap_after = heap_in_use ();

  for (n_samples = 0; n_samples < config.reps; n_samples++)
    {
      int value = n_samples + 1;
      guint count;

      start = now_ns ();
      bench_thing_set_a (things[0], value);
      count = obs_broker_flush (broker);
      samples[n_samples] = now_ns () - start;

      if (things[n]->a != value || count != n)
        {
          result->failed = TRUE;
          row_note (result, "obs-glib: WRONG, end of chain %d, expected %d, "
                    "flush returned %u for %u links",
                    things[n]->a, value, count, n);
          break;
        }
    }

  if (n_samples > 0)
    result->obs = median (samples, n_samples) / 1e6;

  start = now_ns ();
  g_clear_object (&broker);
  teardown = now_ns () - start;

  row_note (result, "obs-glib: linking %.0f ms (%.0f B/link), "
            "broker unref %.0f ms",
            build / 1e6, (double) (heap_after - heap_before) / n,
            teardown / 1e6);

out:
  g_clear_object (&broker);
  bench_things_free (things, n + 1);
}

static void
group_chain (void)
{
  RowResult depth_result;
  struct rlimit stack;
  guint settled = 0;
  guint crash;
  int crash_signal = 0;
  guint longest = 0;
  char limit[32];

  getrlimit (RLIMIT_STACK, &stack);

  row_result_init (&depth_result);
  row_begin (ROW_CHAIN_DEPTH, "GBinding: crash search");
  crash = gbinding_crash_depth (&settled, &crash_signal);

  for (guint c = 0; c < G_N_ELEMENTS (config.chain); c++)
    {
      guint index = ROW_CHAIN_0 + c;
      guint n = config.chain[c];
      RowResult result;
      double ns;
      int signal = 0;

      row_result_init (&result);

      row_begin (index, "GBinding");
      if (crash != 0 && n >= crash)
        {
          g_strlcpy (result.gbinding_text, "stack overflow",
                     sizeof result.gbinding_text);
        }
      else if (gbinding_chain_in_child (n, config.reps, &ns, &signal))
        {
          result.gbinding = ns / 1e6;
        }
      else
        {
          g_snprintf (result.gbinding_text, sizeof result.gbinding_text,
                      "crash (%s)",
                      signal != 0 ? g_strsignal (signal) : "no result");
        }

      row_begin (index, "obs-glib");
      obs_chain_row (n, &result);
      if (!result.failed)
        longest = n;

      row_report (index, &result);
    }

  depth_result.obs = longest;
  g_snprintf (depth_result.obs_text, sizeof depth_result.obs_text,
              "%u settles", longest);
  if (stack.rlim_cur == RLIM_INFINITY)
    g_strlcpy (limit, "unlimited", sizeof limit);
  else
    g_snprintf (limit, sizeof limit, "%lu KiB",
                (unsigned long) stack.rlim_cur / 1024);

  if (crash != 0)
    {
      depth_result.gbinding = crash;
      row_note (&depth_result,
                "GBinding chain of %u links crashed (%s), %u settled; "
                "stack limit %s",
                crash, g_strsignal (crash_signal), settled, limit);
    }
  else
    {
      g_snprintf (depth_result.gbinding_text,
                  sizeof depth_result.gbinding_text,
                  "no crash up to %u", settled);
    }
  row_report (ROW_CHAIN_DEPTH, &depth_result);
}

/* Memory ---------------------------------------------------------------- */

typedef enum
{
  KIND_OBS_ONE_WAY,
  KIND_OBS_TWO_WAY,
  KIND_GBINDING_ONE_WAY,
  KIND_GBINDING_TWO_WAY,
  N_KINDS
} LinkKind;

static gpointer
make_link (LinkKind    kind,
           ObsBroker  *broker,
           BenchThing *source,
           BenchThing *target)
{
  switch (kind)
    {
    case KIND_OBS_ONE_WAY:
      return obs_broker_dlink (broker, G_OBJECT (source), "a",
                               G_OBJECT (target), "a",
                               OBS_LINK_DEFAULT, NULL);

    case KIND_OBS_TWO_WAY:
      return obs_broker_link (broker, G_OBJECT (source), "a",
                              G_OBJECT (target), "a",
                              OBS_LINK_DEFAULT, NULL);

    case KIND_GBINDING_ONE_WAY:
      return g_object_bind_property (source, "a", target, "a",
                                     G_BINDING_DEFAULT);

    case KIND_GBINDING_TWO_WAY:
      return g_object_bind_property (source, "a", target, "a",
                                     G_BINDING_BIDIRECTIONAL);

    default:
      g_assert_not_reached ();
    }
}

static void
remove_link (LinkKind kind,
             gpointer link)
{
  if (link == NULL)
    return;

  if (kind == KIND_OBS_ONE_WAY || kind == KIND_OBS_TWO_WAY)
    obs_link_unlink (link);
  else
    g_binding_unbind (link);
}

/* Heap growth per link while n links exist between 2n objects made
 * beforehand. Returns a negative number if a link could not be made. */
static double
memory_per_link (LinkKind kind,
                 guint    n)
{
  BenchThing **things = bench_things_new (2 * n);
  gpointer *links = g_new0 (gpointer, n);
  ObsBroker *broker = NULL;
  gboolean ok = TRUE;
  gint64 before;
  gint64 after;

  if (kind == KIND_OBS_ONE_WAY || kind == KIND_OBS_TWO_WAY)
    broker = obs_broker_new ();

  before = heap_in_use ();
  for (guint i = 0; i < n; i++)
    {
      links[i] = make_link (kind, broker, things[2 * i], things[2 * i + 1]);
      ok = ok && links[i] != NULL;
    }
  after = heap_in_use ();

  for (guint i = 0; i < n; i++)
    remove_link (kind, links[i]);

  g_clear_object (&broker);
  g_free (links);
  bench_things_free (things, 2 * n);

  return ok ? (double) (after - before) / n : -1;
}

static void
hook_notify (GObject    *object,
             GParamSpec *pspec,
             gpointer    user_data)
{
}

static void
hook_closure_destroyed (gpointer  data,
                        GClosure *closure)
{
}

static void
hook_weak_notify (gpointer  data,
                  GObject  *where_the_object_was)
{
}

/* What GLib alone charges for what a broker needs of each linked pair
 * of objects: one "notify" handler with data and a destroy notify on each
 * end that propagates, and one weak reference on each end to know when it
 * goes. Measured like memory_per_link(). */
static double
memory_hooks_per_link (gboolean two_way,
                       guint    n)
{
  BenchThing **things = bench_things_new (2 * n);
  gint64 before;
  gint64 after;

  before = heap_in_use ();
  for (guint i = 0; i < 2 * n; i++)
    {
      if (i % 2 == 0 || two_way)
        g_signal_connect_data (things[i], "notify", G_CALLBACK (hook_notify),
                               things[i], hook_closure_destroyed, 0);
      g_object_weak_ref (G_OBJECT (things[i]), hook_weak_notify, NULL);
    }
  after = heap_in_use ();

  for (guint i = 0; i < 2 * n; i++)
    {
      g_signal_handlers_disconnect_by_func (things[i], hook_notify, things[i]);
      g_object_weak_unref (G_OBJECT (things[i]), hook_weak_notify, NULL);
    }

  bench_things_free (things, 2 * n);

  return (double) (after - before) / n;
}

static void
group_memory (void)
{
  double samples[N_KINDS][MAX_REPS];
  double per_link[N_KINDS];
  double hooks[2];
  const char *names[N_KINDS] = {
    "obs-glib one-way", "obs-glib two-way",
    "GBinding one-way", "GBinding two-way",
  };

  /* Class initialisation and first-use tables are not per link. */
  for (guint k = 0; k < N_KINDS; k++)
    memory_per_link (k, 16);

  for (guint r = 0; r < config.reps; r++)
    {
      for (guint k = 0; k < N_KINDS; k++)
        {
          row_begin (k == KIND_OBS_TWO_WAY || k == KIND_GBINDING_TWO_WAY
                       ? ROW_MEMORY_TWO_WAY : ROW_MEMORY_ONE_WAY,
                     names[k]);
          samples[k][r] = memory_per_link (k, config.memory_links);
        }
    }

  for (guint k = 0; k < N_KINDS; k++)
    per_link[k] = median (samples[k], config.reps);

  row_begin (ROW_MEMORY_ONE_WAY, "GLib hooks");
  hooks[0] = memory_hooks_per_link (FALSE, config.memory_links);
  row_begin (ROW_MEMORY_TWO_WAY, "GLib hooks");
  hooks[1] = memory_hooks_per_link (TRUE, config.memory_links);

  for (guint w = 0; w < 2; w++)
    {
      guint index = w == 0 ? ROW_MEMORY_ONE_WAY : ROW_MEMORY_TWO_WAY;
      LinkKind obs_kind = w == 0 ? KIND_OBS_ONE_WAY : KIND_OBS_TWO_WAY;
      LinkKind gbinding_kind = w == 0 ? KIND_GBINDING_ONE_WAY
                                      : KIND_GBINDING_TWO_WAY;
      RowResult result;

      row_result_init (&result);
      result.obs = per_link[obs_kind];
      result.gbinding = per_link[gbinding_kind];

      if (result.obs < 0)
        {
          result.failed = TRUE;
          result.obs = NAN;
          g_strlcpy (result.obs_text, "no link", sizeof result.obs_text);
        }

      row_note (&result, "mallinfo2 uordblks + hblkhd, G_SLICE=%s",
                g_getenv ("G_SLICE") ? g_getenv ("G_SLICE") : "(unset)");
      row_note (&result, "GLib alone: %s and a weak reference per object "
                "cost %.0f B a pair, %.2f of GBinding's",
                w == 0 ? "a notify handler on the source"
                       : "a notify handler on each end",
                hooks[w], hooks[w] / result.gbinding);
      row_report (index, &result);
    }
}

/* Making and removing links --------------------------------------------- */

typedef struct
{
  LinkKind     kind;
  ObsBroker   *broker;
  BenchThing **things;
  gpointer    *links;
  guint        n;

  gboolean     failed;
  gint64       make_ns;
  gint64       remove_ns;
  guint64      calls;
} CreateBench;

static void
run_create_remove (gpointer data,
                   guint    n)
{
  CreateBench *b = data;

  for (guint k = 0; k < n; k++)
    {
      gint64 start = now_ns ();
      gint64 middle;

      for (guint i = 0; i < b->n; i++)
        b->links[i] = make_link (b->kind, b->broker,
                                 b->things[2 * i], b->things[2 * i + 1]);

      middle = now_ns ();

      for (guint i = 0; i < b->n; i++)
        {
          if (b->links[i] == NULL)
            b->failed = TRUE;
          remove_link (b->kind, b->links[i]);
        }

      b->make_ns += middle - start;
      b->remove_ns += now_ns () - middle;
      b->calls++;
    }
}

static void
group_create_remove (void)
{
  guint n = config.create_links;
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  CreateBench obs = {
    KIND_OBS_ONE_WAY, broker, bench_things_new (2 * n),
    g_new0 (gpointer, n), n,
  };
  CreateBench gbinding = {
    KIND_GBINDING_ONE_WAY, NULL, bench_things_new (2 * n),
    g_new0 (gpointer, n), n,
  };
  Measure obs_m = { run_create_remove, &obs, n, };
  Measure gbinding_m = { run_create_remove, &gbinding, n, };
  RowResult result;

  row_result_init (&result);

  row_begin (ROW_CREATE_REMOVE, "both");
  measure_pair (&obs_m, &gbinding_m, &result);

  if (obs.failed)
    {
      result.failed = TRUE;
      row_note (&result, "obs-glib: a link could not be made");
    }

  row_note (&result, "make/remove per link: obs-glib %.0f/%.0f ns, "
            "GBinding %.0f/%.0f ns",
            (double) obs.make_ns / (obs.calls * n),
            (double) obs.remove_ns / (obs.calls * n),
            (double) gbinding.make_ns / (gbinding.calls * n),
            (double) gbinding.remove_ns / (gbinding.calls * n));
  row_report (ROW_CREATE_REMOVE, &result);

  bench_things_free (obs.things, 2 * n);
  bench_things_free (gbinding.things, 2 * n);
  g_free (obs.links);
  g_free (gbinding.links);
}

/* Threads --------------------------------------------------------------- */

typedef struct
{
  BenchThing *source;
  int         first;
  guint       sets;

  /* shared: workers still running */
  gint       *running;
} Worker;

static gpointer
worker_run (gpointer data)
{
  Worker *w = data;

  for (guint i = 0; i < w->sets; i++)
    bench_thing_set_a (w->source, w->first + (int) i);

  g_atomic_int_dec_and_test (w->running);
  g_main_context_wakeup (NULL);

  return NULL;
}

/* One repetition: every worker sets its source, the main thread runs the
 * default main context until they are done, then settles the broker.
 * Returns the elapsed ns; checks every target. */
static gint64
threads_run (BenchThing **sources,
             BenchThing **targets,
             ObsBroker   *broker,
             int          first,
             const char  *library,
             RowResult   *result)
{
  guint n = config.n_threads;
  g_autofree GThread **threads = g_new0 (GThread *, n);
  g_autofree Worker *workers = g_new0 (Worker, n);
  gint running = n;
  gint64 start;
  gint64 elapsed;
  int last = first + (int) config.thread_sets - 1;

  start = now_ns ();

  for (guint i = 0; i < n; i++)
    {
      workers[i].source = sources[i];
      workers[i].first = first;
      workers[i].sets = config.thread_sets;
      workers[i].running = &running;
      threads[i] = g_thread_new ("bench-worker", worker_run, &workers[i]);
    }

  while (g_atomic_int_get (&running) > 0)
    g_main_context_iteration (NULL, TRUE);

  for (guint i = 0; i < n; i++)
    g_thread_join (threads[i]);

  if (broker != NULL)
    obs_broker_flush (broker);

  elapsed = now_ns () - start;

  for (guint i = 0; i < n; i++)
    {
      if (sources[i]->a != last || targets[i]->a != last)
        {
          if (!result->failed)
            row_note (result, "%s: WRONG VALUE, thread %u: source %d, "
                      "target %d, expected %d",
                      library, i, sources[i]->a, targets[i]->a, last);
          result->failed = TRUE;
        }
    }

  return elapsed;
}

static void
group_threads (void)
{
  guint n = config.n_threads;
  g_autoptr(ObsBroker) broker = obs_broker_new ();
  BenchThing **obs_sources = bench_things_new (n);
  BenchThing **obs_targets = bench_things_new (n);
  BenchThing **gbinding_sources = bench_things_new (n);
  BenchThing **gbinding_targets = bench_things_new (n);
  double obs_samples[MAX_REPS];
  double gbinding_samples[MAX_REPS];
  double total = (double) n * config.thread_sets;
  guint obs_writes = 0;
  RowResult result;

  row_result_init (&result);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;

      if (obs_broker_dlink (broker, G_OBJECT (obs_sources[i]), "a",
                            G_OBJECT (obs_targets[i]), "a",
                            OBS_LINK_DEFAULT, &error) == NULL)
        {
          result.failed = TRUE;
          row_note (&result, "obs-glib: %s", error->message);
        }

      g_object_bind_property (gbinding_sources[i], "a",
                              gbinding_targets[i], "a", G_BINDING_DEFAULT);
    }

  for (guint r = 0; r < config.reps; r++)
    {
      int first = 1 + (int) (r * config.thread_sets);

      for (guint i = 0; i < n; i++)
        obs_targets[i]->writes = 0;

      row_begin (ROW_THREADS, "obs-glib");
      obs_samples[r] = total * 1e9 / threads_run (obs_sources, obs_targets,
                                                  broker, first,
                                                  "obs-glib", &result);

      for (guint i = 0; i < n; i++)
        obs_writes += obs_targets[i]->writes;

      row_begin (ROW_THREADS, "GBinding");
      gbinding_samples[r] = total * 1e9 / threads_run (gbinding_sources,
                                                       gbinding_targets,
                                                       NULL, first,
                                                       "GBinding", &result);
    }

  result.obs = median (obs_samples, config.reps);
  result.gbinding = median (gbinding_samples, config.reps);
  row_note (&result, "final values %s", result.failed ? "FAIL" : "OK");
  row_note (&result, "obs-glib wrote the targets %.0f times per %.0f sets "
            "(coalesced); GBinding writes on the worker threads",
            (double) obs_writes / config.reps, total);
  row_note (&result, "higher is better here");
  row_report (ROW_THREADS, &result);

  bench_things_free (obs_sources, n);
  bench_things_free (obs_targets, n);
  bench_things_free (gbinding_sources, n);
  bench_things_free (gbinding_targets, n);
}

/* Running the groups ---------------------------------------------------- */

typedef struct
{
  const char *name;
  void      (*func) (void);
  guint       first_row;
  guint       n_rows;

  /* seconds before the group's process is stopped */
  guint       timeout;
} BenchGroup;

static const BenchGroup groups[] = {
  { "immediate", group_immediate, ROW_IMMEDIATE, 1, 120 },
  { "queued", group_queued, ROW_QUEUED, 1, 120 },
  { "burst", group_burst, ROW_BURST_TIME, 2, 120 },
  { "fanout", group_fanout, ROW_FANOUT, 1, 180 },
  { "two-way", group_two_way, ROW_TWO_WAY_IMMEDIATE, 2, 120 },
  { "chain", group_chain, ROW_CHAIN_0, 4, 600 },
  { "memory", group_memory, ROW_MEMORY_ONE_WAY, 2, 300 },
  { "create", group_create_remove, ROW_CREATE_REMOVE, 1, 180 },
  { "threads", group_threads, ROW_THREADS, 1, 180 },
};

/* the row its process announced last, or N_ROWS */
static guint last_begun = N_ROWS;

static void
mark_unfinished (const BenchGroup *group,
                 const char       *how)
{
  for (guint i = group->first_row; i < group->first_row + group->n_rows; i++)
    {
      if (rows[i].done)
        continue;

      if (i == last_begun)
        g_snprintf (rows[i].status, sizeof rows[i].status, "%s in %s",
                    how, rows[i].phase);
      else
        g_snprintf (rows[i].status, sizeof rows[i].status,
                    "unfinished: %s", how);
    }
}

static gboolean
run_group_forked (const BenchGroup *group)
{
  int fds[2];
  pid_t pid;
  int status = 0;
  Record record;

  if (pipe (fds) != 0)
    {
      g_printerr ("pipe: %s\n", g_strerror (errno));
      return FALSE;
    }

  fflush (stdout);
  fflush (stderr);

  pid = fork ();
  if (pid < 0)
    {
      g_printerr ("fork: %s\n", g_strerror (errno));
      return FALSE;
    }

  if (pid == 0)
    {
      close (fds[0]);
      report_fd = fds[1];
      alarm (group->timeout);

      group->func ();

      fflush (stdout);
      fflush (stderr);
      _exit (0);
    }

  close (fds[1]);

  for (;;)
    {
      char *data = (char *) &record;
      gsize got = 0;

      while (got < sizeof record)
        {
          ssize_t n = read (fds[0], data + got, sizeof record - got);

          if (n < 0 && errno == EINTR)
            continue;
          if (n <= 0)
            break;

          got += n;
        }

      if (got < sizeof record || record.index >= N_ROWS)
        break;

      if (record.kind == RECORD_BEGIN)
        {
          last_begun = record.index;
          rows[record.index].begun = TRUE;
          g_strlcpy (rows[record.index].phase, record.phase,
                     sizeof rows[record.index].phase);
        }
      else
        {
          rows[record.index].done = TRUE;
          rows[record.index].result = record.result;
        }
    }

  close (fds[0]);

  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;

  if (WIFSIGNALED (status))
    {
      int signal = WTERMSIG (status);
      char how[40];

      if (signal == SIGALRM)
        g_snprintf (how, sizeof how, "timed out (%u s)", group->timeout);
      else
        g_snprintf (how, sizeof how, "crashed (%s)", g_strsignal (signal));

      mark_unfinished (group, how);

      return FALSE;
    }

  if (WEXITSTATUS (status) != 0)
    {
      char how[40];

      g_snprintf (how, sizeof how, "exited with %d", WEXITSTATUS (status));
      mark_unfinished (group, how);

      return FALSE;
    }

  mark_unfinished (group, "no result");

  return TRUE;
}

/* Output ---------------------------------------------------------------- */

static double
row_ratio (guint index)
{
  const RowResult *result = &rows[index].result;

  if (!rows[index].done || index == ROW_CHAIN_DEPTH ||
      index == ROW_BURST_WRITES)
    return NAN;

  if (!isfinite (result->obs) || !isfinite (result->gbinding) ||
      result->gbinding <= 0 || result->obs_text[0] || result->gbinding_text[0])
    return NAN;

  if (isfinite (result->paired_ratio))
    return result->paired_ratio;

  return result->obs / result->gbinding;
}

/* Returns -1 when the row has no goal, else whether it met it. */
static int
row_goal_met (guint index)
{
  const RowSpec *spec = &row_specs[index];
  const RowResult *result = &rows[index].result;
  double ratio = row_ratio (index);

  if (!rows[index].done && rows[index].status[0] == '\0')
    return -1;

  switch (spec->goal)
    {
    case GOAL_NONE:
      return -1;

    case GOAL_AT_MOST:
      return rows[index].done && !result->failed && isfinite (ratio) &&
             ratio <= spec->goal_value;

    case GOAL_OBS_EQUALS:
      return rows[index].done && !result->failed &&
             result->obs == spec->goal_value;

    case GOAL_SETTLES:
      return rows[index].done && !result->failed && isfinite (result->obs);

    default:
      g_assert_not_reached ();
    }
}

static void
row_goal_text (guint  index,
               char  *buf,
               gsize  size)
{
  const RowSpec *spec = &row_specs[index];

  switch (spec->goal)
    {
    case GOAL_NONE:
      g_strlcpy (buf, "", size);
      break;

    case GOAL_AT_MOST:
      g_snprintf (buf, size, spec->goal_value == floor (spec->goal_value)
                             ? "<= %.1f" : "<= %.2g",
                  spec->goal_value);
      break;

    case GOAL_OBS_EQUALS:
      g_snprintf (buf, size, "obs = %g", spec->goal_value);
      break;

    case GOAL_SETTLES:
      g_snprintf (buf, size, "settles");
      break;

    default:
      g_assert_not_reached ();
    }
}

static const char *
row_status (guint index)
{
  if (!rows[index].done)
    return rows[index].status[0] ? rows[index].status : "not run";

  if (rows[index].result.failed)
    return "FAIL";

  return "ok";
}

static void
format_number (double  value,
               char   *buf,
               gsize   size)
{
  double magnitude = fabs (value);

  if (!isfinite (value))
    g_strlcpy (buf, "n/a", size);
  else if (magnitude >= 100 || value == floor (value))
    g_snprintf (buf, size, "%.0f", value);
  else if (magnitude >= 10)
    g_snprintf (buf, size, "%.1f", value);
  else
    g_snprintf (buf, size, "%.2f", value);
}

static void
format_cell (double      value,
             const char *text,
             gboolean    done,
             char       *buf,
             gsize       size)
{
  if (!done)
    g_strlcpy (buf, "-", size);
  else if (text[0] != '\0')
    g_strlcpy (buf, text, size);
  else
    format_number (value, buf, size);
}

/* A row of a group left out with --only. */
static gboolean
row_skipped (guint index)
{
  return !rows[index].done && rows[index].status[0] == '\0';
}

static void
print_table (FILE *out)
{
  fprintf (out,
             "obs-bench: obs-glib %s vs GBinding (GLib %u.%u.%u), "
             "buildtype %s, median of %u repetitions (timed rows %u)%s\n\n",
             OBS_VERSION_S, glib_major_version, glib_minor_version,
             glib_micro_version, BENCH_BUILDTYPE, config.reps, timed_reps (),
             config.quick ? ", --quick sizes" : "");

  fprintf (out, "%-3s %-42s %-9s %16s %16s %8s  %-9s %-7s %s\n",
             "#", "measurement", "unit", "obs-glib", "GBinding",
             "obs/GB", "goal", "", "status");

  for (guint i = 0; i < N_ROWS; i++)
    {
      const RowResult *result = &rows[i].result;
      char title[64];
      char obs[48];
      char gbinding[48];
      char ratio[24];
      char goal[24];
      int met = row_goal_met (i);

      if (row_skipped (i))
        continue;

      row_title (i, title, sizeof title);
      format_cell (result->obs, result->obs_text, rows[i].done,
                   obs, sizeof obs);
      format_cell (result->gbinding, result->gbinding_text, rows[i].done,
                   gbinding, sizeof gbinding);
      if (isfinite (row_ratio (i)))
        g_snprintf (ratio, sizeof ratio, "%.3f", row_ratio (i));
      else
        g_strlcpy (ratio, "-", sizeof ratio);
      row_goal_text (i, goal, sizeof goal);

      fprintf (out, "%-3u %-42s %-9s %16s %16s %8s  %-9s %-7s %s\n",
                 i + 1, title, row_specs[i].unit, obs, gbinding, ratio,
                 goal, met < 0 ? "" : met ? "met" : "MISSED",
                 row_status (i));
    }

  fprintf (out, "\nnotes:\n");
  for (guint i = 0; i < N_ROWS; i++)
    {
      if (rows[i].result.note[0] != '\0')
        fprintf (out, "%3u  %s: %s\n", i + 1, row_specs[i].id,
                   rows[i].result.note);
    }
  fprintf (out, "\n");
}

static void
json_string (GString    *json,
             const char *text)
{
  g_string_append_c (json, '"');

  for (const char *p = text; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '"':
          g_string_append (json, "\\\"");
          break;

        case '\\':
          g_string_append (json, "\\\\");
          break;

        case '\n':
          g_string_append (json, "\\n");
          break;

        default:
          if ((guchar) *p < 0x20)
            g_string_append_printf (json, "\\u%04x", (guchar) *p);
          else
            g_string_append_c (json, *p);
        }
    }

  g_string_append_c (json, '"');
}

static void
json_number (GString *json,
             double   value)
{
  if (isfinite (value))
    g_string_append_printf (json, "%.6g", value);
  else
    g_string_append (json, "null");
}

static char *
make_json (void)
{
  GString *json = g_string_new (NULL);
  gboolean first = TRUE;
  char version[32];

  g_snprintf (version, sizeof version, "%u.%u.%u", glib_major_version,
              glib_minor_version, glib_micro_version);

  g_string_append (json, "{\n  \"benchmark\": \"obs-bench\",\n");
  g_string_append (json, "  \"obs_glib_version\": ");
  json_string (json, OBS_VERSION_S);
  g_string_append (json, ",\n  \"glib_version\": ");
  json_string (json, version);
  g_string_append (json, ",\n  \"buildtype\": ");
  json_string (json, BENCH_BUILDTYPE);
  g_string_append_printf (json, ",\n  \"quick\": %s,\n",
                          config.quick ? "true" : "false");
  g_string_append_printf (json, "  \"repetitions\": %u,\n", config.reps);
  g_string_append (json, "  \"ratio\": \"obs-glib / GBinding\",\n");
  g_string_append (json, "  \"rows\": [");

  for (guint i = 0; i < N_ROWS; i++)
    {
      const RowResult *result = &rows[i].result;
      char title[64];
      char goal[24];
      int met = row_goal_met (i);

      if (row_skipped (i))
        continue;

      row_title (i, title, sizeof title);
      row_goal_text (i, goal, sizeof goal);

      g_string_append (json, first ? "\n" : ",\n");
      first = FALSE;

      g_string_append (json, "    {\"id\": ");
      json_string (json, row_specs[i].id);
      g_string_append (json, ", \"title\": ");
      json_string (json, title);
      g_string_append (json, ", \"unit\": ");
      json_string (json, row_specs[i].unit);
      g_string_append (json, ",\n     \"obs_glib\": ");
      json_number (json, rows[i].done ? result->obs : NAN);
      g_string_append (json, ", \"gbinding\": ");
      json_number (json, rows[i].done ? result->gbinding : NAN);
      g_string_append (json, ", \"ratio\": ");
      json_number (json, row_ratio (i));
      if (result->obs_text[0] != '\0')
        {
          g_string_append (json, ", \"obs_glib_text\": ");
          json_string (json, result->obs_text);
        }
      if (result->gbinding_text[0] != '\0')
        {
          g_string_append (json, ", \"gbinding_text\": ");
          json_string (json, result->gbinding_text);
        }
      g_string_append (json, ",\n     \"goal\": ");
      if (goal[0] != '\0')
        json_string (json, goal);
      else
        g_string_append (json, "null");
      g_string_append_printf (json, ", \"goal_met\": %s",
                              met < 0 ? "null" : met ? "true" : "false");
      g_string_append (json, ", \"status\": ");
      json_string (json, row_status (i));
      g_string_append (json, ", \"note\": ");
      json_string (json, result->note);
      g_string_append (json, "}");
    }

  g_string_append (json, "\n  ]\n}\n");

  return g_string_free (json, FALSE);
}

/* main ------------------------------------------------------------------ */

static const BenchGroup *
find_group (const char *name)
{
  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    {
      if (g_str_equal (groups[g].name, name))
        return &groups[g];
    }

  return NULL;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json_path = NULL;
  g_autofree char *only = NULL;
  g_autofree char *json = NULL;
  gboolean quick = FALSE;
  gboolean no_fork = FALSE;
  gboolean list = FALSE;
  int reps = 0;
  int min_ms = 0;
  gboolean selected[G_N_ELEMENTS (groups)];
  gboolean trouble = FALSE;
  GOptionEntry entries[] = {
    { "quick", 0, 0, G_OPTION_ARG_NONE, &quick,
      "Smaller sizes and fewer repetitions, for a smoke run", NULL },
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &json_path,
      "Write the JSON document to PATH instead of stdout", "PATH" },
    { "reps", 0, 0, G_OPTION_ARG_INT, &reps,
      "Repetitions per measurement, three times as many for timed rows "
      "(default 5, --quick 3)", "N" },
    { "min-ms", 0, 0, G_OPTION_ARG_INT, &min_ms,
      "Shortest repetition, in ms (default 50, --quick 10)", "MS" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only,
      "Run only these groups (see --list)", "GROUP,..." },
    { "no-fork", 0, 0, G_OPTION_ARG_NONE, &no_fork,
      "Run the groups in this process (GBinding chains still fork)", NULL },
    { "list", 0, 0, G_OPTION_ARG_NONE, &list,
      "List the groups and exit", NULL },
    G_OPTION_ENTRY_NULL
  };

  /* GSlice reads G_SLICE once, when GLib's constructors first allocate,
   * before main: set it and start again, so that mallinfo2() sees every
   * block. */
  if (getenv ("G_SLICE") == NULL ||
      strcmp (getenv ("G_SLICE"), "always-malloc") != 0)
    {
      setenv ("G_SLICE", "always-malloc", 1);
      execv ("/proc/self/exe", argv);
      fprintf (stderr, "obs-bench: could not re-execute with "
               "G_SLICE=always-malloc (%s); memory rows miss GSlice "
               "blocks\n", strerror (errno));
    }

  g_log_set_writer_func (bench_log_writer, NULL, NULL);

  context = g_option_context_new ("- obs-glib against GBinding");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("obs-bench: %s\n", error->message);
      return 2;
    }

  if (list)
    {
      for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
        g_print ("%s\n", groups[g].name);
      return 0;
    }

  if (quick)
    config_make_quick ();
  if (reps > 0)
    config.reps = MIN ((guint) reps, MAX_REPS);
  if (min_ms > 0)
    config.min_ns = (gint64) min_ms * 1000000;

  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    selected[g] = only == NULL;

  if (only != NULL)
    {
      g_auto(GStrv) names = g_strsplit (only, ",", -1);

      for (guint i = 0; names[i] != NULL; i++)
        {
          const BenchGroup *group = find_group (g_strstrip (names[i]));

          if (group == NULL)
            {
              g_printerr ("obs-bench: no group named '%s'; try --list\n",
                          names[i]);
              return 2;
            }

          selected[group - groups] = TRUE;
        }
    }

  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    {
      gint64 start = now_ns ();

      if (!selected[g])
        continue;

      g_printerr ("obs-bench: %s...", groups[g].name);

      if (no_fork)
        groups[g].func ();
      else if (!run_group_forked (&groups[g]))
        trouble = TRUE;

      g_printerr (" %.1f s\n", (now_ns () - start) / 1e9);
    }

  for (guint i = 0; i < N_ROWS; i++)
    {
      if (rows[i].done && rows[i].result.failed)
        trouble = TRUE;
    }

  print_table (stdout);

  json = make_json ();
  if (json_path != NULL)
    {
      if (!g_file_set_contents (json_path, json, -1, &error))
        {
          g_printerr ("obs-bench: %s\n", error->message);
          return 2;
        }
    }
  else
    {
      fputs (json, stdout);
    }

  return trouble ? 1 : 0;
}
