/* test-broker.vala: the broker from Vala
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* How long a main loop may run before a test gives up on it. */
const uint LOOP_GUARD_MS = 5000;

public class Thing : Object {
    public int a { get; set; }
    public string text { get; set; default = ""; }
    public double f { get; set; }
    public bool b { get; set; }
    public Object? o { get; set; }
    public SocketFamily family { get; set; default = SocketFamily.INVALID; }
    public DateTime? when { get; set; }
    public Bytes? data { get; set; }
}

/* Counts the notifies of one property. */
class NotifyCounter : Object {
    public uint count;

    public NotifyCounter (Object thing, string name) {
        thing.notify.connect ((object, pspec) => {
            if (pspec.name == name)
                count++;
        });
    }
}

/* Runs a main loop until thing notifies name, or the guard runs out.
 * Returns whether the notify came in time. */
bool run_loop_until_notify (Object thing, string name) {
    var loop = new MainLoop ();
    bool timed_out = false;

    var handler = thing.notify.connect ((object, pspec) => {
        if (pspec.name == name)
            loop.quit ();
    });
    var guard = Timeout.add (LOOP_GUARD_MS, () => {
        timed_out = true;
        loop.quit ();
        return Source.REMOVE;
    });

    loop.run ();

    thing.disconnect (handler);
    if (!timed_out)
        Source.remove (guard);

    return !timed_out;
}

/* The two Things ---------------------------------------------------------- */

void test_two_way_link () {
    var broker = new Obs.Broker ();
    var first = new Thing () { a = 10 };
    var second = new Thing () { a = 20 };

    try {
        broker.link (first, "a", second, "a", Obs.LinkFlags.DEFAULT);
    } catch (Error e) {
        assert_no_error (e);
    }

    first.a = 30;
    assert_cmpint (second.a, CompareOperator.EQ, 20);
    assert_cmpuint (broker.flush (), CompareOperator.EQ, 1);
    assert_cmpint (second.a, CompareOperator.EQ, 30);
}

void test_two_way_link_back_without_echo () {
    var broker = new Obs.Broker ();
    var first = new Thing () { a = 1 };
    var second = new Thing () { a = 2 };
    Obs.Link? link = null;

    try {
        link = broker.link (first, "a", second, "a",
                            Obs.LinkFlags.SYNC_CREATE);
    } catch (Error e) {
        assert_no_error (e);
    }

    var first_notified = new NotifyCounter (first, "a");
    var second_notified = new NotifyCounter (second, "a");

    assert_true (link.is_two_way ());
    assert_cmpint (second.a, CompareOperator.EQ, 1);

    second.a = 5;
    assert_cmpint (first.a, CompareOperator.EQ, 1);
    assert_cmpuint (broker.flush (), CompareOperator.EQ, 1);
    assert_cmpint (first.a, CompareOperator.EQ, 5);
    assert_cmpuint (first_notified.count, CompareOperator.EQ, 1);
    assert_cmpuint (second_notified.count, CompareOperator.EQ, 1);

    first.a = 6;
    first.a = 7;
    first.a = 8;
    assert_cmpuint (broker.flush (), CompareOperator.EQ, 1);
    assert_cmpint (second.a, CompareOperator.EQ, 8);
    assert_cmpuint (second_notified.count, CompareOperator.EQ, 2);
}

void test_sync_create_then_change () {
    var broker = new Obs.Broker ();
    var first = new Thing () { a = 1 };
    var second = new Thing () { a = 2 };

    try {
        broker.link (first, "a", second, "a", Obs.LinkFlags.SYNC_CREATE);
    } catch (Error e) {
        assert_no_error (e);
    }
    assert_cmpint (second.a, CompareOperator.EQ, 1);

    first.a = 30;
    broker.flush ();

    assert_cmpint (first.a, CompareOperator.EQ, 30);
    assert_cmpint (second.a, CompareOperator.EQ, 30);
}

