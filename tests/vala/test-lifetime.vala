/* test-lifetime.vala: what the broker keeps alive from Vala, and for how
 * long
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Makes a link whose transform captures captured: the lambda's closure
 * block, owned by the broker, holds a reference on it. The block belongs
 * to this function, so the caller's own variable stays independent. */
Obs.Link link_capturing (Obs.Broker broker,
                         Thing source,
                         Thing target,
                         Object captured) {
    Obs.Link? link = null;

    try {
        link = broker.dlink_full (source, "a", target, "text",
                                  Obs.LinkFlags.DEFAULT,
                                  (l, from_value, out to_value) => {
                                      to_value = "%d %s".printf (from_value.get_int (),
                                                                 captured.get_type ().name ());
                                      return true;
                                  });
    } catch (Error e) {
        assert_no_error (e);
    }

    return link;
}

/* Makes a link whose transform captures both of its own objects. */
Obs.Link link_capturing_ends (Obs.Broker broker,
                              Thing source,
                              Thing target) {
    Obs.Link? link = null;

    try {
        link = broker.dlink_full (source, "a", target, "text",
                                  Obs.LinkFlags.DEFAULT,
                                  (l, from_value, out to_value) => {
                                      to_value = "%d/%d:%d".printf (source.a, target.a,
                                                                    from_value.get_int ());
                                      return true;
                                  });
    } catch (Error e) {
        assert_no_error (e);
    }

    return link;
}

Obs.Link subscribe_capturing (Obs.Broker broker,
                              Thing source,
                              Thing captured) {
    Obs.Link? link = null;

    try {
        link = broker.subscribe (source, "a", (l, value) => {
            captured.a = value.get_int ();
        });
    } catch (Error e) {
        assert_no_error (e);
    }

    return link;
}

void test_unlink_releases_captured () {
    var broker = new Obs.Broker ();
    var source = new Thing ();
    var target = new Thing ();
    var captured = new Thing ();
    void *captured_pointer = captured;

    captured.add_weak_pointer (&captured_pointer);
    var link = link_capturing (broker, source, target, captured);

    source.a = 1;
    broker.flush ();
    assert_cmpstr (target.text, CompareOperator.EQ, "1 Thing");
    assert_cmpuint (captured.ref_count, CompareOperator.EQ, 2);

    link.unlink ();
    assert_cmpuint (captured.ref_count, CompareOperator.EQ, 1);
    assert_false (link.is_active ());
    assert_cmpuint (broker.get_n_items (), CompareOperator.EQ, 0);

    captured = null;
    assert_null (captured_pointer);
}

void test_unlink_releases_subscriber () {
    var broker = new Obs.Broker ();
    var source = new Thing ();
    var captured = new Thing ();

    var link = subscribe_capturing (broker, source, captured);
    source.a = 4;
    assert_cmpuint (broker.flush (), CompareOperator.EQ, 1);
    assert_cmpint (captured.a, CompareOperator.EQ, 4);
    assert_cmpuint (captured.ref_count, CompareOperator.EQ, 2);

    link.unlink ();
    assert_cmpuint (captured.ref_count, CompareOperator.EQ, 1);
}

void test_dropped_objects_finalize () {
    var broker = new Obs.Broker ();
    var source = new Thing ();
    var target = new Thing ();
    var captured = new Thing ();
    void *source_pointer = source;
    void *target_pointer = target;

    source.add_weak_pointer (&source_pointer);
    target.add_weak_pointer (&target_pointer);
    var link = link_capturing (broker, source, target, captured);
    var subscription = subscribe_capturing (broker, source, captured);
    assert_cmpuint (captured.ref_count, CompareOperator.EQ, 3);

    source.a = 3;
    broker.flush ();
    assert_cmpstr (target.text, CompareOperator.EQ, "3 Thing");

    source = null;
    target = null;
    assert_null (source_pointer);
    assert_null (target_pointer);
    assert_false (link.is_active ());
    assert_false (subscription.is_active ());
    assert_null (link.dup_source ());

    /* The transforms go from the broker's next drain, not from the
     * objects' dispose. */
    broker.flush ();
    assert_cmpuint (captured.ref_count, CompareOperator.EQ, 1);
    assert_cmpuint (broker.get_n_items (), CompareOperator.EQ, 0);

    link.unlink ();
    link.unlink ();
    subscription.unlink ();
}

