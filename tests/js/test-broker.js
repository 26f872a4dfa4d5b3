// test-broker.js: the broker from gjs
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Obs from 'gi://Obs?version=1';

import {test, assertEqual, assert, assertThrows, run} from './tap.js';

// How long a main loop may run before a test gives up on it.
const LOOP_GUARD_MS = 5000;

const Thing = GObject.registerClass({
    Properties: {
        'a': GObject.ParamSpec.int('a', null, null,
            GObject.ParamFlags.READWRITE, -1e6, 1e6, 0),
        's': GObject.ParamSpec.string('s', null, null,
            GObject.ParamFlags.READWRITE, ''),
        'f': GObject.ParamSpec.double('f', null, null,
            GObject.ParamFlags.READWRITE, -1e9, 1e9, 0),
        'b': GObject.ParamSpec.boolean('b', null, null,
            GObject.ParamFlags.READWRITE, false),
        'o': GObject.ParamSpec.object('o', null, null,
            GObject.ParamFlags.READWRITE, GObject.Object),
        'family': GObject.ParamSpec.enum('family', null, null,
            GObject.ParamFlags.READWRITE, Gio.SocketFamily,
            Gio.SocketFamily.INVALID),
        'when': GObject.ParamSpec.boxed('when', null, null,
            GObject.ParamFlags.READWRITE, GLib.DateTime),
        'data': GObject.ParamSpec.boxed('data', null, null,
            GObject.ParamFlags.READWRITE, GLib.Bytes),
    },
}, class Thing extends GObject.Object {});

function countNotifies(thing, name) {
    const counter = {count: 0};
    thing.connect(`notify::${name}`, () => counter.count++);
    return counter;
}

// Runs a main loop until the target's property notifies, or the guard
// runs out. Returns whether the value arrived in time.
function runLoopUntilNotify(thing, name) {
    const loop = new GLib.MainLoop(null, false);
    let timedOut = false;
    const handler = thing.connect(`notify::${name}`, () => loop.quit());
    const guard = GLib.timeout_add(GLib.PRIORITY_DEFAULT, LOOP_GUARD_MS, () => {
        timedOut = true;
        loop.quit();
        return GLib.SOURCE_REMOVE;
    });

    loop.run();

    thing.disconnect(handler);
    if (!timedOut)
        GLib.source_remove(guard);
    return !timedOut;
}

function assertLinkError(error, code, what = 'error') {
    assert(error instanceof GLib.Error, `${what} is a GLib.Error (${error})`);
    assert(error.matches(Obs.LinkError, code),
        `${what} is Obs.LinkError ${code}, got domain ${error.domain} code ${error.code}: ${error.message}`);
}

function bytesToString(bytes) {
    return new TextDecoder().decode(bytes.toArray());
}

// The two Things ------------------------------------------------------------

test('two-way link settles after flush', () => {
    const broker = new Obs.Broker();
    const first = new Thing({a: 10});
    const second = new Thing({a: 20});
    broker.link(first, 'a', second, 'a', Obs.LinkFlags.DEFAULT);

    first.a = 30;
    assertEqual(second.a, 20, 'second.a before flush');
    assertEqual(broker.flush(), 1, 'propagations');
    assertEqual(second.a, 30, 'second.a after flush');
});

test('two-way link carries back and does not echo', () => {
    const broker = new Obs.Broker();
    const first = new Thing({a: 1});
    const second = new Thing({a: 2});
    const link = broker.link(first, 'a', second, 'a', Obs.LinkFlags.SYNC_CREATE);
    const firstNotified = countNotifies(first, 'a');
    const secondNotified = countNotifies(second, 'a');

    assert(link.is_two_way(), 'link is two-way');
    assertEqual(second.a, 1, 'second.a after SYNC_CREATE');

    second.a = 5;
    assertEqual(first.a, 1, 'first.a before flush');
    assertEqual(broker.flush(), 1, 'propagations');
    assertEqual(first.a, 5, 'first.a');
    assertEqual(firstNotified.count, 1, 'notifies of first');
    assertEqual(secondNotified.count, 1, 'notifies of second');

    first.a = 6;
    first.a = 7;
    first.a = 8;
    assertEqual(broker.flush(), 1, 'coalesced propagations');
    assertEqual(second.a, 8, 'second.a');
    assertEqual(secondNotified.count, 2, 'notifies of second');
});

