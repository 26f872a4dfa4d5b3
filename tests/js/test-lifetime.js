// test-lifetime.js: what the broker keeps alive from gjs, and for how long
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Whether a GObject was finalized is read from a GBinding made on it: the
// binding holds its source with a GObject weak reference, and
// GObject.Binding.dup_source() returns null once the source is gone. (A JS
// WeakRef on the wrapper is no use here: in gjs 1.74 it keeps the wrapper,
// and so the GObject, alive.)

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Obs from 'gi://Obs?version=1';
import System from 'system';

import {test, assertEqual, assert, run} from './tap.js';

const Thing = GObject.registerClass({
    Properties: {
        'a': GObject.ParamSpec.int('a', null, null,
            GObject.ParamFlags.READWRITE, -1e6, 1e6, 0),
        's': GObject.ParamSpec.string('s', null, null,
            GObject.ParamFlags.READWRITE, ''),
    },
}, class Thing extends GObject.Object {});

const anchor = new Thing();

// Returns a function telling whether object is still alive. It holds the
// object only weakly. property must be an int property of object.
function watchFinalize(object, property = 'a') {
    const binding = object.bind_property(property, anchor, 'a',
        GObject.BindingFlags.DEFAULT);
    return () => binding.dup_source() !== null;
}

function idle() {
    return new Promise(resolve => {
        GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
            resolve();
            return GLib.SOURCE_REMOVE;
        });
    });
}

// Lets the current job end (wrappers may be kept until then), then runs
// the garbage collector, a few times since a collected wrapper can drop
// the last reference to another one.
async function collectGarbage() {
    for (let i = 0; i < 3; i++) {
        await idle();
        System.gc();
    }
}

function rssBytes() {
    const [, contents] = GLib.file_get_contents('/proc/self/statm');
    const pages = parseInt(new TextDecoder().decode(contents).split(' ')[1]);
    return pages * 4096;
}

test('unlink releases the transform and the GObject it captured', async () => {
    const broker = new Obs.Broker();
    const source = new Thing();
    const target = new Thing();
    let capturedAlive;
    const link = (() => {
        const captured = new Thing({a: 100});
        capturedAlive = watchFinalize(captured);
        return broker.dlink_with_closure(source, 'a', target, 's',
            Obs.LinkFlags.DEFAULT, (l, v) => `${v + captured.a}`);
    })();

    source.a = 1;
    broker.flush();
    assertEqual(target.s, '101', 'target.s');

    await collectGarbage();
    assert(capturedAlive(), 'the link keeps its transform and what it captured');

    link.unlink();
    await collectGarbage();
    assert(!capturedAlive(), 'captured object finalized after unlink');
    assert(!link.is_active(), 'link inactive');
    assertEqual(broker.get_n_items(), 0, 'links in the broker');
});

test('unlink releases a subscriber and the GObject it captured', async () => {
    const broker = new Obs.Broker();
    const source = new Thing();
    let capturedAlive;
    const link = (() => {
        const captured = new Thing();
        capturedAlive = watchFinalize(captured);
        return broker.subscribe_closure(source, 'a', (l, v) => {
            captured.a = v;
        });
    })();

    source.a = 4;
    assertEqual(broker.flush(), 1, 'propagations');
    await collectGarbage();
    assert(capturedAlive(), 'the subscription keeps its callback');

    link.unlink();
    await collectGarbage();
    assert(!capturedAlive(), 'captured object finalized after unlink');
});

