#!/usr/bin/python3
# settings.py: a GTK 4 settings panel whose widgets are linked by obs-glib
#
# The Python twin of settings.c: a scale and a spin button share the volume
# both ways, a label shows it through a transform, a "Mute" switch makes
# the volume controls insensitive through an inverted boolean link, a list
# view shows the broker's live links and "Export graph" draws them.
#
#   settings.py                  opens the panel
#   settings.py --self-test DIR  checks the links without a user, saves a
#                                screenshot and the graph in DIR, and
#                                prints the results as TAP
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import sys

import gi

gi.require_version("Gdk", "4.0")
gi.require_version("GdkX11", "4.0")
gi.require_version("Gtk", "4.0")
gi.require_version("Obs", "1")
from gi.repository import Gdk, GdkX11, Gio, GLib, Gtk, Obs  # noqa: E402


def describe_end(obj, prop):
    if prop is None:
        return "subscriber"
    if obj is None:
        return f"(gone):{prop}"
    return f"{obj.__gtype__.name}:{prop}"


def name_of(obj):
    return (Obs.get_object_name(obj) if obj is not None else None) or "unnamed"


def describe_flags(flags):
    # value_nicks lists "default" (the 0 value) for every flags value
    return ", ".join(nick for nick in flags.value_nicks if nick != "default")


