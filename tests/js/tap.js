// tap.js: a small test runner for gjs that prints TAP for meson
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import System from 'system';

const tests = [];

export function test(name, func) {
    tests.push({name, func});
}

// A test that fails because of a known bug in the library: it reports
// "not ok ... # TODO" (an expected failure) while it fails, and turns into
// an unexpected pass, which fails the run, once the bug is fixed.
export function knownBug(name, reason, func) {
    tests.push({name, func, reason});
}

export function assertEqual(actual, expected, what = 'value') {
    if (actual !== expected)
        throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

export function assert(condition, what = 'assertion') {
    if (!condition)
        throw new Error(`${what} failed`);
}

export function assertThrows(func, check, what = 'call') {
    try {
        func();
    } catch (error) {
        if (check)
            check(error);
        return;
    }
    throw new Error(`${what} did not throw`);
}

export async function run() {
    let failed = 0;
    print(`1..${tests.length}`);
    for (const [index, {name, func, reason}] of tests.entries()) {
        const todo = reason ? ` # TODO ${reason}` : '';
        try {
            await func();
            print(`ok ${index + 1} - ${name}${todo}`);
            if (reason)
                failed++;
        } catch (error) {
            if (!reason)
                failed++;
            print(`not ok ${index + 1} - ${name}${todo}`);
            for (const line of `${error}\n${error.stack ?? ''}`.split('\n'))
                print(`# ${line}`);
        }
    }
    System.exit(failed > 0 ? 1 : 0);
}