test('a change right after a SYNC_CREATE link is kept',
    () => {
        const broker = new Obs.Broker();
        const first = new Thing({a: 1});
        const second = new Thing({a: 2});
        broker.link(first, 'a', second, 'a', Obs.LinkFlags.SYNC_CREATE);
        assertEqual(second.a, 1, 'second.a after SYNC_CREATE');

        first.a = 30;
        broker.flush();
        assertEqual(first.a, 30, 'first.a');
        assertEqual(second.a, 30, 'second.a');
    });

test('main loop delivers both ways without flush', () => {
    const broker = new Obs.Broker();
    const first = new Thing({a: 10});
    const second = new Thing({a: 20});
    broker.link(first, 'a', second, 'a', Obs.LinkFlags.DEFAULT);

    first.a = 30;
    assertEqual(second.a, 20, 'second.a before the loop');
    assert(runLoopUntilNotify(second, 'a'), 'value arrived within the guard');
    assertEqual(second.a, 30, 'second.a');

    second.a = 40;
    assertEqual(first.a, 30, 'first.a before the loop');
    assert(runLoopUntilNotify(first, 'a'), 'value arrived within the guard');
    assertEqual(first.a, 40, 'first.a');
    assertEqual(broker.flush(), 0, 'nothing left to flush');
});

test('main loop delivers a transformed string', () => {
    const broker = new Obs.Broker();
    const first = new Thing();
    const second = new Thing({s: 'old'});
    broker.dlink_with_closure(first, 'a', second, 's', Obs.LinkFlags.DEFAULT,
        (link, value) => `a is ${value}`);

    first.a = 3;
    assert(runLoopUntilNotify(second, 's'), 'value arrived within the guard');
    assertEqual(second.s, 'a is 3', 'second.s');
});

// Transforms and subscribers ------------------------------------------------

const action = new Gio.SimpleAction({name: 'picked'});
const otherAction = new Gio.SimpleAction({name: 'other'});
const when = GLib.DateTime.new_utc(2024, 2, 28, 12, 30, 0);

// [name, source property, value, check of the value the transform gets,
//  target property, transform, check of the target]
const ONE_WAY = [
    ['string', 's', 'hello', v => v === 'hello',
        's', v => v.toUpperCase(), v => v === 'HELLO'],
    ['int', 'a', 21, v => v === 21,
        'a', v => v * 2, v => v === 42],
    ['float', 'f', 1.25, v => v === 1.25,
        'f', v => v * 2, v => v === 2.5],
    ['bool', 'b', true, v => v === true,
        'b', v => !v, v => v === false],
    ['GObject', 'o', action, v => v === action,
        's', v => v.get_name(), v => v === 'picked'],
    ['enum', 'family', Gio.SocketFamily.IPV6, v => v === Gio.SocketFamily.IPV6,
        'family', v => v === Gio.SocketFamily.IPV6 ? Gio.SocketFamily.IPV4 : v,
        v => v === Gio.SocketFamily.IPV4],
    ['GLib.DateTime', 'when', when, v => v instanceof GLib.DateTime && v.equal(when),
        'when', v => v.add_days(1), v => v.equal(when.add_days(1))],
    ['GLib.Bytes', 'data', new GLib.Bytes(new TextEncoder().encode('abc')),
        v => v instanceof GLib.Bytes && bytesToString(v) === 'abc',
        's', v => bytesToString(v), v => v === 'abc'],
];

for (const [name, prop, value, checkIn, targetProp, func, checkOut] of ONE_WAY) {
    test(`transform gets a native ${name}`, () => {
        const broker = new Obs.Broker();
        const source = new Thing();
        const target = new Thing({b: true});
        const seen = [];
        const link = broker.dlink_with_closure(source, prop, target, targetProp,
            Obs.LinkFlags.DEFAULT, (l, v) => {
                seen.push([l, v]);
                return func(v);
            });

        source[prop] = value;
        assertEqual(broker.flush(), 1, 'propagations');
        assertEqual(seen.length, 1, 'transform calls');
        assert(seen[0][0] === link, 'transform gets the link');
        assert(checkIn(seen[0][1]), `transform got ${seen[0][1]}`);
        assert(checkOut(target[targetProp]), `target holds ${target[targetProp]}`);
    });
}