void test_capturing_own_objects_no_cycle_after_unlink () {
    var broker = new Obs.Broker ();
    var source = new Thing ();
    var target = new Thing ();
    void *source_pointer = source;
    void *target_pointer = target;

    source.add_weak_pointer (&source_pointer);
    target.add_weak_pointer (&target_pointer);
    var link = link_capturing_ends (broker, source, target);

    source.a = 4;
    broker.flush ();
    assert_cmpstr (target.text, CompareOperator.EQ, "4/0:4");

    source = null;
    target = null;
    assert_nonnull (source_pointer);
    assert_nonnull (target_pointer);

    link.unlink ();
    assert_null (source_pointer);
    assert_null (target_pointer);
}

void test_dropped_broker_releases () {
    var broker = new Obs.Broker ();
    var source = new Thing ();
    var target = new Thing ();
    var captured = new Thing ();
    void *broker_pointer = broker;

    broker.add_weak_pointer (&broker_pointer);
    var link = link_capturing (broker, source, target, captured);
    assert_cmpuint (captured.ref_count, CompareOperator.EQ, 2);

    broker = null;
    assert_null (broker_pointer);
    assert_cmpuint (captured.ref_count, CompareOperator.EQ, 1);
    assert_false (link.is_active ());

    source.a = 3;
    MainContext.default ().iteration (false);
    assert_cmpstr (target.text, CompareOperator.EQ, "");
    link.unlink ();
}

size_t rss_bytes () {
    string contents;

    try {
        FileUtils.get_contents ("/proc/self/statm", out contents);
    } catch (Error e) {
        assert_no_error (e);
    }

    /* statm counts pages; 4096 bytes each on the machines tests run on */
    return (size_t) uint64.parse (contents.split (" ")[1]) * 4096;
}

void make_and_remove_links (Obs.Broker broker, int count) {
    Thing[] things = {};
    Obs.Link[] links = {};

    for (int i = 0; i < 100; i++)
        things += new Thing ();

    for (int i = 0; i < count; i++) {
        int n = i;

        try {
            links += broker.dlink_full (things[i % 100], "a",
                                        things[(i + 1) % 100], "text",
                                        Obs.LinkFlags.DEFAULT,
                                        (l, from_value, out to_value) => {
                                            to_value = "%d/%d".printf (from_value.get_int (), n);
                                            return true;
                                        });
        } catch (Error e) {
            assert_no_error (e);
        }
    }

    assert_cmpuint (broker.get_n_items (), CompareOperator.EQ, count);
    things[0].a = 1;
    assert_cmpuint (broker.flush (), CompareOperator.GT, 0);

    foreach (var link in links)
        link.unlink ();
    assert_cmpuint (broker.get_n_items (), CompareOperator.EQ, 0);
}

void test_ten_thousand_links_memory () {
    var broker = new Obs.Broker ();
    size_t rss[10];

    for (int round = 0; round < rss.length; round++) {
        make_and_remove_links (broker, 10000);
        rss[round] = rss_bytes ();
    }

    /* Rounds 1 to 3 warm the allocator up; rounds 4 to 10 make 70,000
     * links after that. A leak of 60 bytes a link would show as 4 MB. */
    var growth = (int64) rss[rss.length - 1] - (int64) rss[2];
    if (growth >= 4 * 1024 * 1024) {
        var rounds = new StringBuilder ();
        foreach (var bytes in rss)
            rounds.append_printf (" %zu", bytes);
        Test.fail_printf ("RSS grew by %" + int64.FORMAT + " bytes:%s",
                          growth, rounds.str);
    }
}

void add_lifetime_tests () {
    Test.add_func ("/Obs/Vala/lifetime/unlink-releases-captured",
                   test_unlink_releases_captured);
    Test.add_func ("/Obs/Vala/lifetime/unlink-releases-subscriber",
                   test_unlink_releases_subscriber);
    Test.add_func ("/Obs/Vala/lifetime/dropped-objects-finalize",
                   test_dropped_objects_finalize);
    Test.add_func ("/Obs/Vala/lifetime/capturing-own-objects",
                   test_capturing_own_objects_no_cycle_after_unlink);
    Test.add_func ("/Obs/Vala/lifetime/dropped-broker",
                   test_dropped_broker_releases);
    Test.add_func ("/Obs/Vala/lifetime/ten-thousand-links-memory",
                   test_ten_thousand_links_memory);
}
