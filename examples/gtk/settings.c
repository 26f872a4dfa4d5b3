/* settings.c: a GTK 4 settings panel whose widgets are linked by obs-glib
 *
 * A scale and a spin button share the volume both ways, a label shows it
 * through a transform, and a "Mute" switch makes the volume controls
 * insensitive through an inverted boolean link. Below them a list view
 * shows the broker's live links, and "Export graph" draws them with
 * Graphviz.
 *
 *   settings                  opens the panel
 *   settings --self-test DIR  checks the links without a user, saves a
 *                             screenshot and the graph in DIR, and prints
 *                             the results as TAP
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <obs-glib.h>

/* The window ------------------------------------------------------------ */

#define DEMO_TYPE_SETTINGS_WINDOW (demo_settings_window_get_type ())
G_DECLARE_FINAL_TYPE (DemoSettingsWindow, demo_settings_window,
                      DEMO, SETTINGS_WINDOW, GtkApplicationWindow)

struct _DemoSettingsWindow
{
  GtkApplicationWindow  parent_instance;

  /* not owned: the default broker lives for the whole process */
  ObsBroker            *broker;

  /* not owned: the widget tree holds them; cleared in dispose so that a
   * late callback can tell the window is gone */
  GtkAdjustment        *volume;
  GtkWidget            *scale;
  GtkWidget            *spin;
  GtkWidget            *volume_label;
  GtkWidget            *mute;
  GtkWidget            *group;
  GtkWidget            *links_view;
  GtkWidget            *status;

  /* owned: "Export graph" writes <export_dir>/<export_name>.dot and .svg,
   * by default in the temporary directory; the self-test changes them */
  char                 *export_dir;
  char                 *export_name;

  /* owned while a `dot` runs; cancelled in dispose */
  GCancellable         *export_cancellable;

  /* TRUE while a `dot` runs; the self-test waits on it */
  gboolean              exporting;
};

G_DEFINE_FINAL_TYPE (DemoSettingsWindow, demo_settings_window,
                     GTK_TYPE_APPLICATION_WINDOW)

static void
demo_settings_window_dispose (GObject *object)
{
  DemoSettingsWindow *self = DEMO_SETTINGS_WINDOW (object);

  g_cancellable_cancel (self->export_cancellable);
  g_clear_object (&self->export_cancellable);

  self->volume = NULL;
  self->scale = NULL;
  self->spin = NULL;
  self->volume_label = NULL;
  self->mute = NULL;
  self->group = NULL;
  self->links_view = NULL;
  self->status = NULL;

  G_OBJECT_CLASS (demo_settings_window_parent_class)->dispose (object);
}

static void
demo_settings_window_finalize (GObject *object)
{
  DemoSettingsWindow *self = DEMO_SETTINGS_WINDOW (object);

  g_clear_pointer (&self->export_dir, g_free);
  g_clear_pointer (&self->export_name, g_free);

  G_OBJECT_CLASS (demo_settings_window_parent_class)->finalize (object);
}

static void
demo_settings_window_class_init (DemoSettingsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = demo_settings_window_dispose;
  object_class->finalize = demo_settings_window_finalize;
}

/* The transform of the label link: the scale's double becomes a sentence. */
static gboolean
volume_to_text (ObsLink      *link,
                const GValue *from_value,
                GValue       *to_value,
                gpointer      user_data)
{
  g_value_take_string (to_value,
                       g_strdup_printf ("Volume: %.0f",
                                        g_value_get_double (from_value)));

  return TRUE;
}

/* The list of links ----------------------------------------------------- */

static char *
describe_end (GObject    *object,
              const char *property)
{
  if (property == NULL)
    return g_strdup ("subscriber");

  if (object == NULL)
    return g_strdup_printf ("(gone):%s", property);

  return g_strdup_printf ("%s:%s", G_OBJECT_TYPE_NAME (object), property);
}

static const char *
name_of (GObject *object)
{
  const char *name = NULL;

  if (object != NULL)
    name = obs_get_object_name (object);

  return name != NULL ? name : "unnamed";
}