// [name, property, value, check]
const SUBSCRIBED = [
    ['string', 's', 'text', v => v === 'text'],
    ['int', 'a', -7, v => v === -7],
    ['float', 'f', 0.5, v => v === 0.5],
    ['bool', 'b', true, v => v === true],
    ['GObject', 'o', action, v => v === action],
    ['enum', 'family', Gio.SocketFamily.IPV4, v => v === Gio.SocketFamily.IPV4],
    ['GLib.DateTime', 'when', when, v => v instanceof GLib.DateTime && v.equal(when)],
];

for (const [name, prop, value, check] of SUBSCRIBED) {
    test(`subscriber gets the link and a native ${name}`, () => {
        const broker = new Obs.Broker();
        const source = new Thing();
        const calls = [];
        const link = broker.subscribe_closure(source, prop,
            (l, v) => calls.push([l, v]));

        source[prop] = value;
        assertEqual(calls.length, 0, 'calls before flush');
        assertEqual(broker.flush(), 1, 'propagations');
        assertEqual(calls.length, 1, 'calls');
        assert(calls[0][0] === link, 'subscriber gets the link');
        assertEqual(link.get_target_property(), null, 'target property');
        assert(check(calls[0][1]), `subscriber got ${calls[0][1]}`);
    });
}

test('subscriber sees the latest value once', () => {
    const broker = new Obs.Broker();
    const source = new Thing();
    const values = [];
    broker.subscribe_closure(source, 'a', (link, v) => values.push(v));

    source.a = 1;
    source.a = 2;
    source.a = 3;
    assertEqual(broker.flush(), 1, 'propagations');
    assertEqual(JSON.stringify(values), '[3]', 'values');
});

const families = {ipv4: Gio.SocketFamily.IPV4, ipv6: Gio.SocketFamily.IPV6};

// [name, property x, value x, property y, x -> y, y -> x, expected y,
//  value y, check of x, writes of the first flush]
//
// Boxed properties compare by pointer (that is what their pspec does), so
// the echo of a change to a DateTime writes the new, equal box back once
// before the link settles.
const BOTH_WAYS = [
    ['int and string', 'a', 4, 's', v => `${v * 10}`, v => parseInt(v) / 10,
        '40', '70', v => v === 7, 1],
    ['float and int', 'f', 0.25, 'a', v => Math.round(v * 100), v => v / 100,
        25, 50, v => v === 0.5, 1],
    ['bool and string', 'b', true, 's', v => v ? 'yes' : 'no', v => v === 'yes',
        'yes', 'no', v => v === false, 1],
    ['GObject and string', 'o', action, 's', v => v.get_name(),
        v => ({picked: action, other: otherAction})[v],
        'picked', 'other', v => v === otherAction, 1],
    ['enum and string', 'family', Gio.SocketFamily.IPV4, 's',
        v => Object.keys(families).find(k => families[k] === v),
        v => families[v], 'ipv4', 'ipv6', v => v === Gio.SocketFamily.IPV6, 1],
    ['GLib.DateTime and string', 'when', when, 's', v => v.format_iso8601(),
        v => GLib.DateTime.new_from_iso8601(v, null),
        '2024-02-28T12:30:00Z', '2025-01-01T00:00:00Z',
        v => v.equal(GLib.DateTime.new_utc(2025, 1, 1, 0, 0, 0)), 2],
];

for (const [name, x, xValue, y, to, back, yExpected, yValue, checkX, writes] of BOTH_WAYS) {
    test(`transforms both ways: ${name}`, () => {
        const broker = new Obs.Broker();
        const first = new Thing();
        const second = new Thing();
        const link = broker.link_with_closures(first, x, second, y,
            Obs.LinkFlags.DEFAULT, (l, v) => to(v), (l, v) => back(v));
        assert(link.is_two_way(), 'link is two-way');

        first[x] = xValue;
        assertEqual(broker.flush(), writes, 'propagations there');
        assertEqual(second[y], yExpected, `second.${y}`);
        assertEqual(broker.flush(), 0, 'settled');

        second[y] = yValue;
        assertEqual(broker.flush(), 1, 'propagations back');
        assertEqual(broker.flush(), 0, 'settled');
        assertEqual(second[y], yValue, `second.${y}`);
        assert(checkX(first[x]), `first.${x} holds ${first[x]}`);
    });
}

