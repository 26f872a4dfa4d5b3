// test-broker.js: the broker from gjs
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GObject from 'gi://GObject';
import Obs from 'gi://Obs?version=1';

import {test, assertEqual, run} from './tap.js';

const Thing = GObject.registerClass({
    Properties: {
        'a': GObject.ParamSpec.int('a', null, null,
            GObject.ParamFlags.READWRITE, -1e6, 1e6, 0),
    },
}, class Thing extends GObject.Object {});

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

await run();