void test_main_loop_dispatch () {
    var broker = new Obs.Broker ();
    var first = new Thing () { a = 10 };
    var second = new Thing () { a = 20 };

    try {
        broker.link (first, "a", second, "a", Obs.LinkFlags.DEFAULT);
    } catch (Error e) {
        assert_no_error (e);
    }

    first.a = 30;
    assert_cmpint (second.a, CompareOperator.EQ, 20);
    assert_true (run_loop_until_notify (second, "a"));
    assert_cmpint (second.a, CompareOperator.EQ, 30);

    second.a = 40;
    assert_cmpint (first.a, CompareOperator.EQ, 30);
    assert_true (run_loop_until_notify (first, "a"));
    assert_cmpint (first.a, CompareOperator.EQ, 40);

    assert_cmpuint (broker.flush (), CompareOperator.EQ, 0);
}

/* Transforms and subscribers ---------------------------------------------- */

void test_transform_lambda () {
    var broker = new Obs.Broker ();
    var first = new Thing () { a = 7 };
    var third = new Thing ();

    try {
        broker.dlink_full (first, "a", third, "text", Obs.LinkFlags.SYNC_CREATE,
                           (link, from_value, out to_value) => {
                               to_value = "a is %d".printf (from_value.get_int ());
                               return true;
                           });
    } catch (Error e) {
        assert_no_error (e);
    }

    assert_cmpstr (third.text, CompareOperator.EQ, "a is 7");
    first.a = 8;
    broker.flush ();
    assert_cmpstr (third.text, CompareOperator.EQ, "a is 8");
}

/* Links source:from one way to target:to with transform and returns the
 * link. */
Obs.Link link_one_way (Obs.Broker broker,
                       Thing source,
                       string from,
                       Thing target,
                       string to,
                       owned Obs.TransformFunc transform) {
    Obs.Link? link = null;

    try {
        link = broker.dlink_full (source, from, target, to,
                                  Obs.LinkFlags.DEFAULT, (owned) transform);
    } catch (Error e) {
        assert_no_error (e);
    }

    return link;
}

void test_transform_string () {
    var broker = new Obs.Broker ();
    var source = new Thing ();
    var target = new Thing ();
    Obs.Link? seen_link = null;

    var link = link_one_way (broker, source, "text", target, "text",
                             (l, from_value, out to_value) => {
                                 seen_link = l;
                                 to_value = from_value.get_string ().up ();
                                 return true;
                             });

    source.text = "hello";
    assert_cmpuint (broker.flush (), CompareOperator.EQ, 1);
    assert_cmpstr (target.text, CompareOperator.EQ, "HELLO");
    assert_true (seen_link == link);
}

void test_transform_int () {
    var broker = new Obs.Broker ();
    var source = new Thing ();
    var target = new Thing ();

    link_one_way (broker, source, "a", target, "a",
                  (l, from_value, out to_value) => {
                      to_value = from_value.get_int () * 2;
                      return true;
                  });

    source.a = 21;
    assert_cmpuint (broker.flush (), CompareOperator.EQ, 1);
    assert_cmpint (target.a, CompareOperator.EQ, 42);
}

void test_transform_double () {
    var broker = new Obs.Broker ();
    var source = new Thing ();
    var target = new Thing ();

    link_one_way (broker, source, "f", target, "f",
                  (l, from_value, out to_value) => {
                      to_value = from_value.get_double () * 2;
                      return true;
                  });

    source.f = 1.25;
    assert_cmpuint (broker.flush (), CompareOperator.EQ, 1);
    assert_cmpfloat (target.f, CompareOperator.EQ, 2.5);
}

void test_transform_bool () {
    var broker = new Obs.Broker ();
    var source = new Thing ();
    var target = new Thing () { b = true };

    link_one_way (broker, source, "b", target, "b",
                  (l, from_value, out to_value) => {
                      to_value = !from_value.get_boolean ();
                      return true;
                  });

    source.b = true;
    assert_cmpuint (broker.flush (), CompareOperator.EQ, 1);
    assert_false (target.b);
}