/* "sync-create, invert-boolean" from the flags' nicks */
static char *
describe_flags (ObsLinkFlags flags)
{
  g_autoptr(GFlagsClass) klass = g_type_class_ref (OBS_TYPE_LINK_FLAGS);
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < klass->n_values; i++)
    {
      const GFlagsValue *value = &klass->values[i];

      if (value->value == 0 || (flags & value->value) != value->value)
        continue;

      if (out->len > 0)
        g_string_append (out, ", ");
      g_string_append (out, value->value_nick);
    }

  return g_string_free (out, FALSE);
}

static void
setup_link_row (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *ends = gtk_label_new (NULL);
  GtkWidget *details = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (ends), 0);
  gtk_label_set_xalign (GTK_LABEL (details), 0);
  gtk_widget_add_css_class (details, "dim-label");
  gtk_widget_add_css_class (details, "caption");

  gtk_box_append (GTK_BOX (box), ends);
  gtk_box_append (GTK_BOX (box), details);
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);

  gtk_list_item_set_child (item, box);
}

static void
bind_link_row (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  ObsLink *link = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *ends = gtk_widget_get_first_child (box);
  GtkWidget *details = gtk_widget_get_next_sibling (ends);
  g_autoptr(GObject) source = obs_link_dup_source (link);
  g_autoptr(GObject) target = obs_link_dup_target (link);
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *flags = NULL;
  g_autofree char *text = NULL;

  from = describe_end (source, obs_link_get_source_property (link));
  to = describe_end (target, obs_link_get_target_property (link));
  text = g_strdup_printf ("%s %s %s", from,
                          obs_link_is_two_way (link) ? "↔" : "→", to);
  gtk_label_set_text (GTK_LABEL (ends), text);

  g_clear_pointer (&text, g_free);
  flags = describe_flags (obs_link_get_flags (link));
  text = g_strdup_printf ("%s %s %s%s%s", name_of (source),
                          obs_link_is_two_way (link) ? "↔" : "→",
                          target != NULL ? name_of (target) : "callback",
                          flags[0] != '\0' ? " · " : "", flags);
  gtk_label_set_text (GTK_LABEL (details), text);
}

/* Export graph ---------------------------------------------------------- */

static void
export_finished (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(DemoSettingsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (!g_subprocess_wait_check_finish (G_SUBPROCESS (object), result, &error))
    message = g_strdup_printf ("dot failed: %s", error->message);
  else
    message = g_strdup_printf ("Wrote %s/%s.svg",
                               self->export_dir, self->export_name);

  self->exporting = FALSE;

  /* the window may have closed while dot ran */
  if (self->status != NULL)
    gtk_label_set_text (GTK_LABEL (self->status), message);
}

/* Writes the broker's graph to <dir>/<name>.dot and starts
 * `dot -Tsvg` on it, which writes <dir>/<name>.svg.
 */
static void
demo_settings_window_export_graph (DemoSettingsWindow *self)
{
  g_autofree char *dot = NULL;
  g_autofree char *dot_path = NULL;
  g_autofree char *svg_path = NULL;
  g_autoptr(GSubprocess) subprocess = NULL;
  g_autoptr(GError) error = NULL;

  if (self->exporting)
    return;

  dot = obs_broker_to_dot (self->broker);
  dot_path = g_strdup_printf ("%s/%s.dot", self->export_dir, self->export_name);
  svg_path = g_strdup_printf ("%s/%s.svg", self->export_dir, self->export_name);

  if (!g_file_set_contents (dot_path, dot, -1, &error))
    {
      gtk_label_set_text (GTK_LABEL (self->status), error->message);
      return;
    }

  subprocess = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error,
                                 "dot", "-Tsvg", "-o", svg_path, dot_path,
                                 NULL);
  if (subprocess == NULL)
    {
      gtk_label_set_text (GTK_LABEL (self->status), error->message);
      return;
    }

  self->exporting = TRUE;
  gtk_label_set_text (GTK_LABEL (self->status), "Drawing the graph…");

  g_clear_object (&self->export_cancellable);
  self->export_cancellable = g_cancellable_new ();
  g_subprocess_wait_check_async (subprocess, self->export_cancellable,
                                 export_finished, g_object_ref (self));
}

/* Building the panel ---------------------------------------------------- */

static GtkWidget *
row_with_label (const char *text,
                GtkWidget  *widget)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (row), label);
  gtk_box_append (GTK_BOX (row), widget);

  return row;
}