test('dropped objects finalize and their transform is released', async () => {
    const broker = new Obs.Broker();
    let sourceAlive, targetAlive, capturedAlive, link, subscription;
    (() => {
        const source = new Thing();
        const target = new Thing();
        const captured = new Thing();
        sourceAlive = watchFinalize(source);
        targetAlive = watchFinalize(target);
        capturedAlive = watchFinalize(captured);
        link = broker.link_with_closures(source, 'a', target, 's',
            Obs.LinkFlags.DEFAULT,
            (l, v) => `${v + captured.a}`, (l, v) => parseInt(v) - captured.a);
        subscription = broker.subscribe_closure(source, 'a',
            (l, v) => captured.a === v);
        source.a = 3;
        broker.flush();
        assertEqual(target.s, '3', 'target.s');
    })();

    await collectGarbage();
    assert(!sourceAlive(), 'source finalized');
    assert(!targetAlive(), 'target finalized');
    assert(!link.is_active(), 'link inactive');
    assert(!subscription.is_active(), 'subscription inactive');
    assertEqual(link.dup_source(), null, 'link source');

    broker.flush();
    await collectGarbage();
    assert(!capturedAlive(), 'captured object finalized');
    assertEqual(broker.get_n_items(), 0, 'links in the broker');

    link.unlink();
    link.unlink();
    subscription.unlink();
});

test('a transform capturing its own objects is no cycle after unlink', async () => {
    const broker = new Obs.Broker();
    let sourceAlive, targetAlive;
    const link = (() => {
        const source = new Thing();
        const target = new Thing();
        sourceAlive = watchFinalize(source);
        targetAlive = watchFinalize(target);
        const made = broker.dlink_with_closure(source, 'a', target, 's',
            Obs.LinkFlags.DEFAULT, (l, v) => `${source.a}/${target.a}:${v}`);
        source.a = 4;
        broker.flush();
        assertEqual(target.s, '4/0:4', 'target.s');
        return made;
    })();

    await collectGarbage();
    assert(sourceAlive() && targetAlive(),
        'the transform holds its objects while linked');

    link.unlink();
    await collectGarbage();
    assert(!sourceAlive(), 'source finalized');
    assert(!targetAlive(), 'target finalized');
});

test('a dropped broker releases its links and transforms', async () => {
    let brokerAlive, capturedAlive;
    const source = new Thing();
    const target = new Thing();
    const link = (() => {
        const broker = new Obs.Broker();
        const captured = new Thing();
        brokerAlive = watchFinalize(broker, 'priority');
        capturedAlive = watchFinalize(captured);
        return broker.dlink_with_closure(source, 'a', target, 's',
            Obs.LinkFlags.DEFAULT, (l, v) => `${v}${captured.s}`);
    })();

    await collectGarbage();
    assert(!brokerAlive(), 'broker finalized');
    assert(!capturedAlive(), 'captured object finalized');
    assert(!link.is_active(), 'link inactive');

    source.a = 3;
    await idle();
    assertEqual(target.s, '', 'target.s');
    link.unlink();
});

function makeAndRemoveLinks(broker, count) {
    const things = [];
    for (let i = 0; i < 100; i++)
        things.push(new Thing());

    const links = [];
    for (let i = 0; i < count; i++) {
        links.push(broker.dlink_with_closure(things[i % 100], 'a',
            things[(i + 1) % 100], 's', Obs.LinkFlags.DEFAULT,
            (l, v) => `${v}/${i}`));
    }

    assertEqual(broker.get_n_items(), count, 'links in the broker');
    things[0].a = 1;
    assert(broker.flush() > 0, 'links propagate');

    for (const link of links)
        link.unlink();
    assertEqual(broker.get_n_items(), 0, 'links in the broker');
}

test('10,000 links made and removed leave no memory behind', async () => {
    const broker = new Obs.Broker();
    const rss = [];

    for (let round = 0; round < 10; round++) {
        makeAndRemoveLinks(broker, 10000);
        // eslint-disable-next-line no-await-in-loop
        await collectGarbage();
        rss.push(rssBytes());
    }

    // Rounds 1 to 3 warm the allocator and the JS heap up; rounds 4 to 10
    // make 70,000 links after that. A leak of 60 bytes a link would show
    // as 4 MB.
    const growth = rss[rss.length - 1] - rss[2];
    assert(growth < 4 * 1024 * 1024,
        `RSS grew by ${growth} bytes: ${JSON.stringify(rss)}`);
});

await run();