void test_transform_object () {
    var broker = new Obs.Broker ();
    var source = new Thing ();
    var target = new Thing ();
    var action = new SimpleAction ("picked", null);

    link_one_way (broker, source, "o", target, "text",
                  (l, from_value, out to_value) => {
                      var got = from_value.get_object () as SimpleAction;
                      to_value = got != null ? got.name : "(none)";
                      return true;
                  });

    source.o = action;
    assert_cmpuint (broker.flush (), CompareOperator.EQ, 1);
    assert_cmpstr (target.text, CompareOperator.EQ, "picked");
}

void test_transform_enum () {
    var broker = new Obs.Broker ();
    var source = new Thing ();
    var target = new Thing ();

    link_one_way (broker, source, "family", target, "family",
                  (l, from_value, out to_value) => {
                      var family = (SocketFamily) from_value.get_enum ();
                      to_value = family == SocketFamily.IPV6
                                 ? SocketFamily.IPV4 : family;
                      return true;
                  });

    source.family = SocketFamily.IPV6;
    assert_cmpuint (broker.flush (), CompareOperator.EQ, 1);
    assert_true (target.family == SocketFamily.IPV4);
}

void test_transform_boxed () {
    var broker = new Obs.Broker ();
    var source = new Thing ();
    var target = new Thing ();
    var when = new DateTime.utc (2024, 2, 28, 12, 30, 0);

    link_one_way (broker, source, "when", target, "when",
                  (l, from_value, out to_value) => {
                      var got = (DateTime) from_value.get_boxed ();
                      to_value = got.add_days (1);
                      return true;
                  });
    link_one_way (broker, source, "data", target, "text",
                  (l, from_value, out to_value) => {
                      var got = (Bytes) from_value.get_boxed ();
                      to_value = ((string) got.get_data ())
                                 .substring (0, (long) got.get_size ());
                      return true;
                  });

    source.when = when;
    source.data = new Bytes ("abc".data);
    assert_cmpuint (broker.flush (), CompareOperator.EQ, 2);
    assert_true (target.when.equal (when.add_days (1)));
    assert_cmpstr (target.text, CompareOperator.EQ, "abc");
}

void test_transforms_both_ways () {
    var broker = new Obs.Broker ();
    var first = new Thing ();
    var second = new Thing ();

    try {
        broker.link_full (first, "a", second, "text", Obs.LinkFlags.DEFAULT,
                          (l, from_value, out to_value) => {
                              to_value = "%d".printf (from_value.get_int () * 10);
                              return true;
                          },
                          (l, from_value, out to_value) => {
                              to_value = int.parse (from_value.get_string ()) / 10;
                              return true;
                          });
    } catch (Error e) {
        assert_no_error (e);
    }

    first.a = 4;
    assert_cmpuint (broker.flush (), CompareOperator.EQ, 1);
    assert_cmpstr (second.text, CompareOperator.EQ, "40");

    second.text = "70";
    assert_cmpuint (broker.flush (), CompareOperator.EQ, 1);
    assert_cmpint (first.a, CompareOperator.EQ, 7);
    assert_cmpstr (second.text, CompareOperator.EQ, "70");
    assert_cmpuint (broker.flush (), CompareOperator.EQ, 0);
}

void test_transforms_both_ways_enum_and_date () {
    var broker = new Obs.Broker ();
    var first = new Thing ();
    var second = new Thing ();

    try {
        broker.link_full (first, "family", second, "text",
                          Obs.LinkFlags.DEFAULT,
                          (l, from_value, out to_value) => {
                              var family = (SocketFamily) from_value.get_enum ();
                              to_value = family == SocketFamily.IPV6 ? "ipv6" : "ipv4";
                              return true;
                          },
                          (l, from_value, out to_value) => {
                              to_value = from_value.get_string () == "ipv6"
                                         ? SocketFamily.IPV6 : SocketFamily.IPV4;
                              return true;
                          });
        broker.link_full (first, "when", second, "a", Obs.LinkFlags.DEFAULT,
                          (l, from_value, out to_value) => {
                              var when = (DateTime) from_value.get_boxed ();
                              to_value = when.get_year ();
                              return true;
                          },
                          (l, from_value, out to_value) => {
                              to_value = new DateTime.utc (from_value.get_int (),
                                                           1, 1, 0, 0, 0);
                              return true;
                          });
    } catch (Error e) {
        assert_no_error (e);
    }

    first.family = SocketFamily.IPV6;
    first.when = new DateTime.utc (2024, 6, 1, 0, 0, 0);
    broker.flush ();
    assert_cmpstr (second.text, CompareOperator.EQ, "ipv6");
    assert_cmpint (second.a, CompareOperator.EQ, 2024);

    second.text = "ipv4";
    second.a = 1999;
    broker.flush ();
    assert_true (first.family == SocketFamily.IPV4);
    assert_cmpint (first.when.get_year (), CompareOperator.EQ, 1999);
    assert_cmpint (first.when.get_month (), CompareOperator.EQ, 1);
}