static void
demo_settings_window_init (DemoSettingsWindow *self)
{
  GtkWidget *header;
  GtkWidget *export_button;
  GtkWidget *content;
  GtkWidget *controls;
  GtkWidget *heading;
  GtkWidget *scrolled;
  GtkListItemFactory *factory;
  GtkSelectionModel *selection;

  self->broker = obs_broker_get_default ();
  self->export_dir = g_strdup (g_get_tmp_dir ());
  self->export_name = g_strdup ("obs-links");

  gtk_window_set_title (GTK_WINDOW (self), "Sound");
  gtk_window_set_default_size (GTK_WINDOW (self), 460, -1);

  header = gtk_header_bar_new ();
  export_button = gtk_button_new_with_label ("Export graph");
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header), export_button);
  gtk_window_set_titlebar (GTK_WINDOW (self), header);
  g_signal_connect_swapped (export_button, "clicked",
                            G_CALLBACK (demo_settings_window_export_graph),
                            self);

  content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_top (content, 18);
  gtk_widget_set_margin_bottom (content, 18);
  gtk_widget_set_margin_start (content, 18);
  gtk_widget_set_margin_end (content, 18);
  gtk_window_set_child (GTK_WINDOW (self), content);

  self->mute = gtk_switch_new ();
  gtk_widget_set_valign (self->mute, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (content), row_with_label ("Mute", self->mute));

  /* the group the switch turns off: the label, the scale and the spin */
  self->group = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_box_append (GTK_BOX (content), self->group);

  self->volume_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->volume_label), 0);
  gtk_widget_add_css_class (self->volume_label, "heading");
  gtk_box_append (GTK_BOX (self->group), self->volume_label);

  controls = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_box_append (GTK_BOX (self->group), controls);

  self->volume = gtk_adjustment_new (50, 0, 100, 1, 10, 0);
  self->scale = gtk_scale_new (GTK_ORIENTATION_HORIZONTAL, self->volume);
  gtk_scale_set_digits (GTK_SCALE (self->scale), 0);
  gtk_range_set_round_digits (GTK_RANGE (self->scale), 0);
  gtk_widget_set_hexpand (self->scale, TRUE);
  gtk_box_append (GTK_BOX (controls), self->scale);

  /* its own adjustment: the link, not a shared adjustment, keeps the two
   * widgets in step */
  self->spin = gtk_spin_button_new_with_range (0, 100, 1);
  gtk_box_append (GTK_BOX (controls), self->spin);

  heading = gtk_label_new ("Live links");
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_add_css_class (heading, "heading");
  gtk_widget_set_margin_top (heading, 6);
  gtk_box_append (GTK_BOX (content), heading);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_link_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_link_row), NULL);
  selection = GTK_SELECTION_MODEL (
    gtk_no_selection_new (obs_broker_get_links (self->broker)));
  self->links_view = gtk_list_view_new (selection, factory);

  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled),
                                  GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scrolled),
                                              150);
  gtk_scrolled_window_set_has_frame (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled),
                                 self->links_view);
  gtk_box_append (GTK_BOX (content), scrolled);

  self->status = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->status), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->status), PANGO_ELLIPSIZE_START);
  gtk_widget_add_css_class (self->status, "dim-label");
  gtk_box_append (GTK_BOX (content), self->status);
}

/* Names show up in the graph, in the list and in G_MESSAGES_DEBUG=Obs
 * traces instead of addresses.
 */
static void
demo_settings_window_name_objects (DemoSettingsWindow *self)
{
  obs_set_object_name (G_OBJECT (self->volume), "volume");
  obs_set_object_name (G_OBJECT (self->spin), "volume-spin");
  obs_set_object_name (G_OBJECT (self->volume_label), "volume-label");
  obs_set_object_name (G_OBJECT (self->mute), "mute");
  obs_set_object_name (G_OBJECT (self->group), "volume-group");
}