class SettingsWindow(Gtk.ApplicationWindow):

    def __init__(self, **kwargs):
        super().__init__(title="Sound", default_width=460, **kwargs)

        # The default broker drains from the default main context, where
        # GTK runs.
        self.broker = Obs.Broker.get_default()
        self.export_dir = GLib.get_tmp_dir()
        self.export_name = "obs-links"
        self.exporting = False

        self._build()
        self._name_objects()
        self._link()

    def _build(self):
        header = Gtk.HeaderBar()
        export_button = Gtk.Button(label="Export graph")
        export_button.connect("clicked", lambda button: self.export_graph())
        header.pack_end(export_button)
        self.set_titlebar(header)

        content = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=12,
                          margin_top=18, margin_bottom=18,
                          margin_start=18, margin_end=18)
        self.set_child(content)

        self.mute = Gtk.Switch(valign=Gtk.Align.CENTER)
        row = Gtk.Box(spacing=12)
        row.append(Gtk.Label(label="Mute", xalign=0, hexpand=True))
        row.append(self.mute)
        content.append(row)

        # the group the switch turns off: the label, the scale and the spin
        self.group = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=6)
        content.append(self.group)

        self.volume_label = Gtk.Label(xalign=0, css_classes=["heading"])
        self.group.append(self.volume_label)

        controls = Gtk.Box(spacing=12)
        self.group.append(controls)

        self.volume = Gtk.Adjustment(value=50, lower=0, upper=100,
                                     step_increment=1, page_increment=10)
        self.scale = Gtk.Scale(adjustment=self.volume, digits=0,
                               round_digits=0, hexpand=True)
        controls.append(self.scale)

        # its own adjustment: the link, not a shared adjustment, keeps the
        # two widgets in step
        self.spin = Gtk.SpinButton.new_with_range(0, 100, 1)
        controls.append(self.spin)

        content.append(Gtk.Label(label="Live links", xalign=0, margin_top=6,
                                 css_classes=["heading"]))

        factory = Gtk.SignalListItemFactory()
        factory.connect("setup", self._setup_link_row)
        factory.connect("bind", self._bind_link_row)
        selection = Gtk.NoSelection(model=self.broker.get_links())
        self.links_view = Gtk.ListView(model=selection, factory=factory)

        scrolled = Gtk.ScrolledWindow(min_content_height=150, has_frame=True,
                                      hscrollbar_policy=Gtk.PolicyType.NEVER)
        scrolled.set_child(self.links_view)
        content.append(scrolled)

        self.status = Gtk.Label(xalign=0, css_classes=["dim-label"])
        content.append(self.status)

    def _name_objects(self):
        # Names show up in the graph, in the list and in G_MESSAGES_DEBUG=Obs
        # traces instead of addresses.
        Obs.set_object_name(self.volume, "volume")
        Obs.set_object_name(self.spin, "volume-spin")
        Obs.set_object_name(self.volume_label, "volume-label")
        Obs.set_object_name(self.mute, "mute")
        Obs.set_object_name(self.group, "volume-group")

    def _link(self):
        sync = Obs.LinkFlags.SYNC_CREATE

        # the scale's adjustment and the spin button, both ways
        self.broker.link((self.volume, "value"), (self.spin, "value"),
                         flags=sync)
        # the value, as a sentence, one way
        self.broker.dlink((self.volume, "value"), (self.volume_label, "label"),
                          lambda value: f"Volume: {value:.0f}", flags=sync)
        # muted means the volume controls are off
        self.broker.dlink((self.mute, "active"), (self.group, "sensitive"),
                          flags=sync | Obs.LinkFlags.INVERT_BOOLEAN)

    @staticmethod
    def _setup_link_row(factory, item):
        box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=2,
                      margin_top=4, margin_bottom=4,
                      margin_start=6, margin_end=6)
        box.append(Gtk.Label(xalign=0))
        box.append(Gtk.Label(xalign=0, css_classes=["dim-label", "caption"]))
        item.set_child(box)

    @staticmethod
    def _bind_link_row(factory, item):
        link = item.get_item()
        ends = item.get_child().get_first_child()
        details = ends.get_next_sibling()
        source = link.dup_source()
        target = link.dup_target()
        arrow = "↔" if link.is_two_way() else "→"

        ends.set_text(f"{describe_end(source, link.get_source_property())} "
                      f"{arrow} "
                      f"{describe_end(target, link.get_target_property())}")

        text = f"{name_of(source)} {arrow} "
        text += name_of(target) if target is not None else "callback"
        flags = describe_flags(link.get_flags())
        if flags:
            text += f" · {flags}"
        details.set_text(text)

    def export_graph(self):
        """Writes the broker's graph to <dir>/<name>.dot and runs
        `dot -Tsvg` on it, which writes <dir>/<name>.svg."""

        if self.exporting:
            return

        base = os.path.join(self.export_dir, self.export_name)
        try:
            with open(base + ".dot", "w", encoding="utf-8") as dot:
                dot.write(self.broker.to_dot())
            subprocess = Gio.Subprocess.new(
                ["dot", "-Tsvg", "-o", base + ".svg", base + ".dot"],
                Gio.SubprocessFlags.NONE)
        except (OSError, GLib.Error) as error:
            self.status.set_text(str(error))
            return

        def finished(subprocess, result):
            self.exporting = False
            try:
                subprocess.wait_check_finish(result)
                self.status.set_text(f"Wrote {base}.svg")
            except GLib.Error as error:
                self.status.set_text(f"dot failed: {error.message}")

        self.exporting = True
        self.status.set_text("Drawing the graph…")
        subprocess.wait_check_async(None, finished)


# The self-test -----------------------------------------------------------

class Tap:

    def __init__(self, planned):
        self.n = 0
        self.failed = False
        print(f"1..{planned}", flush=True)

    def check(self, ok, description):
        self.n += 1
        self.failed |= not ok
        print(f"{'' if ok else 'not '}ok {self.n} - {description}", flush=True)


def iterate_until(done, seconds=10):
    """Lets the main loop run until done() is true; False on timeout."""

    timed_out = []
    timeout_id = GLib.timeout_add_seconds(seconds,
                                          lambda: timed_out.append(True))
    context = GLib.MainContext.default()
    while not done() and not timed_out:
        context.iteration(True)
    if not timed_out:
        GLib.source_remove(timeout_id)
    return not timed_out


def wait_for_frames(widget, n_frames=1):
    """Lets the main loop run until the window has painted n_frames more
    frames. The broker drains at GLib.PRIORITY_HIGH_IDLE, before GTK's
    frame work, so a change made before the first one is on screen in it."""

    clock = widget.get_frame_clock()
    painted = []
    handler_id = clock.connect("after-paint", lambda clock: painted.append(1))

    def done():
        widget.queue_draw()
        return len(painted) >= n_frames

    ok = iterate_until(done)
    clock.disconnect(handler_id)
    return ok


