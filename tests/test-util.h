/* test-util.h: what the C suites share: running each case in a guarded
 * subprocess, and small helpers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <obs-glib.h>

G_BEGIN_DECLS

#define TEST_GUARD_TIMEOUT (20 * G_USEC_PER_SEC)

void   test_add_guarded       (const char *path,
                               GTestFunc   func);
void   test_add_guarded_full  (const char *path,
                               GTestFunc   func,
                               guint64     timeout);
guint  test_count_links       (ObsBroker  *broker);
int    test_get_int           (gpointer    object,
                               const char *property);
void   test_count_destroy     (gpointer    data);

G_END_DECLS