static void
demo_settings_window_link (DemoSettingsWindow *self)
{
  g_autoptr(GError) error = NULL;

  /* the scale's adjustment and the spin button, both ways */
  if (obs_broker_link (self->broker,
                       G_OBJECT (self->volume), "value",
                       G_OBJECT (self->spin), "value",
                       OBS_LINK_SYNC_CREATE, &error) == NULL)
    g_error ("Cannot link the volume controls: %s", error->message);

  /* the value, as a sentence, one way */
  if (obs_broker_dlink_full (self->broker,
                             G_OBJECT (self->volume), "value",
                             G_OBJECT (self->volume_label), "label",
                             OBS_LINK_SYNC_CREATE,
                             volume_to_text, NULL, NULL, &error) == NULL)
    g_error ("Cannot link the volume label: %s", error->message);

  /* muted means the volume controls are off */
  if (obs_broker_dlink (self->broker,
                        G_OBJECT (self->mute), "active",
                        G_OBJECT (self->group), "sensitive",
                        OBS_LINK_SYNC_CREATE | OBS_LINK_INVERT_BOOLEAN,
                        &error) == NULL)
    g_error ("Cannot link the mute switch: %s", error->message);
}

static DemoSettingsWindow *
demo_settings_window_new (GtkApplication *application)
{
  DemoSettingsWindow *self;

  self = g_object_new (DEMO_TYPE_SETTINGS_WINDOW,
                       "application", application,
                       NULL);

  demo_settings_window_name_objects (self);
  demo_settings_window_link (self);

  return self;
}

/* The self-test --------------------------------------------------------- */

#define N_CHECKS 10

typedef struct
{
  guint    n;
  gboolean failed;
} Tap;

G_GNUC_PRINTF (3, 4)
static void
tap_check (Tap        *tap,
           gboolean    ok,
           const char *format,
           ...)
{
  g_autofree char *description = NULL;
  va_list args;

  va_start (args, format);
  description = g_strdup_vprintf (format, args);
  va_end (args);

  tap->n++;
  if (!ok)
    tap->failed = TRUE;

  g_print ("%sok %u - %s\n", ok ? "" : "not ", tap->n, description);
}

static gboolean
set_flag (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;

  return G_SOURCE_REMOVE;
}

static void
count_frame (GdkFrameClock *clock,
             guint         *n_frames)
{
  (*n_frames)++;
}

/* Lets the main loop run until the window has painted @n_frames more
 * frames. The broker drains at G_PRIORITY_HIGH_IDLE, before GTK's frame
 * work, so a change made before the first of them is on screen in it.
 */
static gboolean
wait_for_frames (GtkWidget *widget,
                 guint      n_frames)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gboolean timed_out = FALSE;
  guint painted = 0;
  guint timeout_id;
  gulong handler_id;

  handler_id = g_signal_connect (clock, "after-paint",
                                 G_CALLBACK (count_frame), &painted);
  timeout_id = g_timeout_add_seconds (10, set_flag, &timed_out);

  while (painted < n_frames && !timed_out)
    {
      gtk_widget_queue_draw (widget);
      g_main_context_iteration (NULL, TRUE);
    }

  g_signal_handler_disconnect (clock, handler_id);
  if (!timed_out)
    g_source_remove (timeout_id);

  return !timed_out;
}

/* Renders the window, decorations included, into a PNG. */
static gboolean
save_screenshot (GtkWidget   *widget,
                 const char  *path,
                 GError     **error)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer;
  int width;
  int height;

  width = gdk_paintable_get_intrinsic_width (paintable);
  height = gdk_paintable_get_intrinsic_height (paintable);
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);

  node = gtk_snapshot_to_node (snapshot);
  if (node == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "The window drew nothing");
      return FALSE;
    }

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0,
                                                              width, height));

  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Cannot write %s", path);
      return FALSE;
    }

  return TRUE;
}

static gboolean
file_contains (const char *path,
               const char *needle)
{
  g_autofree char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;

  return strstr (contents, needle) != NULL;
}