void test_subscriber () {
    var broker = new Obs.Broker ();
    var source = new Thing ();
    var action = new SimpleAction ("picked", null);
    string[] texts = {};
    Object? object = null;
    SocketFamily family = SocketFamily.INVALID;
    uint calls = 0;
    Obs.Link? text_link = null;
    Obs.Link? seen_link = null;

    try {
        text_link = broker.subscribe (source, "text", (l, value) => {
            seen_link = l;
            texts += value.get_string ();
        });
        broker.subscribe (source, "o", (l, value) => {
            object = value.get_object ();
            calls++;
        });
        broker.subscribe (source, "family", (l, value) => {
            family = (SocketFamily) value.get_enum ();
            calls++;
        });
    } catch (Error e) {
        assert_no_error (e);
    }

    source.text = "one";
    source.text = "two";
    source.o = action;
    source.family = SocketFamily.IPV6;
    assert_cmpint (texts.length, CompareOperator.EQ, 0);
    assert_cmpuint (broker.flush (), CompareOperator.EQ, 3);

    assert_cmpint (texts.length, CompareOperator.EQ, 1);
    assert_cmpstr (texts[0], CompareOperator.EQ, "two");
    assert_true (seen_link == text_link);
    assert_null (text_link.get_target_property ());
    assert_true (object == action);
    assert_true (family == SocketFamily.IPV6);
    assert_cmpuint (calls, CompareOperator.EQ, 2);
}

/* Errors -------------------------------------------------------------------- */

void test_unknown_property () {
    var broker = new Obs.Broker ();
    var source = new Thing ();
    var target = new Thing ();

    try {
        broker.dlink (source, "nope", target, "a", Obs.LinkFlags.DEFAULT);
        assert_not_reached ();
    } catch (Error e) {
        assert_error (e, Obs.LinkError.quark (), Obs.LinkError.UNKNOWN_PROPERTY);
        assert_true ("nope" in e.message);
    }

    try {
        broker.link (source, "a", target, "nope", Obs.LinkFlags.DEFAULT);
        assert_not_reached ();
    } catch (Obs.LinkError.UNKNOWN_PROPERTY e) {
        assert_true ("nope" in e.message);
    } catch (Error e) {
        assert_no_error (e);
    }

    try {
        broker.subscribe (source, "nope", (l, value) => {});
        assert_not_reached ();
    } catch (Error e) {
        assert_error (e, Obs.LinkError.quark (), Obs.LinkError.UNKNOWN_PROPERTY);
    }

    assert_cmpuint (broker.get_n_items (), CompareOperator.EQ, 0);
}

void test_type_mismatch () {
    var broker = new Obs.Broker ();
    var source = new Thing ();
    var target = new Thing ();
    string[,] pairs = {
        { "o", "a" }, { "text", "o" }, { "when", "f" }, { "family", "o" },
        { "data", "a" },
    };

    for (int i = 0; i < pairs.length[0]; i++) {
        try {
            broker.dlink (source, pairs[i, 0], target, pairs[i, 1],
                          Obs.LinkFlags.DEFAULT);
            assert_not_reached ();
        } catch (Error e) {
            assert_error (e, Obs.LinkError.quark (), Obs.LinkError.TYPE_MISMATCH);
        }
    }

    assert_cmpuint (broker.get_n_items (), CompareOperator.EQ, 0);
}