// Errors ---------------------------------------------------------------------

const UNKNOWN = [
    ['dlink source', (b, s, t) => b.dlink(s, 'nope', t, 'a', Obs.LinkFlags.DEFAULT)],
    ['dlink target', (b, s, t) => b.dlink(s, 'a', t, 'nope', Obs.LinkFlags.DEFAULT)],
    ['link', (b, s, t) => b.link(s, 'a', t, 'nope', Obs.LinkFlags.DEFAULT)],
    ['dlink_with_closure', (b, s, t) => b.dlink_with_closure(s, 'nope', t, 's',
        Obs.LinkFlags.DEFAULT, (l, v) => v)],
    ['subscribe_closure', (b, s) => b.subscribe_closure(s, 'nope', () => {})],
];

for (const [name, make] of UNKNOWN) {
    test(`unknown property throws (${name})`, () => {
        const broker = new Obs.Broker();
        const source = new Thing();
        const target = new Thing();

        assertThrows(() => make(broker, source, target), error => {
            assertLinkError(error, Obs.LinkError.UNKNOWN_PROPERTY);
            assert(error.message.includes('nope'), `message names the property: ${error.message}`);
        });
        assertEqual(broker.get_n_items(), 0, 'links made');
    });
}

for (const [sourceProp, targetProp] of [['o', 'a'], ['s', 'o'], ['when', 'f'], ['family', 'o'], ['data', 'a']]) {
    test(`non-convertible pair throws TYPE_MISMATCH (${sourceProp} to ${targetProp})`, () => {
        const broker = new Obs.Broker();
        const source = new Thing();
        const target = new Thing();

        assertThrows(() => broker.dlink(source, sourceProp, target, targetProp,
            Obs.LinkFlags.DEFAULT),
        error => assertLinkError(error, Obs.LinkError.TYPE_MISMATCH));
        assertEqual(broker.get_n_items(), 0, 'links made');
    });
}

test('throwing transform leaves the target and reports link-error', () => {
    const broker = new Obs.Broker();
    const source = new Thing({a: 1});
    const target = new Thing({s: 'untouched'});
    const errors = [];
    broker.connect('link-error', (b, link, error) => errors.push([link, error]));
    const link = broker.dlink_with_closure(source, 'a', target, 's',
        Obs.LinkFlags.DEFAULT, (l, v) => {
            if (v < 0)
                throw new RangeError('negative');
            return `a is ${v}`;
        });

    source.a = -5;
    assertEqual(broker.flush(), 0, 'propagations');
    assertEqual(target.s, 'untouched', 'target.s');
    assertEqual(errors.length, 1, 'link-error emissions');
    assert(errors[0][0] === link, 'link-error names the link');
    assertLinkError(errors[0][1], Obs.LinkError.TRANSFORM_FAILED);

    // The link survives the error and carries the next good value.
    assert(link.is_active(), 'link is still active');
    source.a = 5;
    assertEqual(broker.flush(), 1, 'propagations');
    assertEqual(target.s, 'a is 5', 'target.s');
    assertEqual(errors.length, 1, 'link-error emissions');
});

test('transform returning a wrong type reports link-error', () => {
    const broker = new Obs.Broker();
    const source = new Thing();
    const target = new Thing({a: 3});
    const errors = [];
    broker.connect('link-error', (b, link, error) => errors.push(error));
    broker.dlink_with_closure(source, 'a', target, 'a', Obs.LinkFlags.DEFAULT,
        () => new Gio.SimpleAction({name: 'not-a-number'}));

    source.a = 9;
    assertEqual(broker.flush(), 0, 'propagations');
    assertEqual(target.a, 3, 'target.a');
    assertEqual(errors.length, 1, 'link-error emissions');
    assertLinkError(errors[0], Obs.LinkError.TRANSFORM_FAILED);
});

await run();
