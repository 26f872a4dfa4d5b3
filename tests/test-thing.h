/* test-thing.h: a small object with properties of every kind the tests
 * link
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <obs-glib.h>

G_BEGIN_DECLS

#define TEST_TYPE_THING (test_thing_get_type ())

G_DECLARE_FINAL_TYPE (TestThing, test_thing, TEST, THING, GObject)

/* Properties:
 *   "a", "b"    int, notify only when the value changes (EXPLICIT_NOTIFY)
 *   "loud"      int, notifies on every set, even of an equal value
 *   "text"      string
 *   "flag"      boolean
 *   "ratio"     double, 0.0 .. 1000.0
 *   "other"     GObject
 *   "write-only" int, cannot be read
 *   "read-only"  int, cannot be written
 *   "construct-only" int, set only at construction
 */

TestThing *test_thing_new              (int          a);
int        test_thing_get_a            (TestThing   *self);
void       test_thing_set_a            (TestThing   *self,
                                        int          a);
guint      test_thing_count_notifies   (TestThing   *self,
                                        const char  *property);
void       test_thing_reset_notifies   (TestThing   *self);

/* TestQuiet: "a" and "b", int, notified only when the value changes.
 * Its class has no notify method, so that a broker can be the only one
 * listening to it. */

#define TEST_TYPE_QUIET (test_quiet_get_type ())

G_DECLARE_FINAL_TYPE (TestQuiet, test_quiet, TEST, QUIET, GObject)

TestQuiet *test_quiet_new              (int          a);

G_END_DECLS
