// settings.js: a GTK 4 settings panel whose widgets are linked by obs-glib
//
// The gjs twin of settings.c: a scale and a spin button share the volume
// both ways, a label shows it through a transform, a "Mute" switch makes
// the volume controls insensitive through an inverted boolean link, a list
// view shows the broker's live links and "Export graph" draws them.
//
//   gjs -m settings.js                  opens the panel
//   gjs -m settings.js --self-test DIR  checks the links without a user,
//                                       saves a screenshot and the graph in
//                                       DIR, and prints the results as TAP
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import Gdk from 'gi://Gdk?version=4.0';
import GdkX11 from 'gi://GdkX11?version=4.0';
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gtk from 'gi://Gtk?version=4.0';
import Obs from 'gi://Obs?version=1';
import System from 'system';

const FLAG_NICKS = [
    [Obs.LinkFlags.SYNC_CREATE, 'sync-create'],
    [Obs.LinkFlags.IMMEDIATE, 'immediate'],
    [Obs.LinkFlags.INVERT_BOOLEAN, 'invert-boolean'],
];

function describeEnd(object, property) {
    if (property === null)
        return 'subscriber';
    if (object === null)
        return `(gone):${property}`;
    return `${object.constructor.$gtype.name}:${property}`;
}

function nameOf(object) {
    return (object !== null && Obs.get_object_name(object)) || 'unnamed';
}

function describeFlags(flags) {
    return FLAG_NICKS.filter(([flag]) => flags & flag)
        .map(([, nick]) => nick)
        .join(', ');
}

function setupLinkRow(factory, item) {
    const box = new Gtk.Box({
        orientation: Gtk.Orientation.VERTICAL, spacing: 2,
        margin_top: 4, margin_bottom: 4, margin_start: 6, margin_end: 6,
    });
    box.append(new Gtk.Label({xalign: 0}));
    box.append(new Gtk.Label({xalign: 0, css_classes: ['dim-label', 'caption']}));
    item.set_child(box);
}

function bindLinkRow(factory, item) {
    const link = item.get_item();
    const ends = item.get_child().get_first_child();
    const details = ends.get_next_sibling();
    const source = link.dup_source();
    const target = link.dup_target();
    const arrow = link.is_two_way() ? '↔' : '→';

    ends.set_text(`${describeEnd(source, link.get_source_property())} ${arrow} ` +
        `${describeEnd(target, link.get_target_property())}`);

    let text = `${nameOf(source)} ${arrow} `;
    text += target !== null ? nameOf(target) : 'callback';
    const flags = describeFlags(link.get_flags());
    if (flags)
        text += ` · ${flags}`;
    details.set_text(text);
}