static int
run_self_test (DemoSettingsWindow *self,
               const char         *output_dir)
{
  GtkWidget *window = GTK_WIDGET (self);
  g_autoptr(GListModel) links = obs_broker_get_links (self->broker);
  g_autofree char *png_path = NULL;
  g_autofree char *svg_path = NULL;
  g_autoptr(GError) error = NULL;
  gboolean timed_out = FALSE;
  guint timeout_id;
  Tap tap = { 0, FALSE };

  g_print ("1..%d\n", N_CHECKS);

  g_free (self->export_dir);
  self->export_dir = g_strdup (output_dir);
  g_free (self->export_name);
  self->export_name = g_strdup ("settings-c");

  tap_check (&tap, wait_for_frames (window, 1), "the window is on screen");

  tap_check (&tap, g_list_model_get_n_items (links) == 3,
             "the list shows the 3 links (got %u)",
             g_list_model_get_n_items (links));

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->spin), 17);
  wait_for_frames (window, 1);
  tap_check (&tap, gtk_adjustment_get_value (self->volume) == 17,
             "spin button 17 moves the scale to 17 (got %g)",
             gtk_adjustment_get_value (self->volume));

  gtk_range_set_value (GTK_RANGE (self->scale), 42);
  wait_for_frames (window, 1);
  tap_check (&tap,
             gtk_spin_button_get_value (GTK_SPIN_BUTTON (self->spin)) == 42,
             "scale 42 moves the spin button to 42 (got %g)",
             gtk_spin_button_get_value (GTK_SPIN_BUTTON (self->spin)));
  tap_check (&tap,
             g_strcmp0 (gtk_label_get_text (GTK_LABEL (self->volume_label)),
                        "Volume: 42") == 0,
             "the label reads \"Volume: 42\" (got \"%s\")",
             gtk_label_get_text (GTK_LABEL (self->volume_label)));

  tap_check (&tap, gtk_widget_get_sensitive (self->group),
             "the volume group is sensitive while not muted");

  gtk_switch_set_active (GTK_SWITCH (self->mute), TRUE);
  wait_for_frames (window, 1);
  tap_check (&tap, !gtk_widget_get_sensitive (self->group),
             "muting makes the volume group insensitive");

  gtk_switch_set_active (GTK_SWITCH (self->mute), FALSE);
  wait_for_frames (window, 2);
  tap_check (&tap, gtk_widget_get_sensitive (self->group),
             "unmuting makes it sensitive again");

  png_path = g_build_filename (output_dir, "settings-c.png", NULL);
  g_remove (png_path);
  if (!save_screenshot (window, png_path, &error))
    g_print ("# %s\n", error->message);
  g_clear_error (&error);
  tap_check (&tap, g_file_test (png_path, G_FILE_TEST_IS_REGULAR),
             "screenshot saved to %s", png_path);

  svg_path = g_build_filename (output_dir, "settings-c.svg", NULL);
  g_remove (svg_path);
  demo_settings_window_export_graph (self);
  timeout_id = g_timeout_add_seconds (20, set_flag, &timed_out);
  while (self->exporting && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout_id);
  g_print ("# %s\n", gtk_label_get_text (GTK_LABEL (self->status)));
  tap_check (&tap,
             file_contains (svg_path, "<svg")
             && file_contains (svg_path, "GtkSwitch"),
             "graph exported to %s", svg_path);

  g_assert (tap.n == N_CHECKS);

  return tap.failed ? 1 : 0;
}

/* The application ------------------------------------------------------- */

static char *self_test_dir;
static int exit_status;

static gboolean
self_test_idle (gpointer user_data)
{
  DemoSettingsWindow *self = user_data;
  GApplication *application;

  application = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  exit_status = run_self_test (self, self_test_dir);
  g_application_quit (application);

  return G_SOURCE_REMOVE;
}

static void
on_activate (GtkApplication *application)
{
  DemoSettingsWindow *window;

  window = demo_settings_window_new (application);
  gtk_window_present (GTK_WINDOW (window));

  if (self_test_dir != NULL)
    g_idle_add (self_test_idle, window);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GtkApplication) application = NULL;
  GOptionEntry entries[] = {
    { "self-test", 0, 0, G_OPTION_ARG_FILENAME, &self_test_dir,
      "Check the links, save a screenshot and the graph in DIR, print TAP",
      "DIR" },
    { NULL }
  };
  int status;

  application = gtk_application_new ("org.example.ObsSettings",
                                     G_APPLICATION_NON_UNIQUE);
  g_application_add_main_option_entries (G_APPLICATION (application),
                                         entries);
  g_signal_connect (application, "activate", G_CALLBACK (on_activate), NULL);

  status = g_application_run (G_APPLICATION (application), argc, argv);

  g_clear_pointer (&self_test_dir, g_free);

  return status != 0 ? status : exit_status;
}