void test_transform_wrong_type_reports () {
    var broker = new Obs.Broker ();
    var source = new Thing ();
    var target = new Thing () { a = 3 };
    Error[] errors = {};
    Obs.Link? error_link = null;

    broker.link_error.connect ((l, error) => {
        error_link = l;
        errors += error.copy ();
    });

    var link = link_one_way (broker, source, "a", target, "a",
                             (l, from_value, out to_value) => {
                                 if (from_value.get_int () < 0) {
                                     to_value = new Thing ();
                                 } else {
                                     to_value = from_value.get_int ();
                                 }
                                 return true;
                             });

    source.a = -5;
    assert_cmpuint (broker.flush (), CompareOperator.EQ, 0);
    assert_cmpint (target.a, CompareOperator.EQ, 3);
    assert_cmpint (errors.length, CompareOperator.EQ, 1);
    assert_error (errors[0], Obs.LinkError.quark (),
                  Obs.LinkError.TRANSFORM_FAILED);
    assert_true (error_link == link);

    /* The link carries the next good value. */
    assert_true (link.is_active ());
    source.a = 5;
    assert_cmpuint (broker.flush (), CompareOperator.EQ, 1);
    assert_cmpint (target.a, CompareOperator.EQ, 5);
    assert_cmpint (errors.length, CompareOperator.EQ, 1);
}

void test_transform_declines () {
    var broker = new Obs.Broker ();
    var source = new Thing ();
    var target = new Thing () { text = "untouched" };
    uint n_errors = 0;

    broker.link_error.connect (() => n_errors++);
    link_one_way (broker, source, "a", target, "text",
                  (l, from_value, out to_value) => {
                      to_value = "a is %d".printf (from_value.get_int ());
                      return from_value.get_int () >= 0;
                  });

    source.a = -1;
    assert_cmpuint (broker.flush (), CompareOperator.EQ, 0);
    assert_cmpstr (target.text, CompareOperator.EQ, "untouched");
    assert_cmpuint (n_errors, CompareOperator.EQ, 0);

    source.a = 2;
    assert_cmpuint (broker.flush (), CompareOperator.EQ, 1);
    assert_cmpstr (target.text, CompareOperator.EQ, "a is 2");
}

int main (string[] args) {
    Test.init (ref args);

    Test.add_func ("/Obs/Vala/two-way-link", test_two_way_link);
    Test.add_func ("/Obs/Vala/two-way-link-back-without-echo",
                   test_two_way_link_back_without_echo);
    Test.add_func ("/Obs/Vala/sync-create-then-change",
                   test_sync_create_then_change);
    Test.add_func ("/Obs/Vala/main-loop-dispatch", test_main_loop_dispatch);
    Test.add_func ("/Obs/Vala/transform-lambda", test_transform_lambda);
    Test.add_func ("/Obs/Vala/transform/string", test_transform_string);
    Test.add_func ("/Obs/Vala/transform/int", test_transform_int);
    Test.add_func ("/Obs/Vala/transform/double", test_transform_double);
    Test.add_func ("/Obs/Vala/transform/bool", test_transform_bool);
    Test.add_func ("/Obs/Vala/transform/object", test_transform_object);
    Test.add_func ("/Obs/Vala/transform/enum", test_transform_enum);
    Test.add_func ("/Obs/Vala/transform/boxed", test_transform_boxed);
    Test.add_func ("/Obs/Vala/transform/both-ways", test_transforms_both_ways);
    Test.add_func ("/Obs/Vala/transform/both-ways-enum-and-date",
                   test_transforms_both_ways_enum_and_date);
    Test.add_func ("/Obs/Vala/subscriber", test_subscriber);
    Test.add_func ("/Obs/Vala/error/unknown-property", test_unknown_property);
    Test.add_func ("/Obs/Vala/error/type-mismatch", test_type_mismatch);
    Test.add_func ("/Obs/Vala/error/transform-wrong-type",
                   test_transform_wrong_type_reports);
    Test.add_func ("/Obs/Vala/error/transform-declines",
                   test_transform_declines);

    add_lifetime_tests ();

    return Test.run ();
}