const SettingsWindow = GObject.registerClass(
class SettingsWindow extends Gtk.ApplicationWindow {
    _init(params) {
        super._init({title: 'Sound', default_width: 460, ...params});

        // The default broker drains from the default main context, where
        // GTK runs.
        this.broker = Obs.Broker.get_default();
        this.exportDir = GLib.get_tmp_dir();
        this.exportName = 'obs-links';
        this.exporting = false;

        this._build();
        this._nameObjects();
        this._link();
    }

    _build() {
        const header = new Gtk.HeaderBar();
        const exportButton = new Gtk.Button({label: 'Export graph'});
        exportButton.connect('clicked', () => this.exportGraph());
        header.pack_end(exportButton);
        this.set_titlebar(header);

        const content = new Gtk.Box({
            orientation: Gtk.Orientation.VERTICAL, spacing: 12,
            margin_top: 18, margin_bottom: 18, margin_start: 18, margin_end: 18,
        });
        this.set_child(content);

        this.mute = new Gtk.Switch({valign: Gtk.Align.CENTER});
        const row = new Gtk.Box({spacing: 12});
        row.append(new Gtk.Label({label: 'Mute', xalign: 0, hexpand: true}));
        row.append(this.mute);
        content.append(row);

        // the group the switch turns off: the label, the scale and the spin
        this.group = new Gtk.Box({orientation: Gtk.Orientation.VERTICAL, spacing: 6});
        content.append(this.group);

        this.volumeLabel = new Gtk.Label({xalign: 0, css_classes: ['heading']});
        this.group.append(this.volumeLabel);

        const controls = new Gtk.Box({spacing: 12});
        this.group.append(controls);

        this.volume = new Gtk.Adjustment({
            value: 50, lower: 0, upper: 100, step_increment: 1, page_increment: 10,
        });
        this.scale = new Gtk.Scale({
            adjustment: this.volume, digits: 0, round_digits: 0, hexpand: true,
        });
        controls.append(this.scale);

        // its own adjustment: the link, not a shared adjustment, keeps the
        // two widgets in step
        this.spin = Gtk.SpinButton.new_with_range(0, 100, 1);
        controls.append(this.spin);

        content.append(new Gtk.Label({
            label: 'Live links', xalign: 0, margin_top: 6, css_classes: ['heading'],
        }));

        const factory = new Gtk.SignalListItemFactory();
        factory.connect('setup', setupLinkRow);
        factory.connect('bind', bindLinkRow);
        const selection = new Gtk.NoSelection({model: this.broker.get_links()});
        this.linksView = new Gtk.ListView({model: selection, factory});

        const scrolled = new Gtk.ScrolledWindow({
            min_content_height: 150, has_frame: true,
            hscrollbar_policy: Gtk.PolicyType.NEVER,
        });
        scrolled.set_child(this.linksView);
        content.append(scrolled);

        this.status = new Gtk.Label({xalign: 0, css_classes: ['dim-label']});
        content.append(this.status);
    }

    _nameObjects() {
        // Names show up in the graph, in the list and in G_MESSAGES_DEBUG=Obs
        // traces instead of addresses.
        Obs.set_object_name(this.volume, 'volume');
        Obs.set_object_name(this.spin, 'volume-spin');
        Obs.set_object_name(this.volumeLabel, 'volume-label');
        Obs.set_object_name(this.mute, 'mute');
        Obs.set_object_name(this.group, 'volume-group');
    }

    _link() {
        const sync = Obs.LinkFlags.SYNC_CREATE;

        // the scale's adjustment and the spin button, both ways
        this.broker.link(this.volume, 'value', this.spin, 'value', sync);
        // the value, as a sentence, one way
        this.broker.dlink_with_closure(this.volume, 'value',
            this.volumeLabel, 'label', sync,
            (link, value) => `Volume: ${value.toFixed(0)}`);
        // muted means the volume controls are off
        this.broker.dlink(this.mute, 'active', this.group, 'sensitive',
            sync | Obs.LinkFlags.INVERT_BOOLEAN);
    }

    // Writes the broker's graph to <dir>/<name>.dot and runs `dot -Tsvg` on
    // it, which writes <dir>/<name>.svg.
    exportGraph() {
        if (this.exporting)
            return;

        const base = GLib.build_filenamev([this.exportDir, this.exportName]);
        let subprocess;
        try {
            GLib.file_set_contents(`${base}.dot`, this.broker.to_dot());
            subprocess = Gio.Subprocess.new(
                ['dot', '-Tsvg', '-o', `${base}.svg`, `${base}.dot`],
                Gio.SubprocessFlags.NONE);
        } catch (error) {
            this.status.set_text(error.message);
            return;
        }

        this.exporting = true;
        this.status.set_text('Drawing the graph…');
        subprocess.wait_check_async(null, (process, result) => {
            this.exporting = false;
            try {
                process.wait_check_finish(result);
                this.status.set_text(`Wrote ${base}.svg`);
            } catch (error) {
                this.status.set_text(`dot failed: ${error.message}`);
            }
        });
    }
});

// The self-test -------------------------------------------------------------

class Tap {
    constructor(planned) {
        this.n = 0;
        this.failed = false;
        print(`1..${planned}`);
    }

    check(ok, description) {
        this.n++;
        if (!ok)
            this.failed = true;
        print(`${ok ? '' : 'not '}ok ${this.n} - ${description}`);
    }
}

// Lets the main loop run until done() is true; false on timeout.
function iterateUntil(done, seconds = 10) {
    let timedOut = false;
    const timeoutId = GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, seconds, () => {
        timedOut = true;
        return GLib.SOURCE_REMOVE;
    });
    const context = GLib.MainContext.default();
    while (!done() && !timedOut)
        context.iteration(true);
    if (!timedOut)
        GLib.source_remove(timeoutId);
    return !timedOut;
}

