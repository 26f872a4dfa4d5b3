// things.js: the two-Things story, told with obs-glib from gjs
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Obs from 'gi://Obs?version=1';

const Thing = GObject.registerClass({
    Properties: {
        'a': GObject.ParamSpec.int('a', null, null,
            GObject.ParamFlags.READWRITE, GLib.MININT32, GLib.MAXINT32, 0),
        'text': GObject.ParamSpec.string('text', null, null,
            GObject.ParamFlags.READWRITE, ''),
    },
}, class Thing extends GObject.Object {});

const broker = new Obs.Broker();
const first = new Thing({a: 10});
const second = new Thing({a: 20});
const third = new Thing();

print(`Two Things: first.a = ${first.a}, second.a = ${second.a}`);
broker.link(first, 'a', second, 'a', Obs.LinkFlags.DEFAULT);
print('Linked first.a and second.a both ways.\n');

first.a = 30;
print(`Set first.a to 30. Before the broker runs, second.a is still ${second.a}.`);
let n = broker.flush();
print(`Flushed the broker (${n} propagation): first.a = ${first.a}, second.a = ${second.a}\n`);

second.a = 40;
print('Set second.a to 40 and let the main loop run...');
const loop = new GLib.MainLoop(null, false);
GLib.idle_add(GLib.PRIORITY_DEFAULT_IDLE, () => {
    loop.quit();
    return GLib.SOURCE_REMOVE;
});
loop.run();
print(`The main loop delivered it: first.a = ${first.a}, second.a = ${second.a}\n`);

broker.dlink_with_closure(first, 'a', third, 'text', Obs.LinkFlags.SYNC_CREATE,
    (link, a) => `a is ${a}`);
print(`Linked first.a one way to third.text through a transform: third.text = "${third.text}"`);
broker.subscribe(first, 'a', (link, a) => print(`  subscriber received a = ${a}`));
print('Subscribed to first.a.\n');

print('Set first.a to 50 and flush:');
first.a = 50;
broker.flush();
print(`  second.a = ${second.a}, third.text = "${third.text}"\n`);

print('Trigger first.a without changing it, and flush:');
broker.trigger(first, 'a');
n = broker.flush();
print(`  ${n} propagations pushed the unchanged value again.\n`);

try {
    broker.dlink(first, 'b', second, 'a', Obs.LinkFlags.DEFAULT);
} catch (error) {
    print(`Linking a property that does not exist fails: ${error.message}`);
}

print('Done.');