def save_screenshot(window, path):
    """Captures the window with imagemagick: Gtk.Snapshot.to_node() cannot
    be called from PyGObject 3.42, so the X server is asked instead."""

    surface = window.get_surface()
    if isinstance(surface, GdkX11.X11Surface):
        what = "0x%x" % surface.get_xid()
    else:
        what = "root"

    Gdk.Display.get_default().flush()
    process = Gio.Subprocess.new(["import", "-window", what, path],
                                 Gio.SubprocessFlags.NONE)
    return process.wait_check()


def file_contains(path, needle):
    try:
        with open(path, encoding="utf-8") as file:
            return needle in file.read()
    except OSError:
        return False


def run_self_test(window, output_dir):
    tap = Tap(10)
    links = window.broker.get_links()

    window.export_dir = output_dir
    window.export_name = "settings-py"

    tap.check(wait_for_frames(window), "the window is on screen")

    tap.check(links.get_n_items() == 3,
              f"the list shows the 3 links (got {links.get_n_items()})")

    window.spin.set_value(17)
    wait_for_frames(window)
    tap.check(window.volume.get_value() == 17,
              "spin button 17 moves the scale to 17 "
              f"(got {window.volume.get_value()})")

    window.scale.set_value(42)
    wait_for_frames(window)
    tap.check(window.spin.get_value() == 42,
              "scale 42 moves the spin button to 42 "
              f"(got {window.spin.get_value()})")
    tap.check(window.volume_label.get_text() == "Volume: 42",
              'the label reads "Volume: 42" '
              f'(got "{window.volume_label.get_text()}")')

    tap.check(window.group.get_sensitive(),
              "the volume group is sensitive while not muted")

    window.mute.set_active(True)
    wait_for_frames(window)
    tap.check(not window.group.get_sensitive(),
              "muting makes the volume group insensitive")

    window.mute.set_active(False)
    wait_for_frames(window, 2)
    tap.check(window.group.get_sensitive(),
              "unmuting makes it sensitive again")

    png_path = os.path.join(output_dir, "settings-py.png")
    if os.path.exists(png_path):
        os.remove(png_path)
    try:
        save_screenshot(window, png_path)
    except GLib.Error as error:
        print(f"# {error.message}")
    tap.check(os.path.isfile(png_path), f"screenshot saved to {png_path}")

    svg_path = os.path.join(output_dir, "settings-py.svg")
    if os.path.exists(svg_path):
        os.remove(svg_path)
    window.export_graph()
    iterate_until(lambda: not window.exporting, 20)
    print(f"# {window.status.get_text()}")
    tap.check(file_contains(svg_path, "<svg")
              and file_contains(svg_path, "GtkSwitch"),
              f"graph exported to {svg_path}")

    return 1 if tap.failed else 0


# The application ----------------------------------------------------------

class SettingsApplication(Gtk.Application):

    def __init__(self):
        super().__init__(application_id="org.example.ObsSettings",
                         flags=Gio.ApplicationFlags.NON_UNIQUE)
        self.self_test_dir = None
        self.exit_status = 0
        self.add_main_option("self-test", 0, GLib.OptionFlags.NONE,
                             GLib.OptionArg.STRING,
                             "Check the links, save a screenshot and the "
                             "graph in DIR, print TAP", "DIR")

    def do_handle_local_options(self, options):
        value = options.lookup_value("self-test", GLib.VariantType("s"))
        if value is not None:
            self.self_test_dir = value.get_string()
        return -1

    def do_activate(self):
        window = SettingsWindow(application=self)
        window.present()

        if self.self_test_dir is not None:
            GLib.idle_add(self._self_test, window)

    def _self_test(self, window):
        self.exit_status = run_self_test(window, self.self_test_dir)
        self.quit()
        return GLib.SOURCE_REMOVE


def main():
    application = SettingsApplication()
    status = application.run(sys.argv)
    return status or application.exit_status


if __name__ == "__main__":
    sys.exit(main())