// Lets the main loop run until the window has painted nFrames more frames.
// The broker drains at GLib.PRIORITY_HIGH_IDLE, before GTK's frame work, so
// a change made before the first one is on screen in it.
function waitForFrames(widget, nFrames = 1) {
    const clock = widget.get_frame_clock();
    let painted = 0;
    const handlerId = clock.connect('after-paint', () => painted++);
    const ok = iterateUntil(() => {
        widget.queue_draw();
        return painted >= nFrames;
    });
    clock.disconnect(handlerId);
    return ok;
}

// Captures the window with imagemagick, as the Python example does.
function saveScreenshot(window, path) {
    const surface = window.get_surface();
    const what = surface instanceof GdkX11.X11Surface
        ? `0x${surface.get_xid().toString(16)}` : 'root';

    Gdk.Display.get_default().flush();
    const process = Gio.Subprocess.new(['import', '-window', what, path],
        Gio.SubprocessFlags.NONE);
    return process.wait_check(null);
}

function fileContains(path, needle) {
    try {
        const [, bytes] = GLib.file_get_contents(path);
        return new TextDecoder().decode(bytes).includes(needle);
    } catch (error) {
        return false;
    }
}

function runSelfTest(window, outputDir) {
    const tap = new Tap(10);
    const links = window.broker.get_links();

    window.exportDir = outputDir;
    window.exportName = 'settings-js';

    tap.check(waitForFrames(window), 'the window is on screen');

    tap.check(links.get_n_items() === 3,
        `the list shows the 3 links (got ${links.get_n_items()})`);

    window.spin.set_value(17);
    waitForFrames(window);
    tap.check(window.volume.get_value() === 17,
        `spin button 17 moves the scale to 17 (got ${window.volume.get_value()})`);

    window.scale.set_value(42);
    waitForFrames(window);
    tap.check(window.spin.get_value() === 42,
        `scale 42 moves the spin button to 42 (got ${window.spin.get_value()})`);
    tap.check(window.volumeLabel.get_text() === 'Volume: 42',
        `the label reads "Volume: 42" (got "${window.volumeLabel.get_text()}")`);

    tap.check(window.group.get_sensitive(),
        'the volume group is sensitive while not muted');

    window.mute.set_active(true);
    waitForFrames(window);
    tap.check(!window.group.get_sensitive(),
        'muting makes the volume group insensitive');

    window.mute.set_active(false);
    waitForFrames(window, 2);
    tap.check(window.group.get_sensitive(), 'unmuting makes it sensitive again');

    const pngPath = GLib.build_filenamev([outputDir, 'settings-js.png']);
    GLib.unlink(pngPath);
    try {
        saveScreenshot(window, pngPath);
    } catch (error) {
        print(`# ${error.message}`);
    }
    tap.check(GLib.file_test(pngPath, GLib.FileTest.IS_REGULAR),
        `screenshot saved to ${pngPath}`);

    const svgPath = GLib.build_filenamev([outputDir, 'settings-js.svg']);
    GLib.unlink(svgPath);
    window.exportGraph();
    iterateUntil(() => !window.exporting, 20);
    print(`# ${window.status.get_text()}`);
    tap.check(fileContains(svgPath, '<svg') && fileContains(svgPath, 'GtkSwitch'),
        `graph exported to ${svgPath}`);

    return tap.failed ? 1 : 0;
}

// The application -----------------------------------------------------------

const application = new Gtk.Application({
    application_id: 'org.example.ObsSettings',
    flags: Gio.ApplicationFlags.NON_UNIQUE,
});
let selfTestDir = null;
let exitStatus = 0;

application.add_main_option('self-test', 0, GLib.OptionFlags.NONE,
    GLib.OptionArg.STRING,
    'Check the links, save a screenshot and the graph in DIR, print TAP', 'DIR');

application.connect('handle-local-options', (app, options) => {
    const value = options.lookup_value('self-test', new GLib.VariantType('s'));
    if (value !== null)
        selfTestDir = value.unpack();
    return -1;
});

application.connect('activate', () => {
    const window = new SettingsWindow({application});
    window.present();

    if (selfTestDir !== null) {
        GLib.idle_add(GLib.PRIORITY_DEFAULT_IDLE, () => {
            exitStatus = runSelfTest(window, selfTestDir);
            application.quit();
            return GLib.SOURCE_REMOVE;
        });
    }
});

const status = application.run([System.programInvocationName, ...System.programArgs]);
System.exit(status || exitStatus);
