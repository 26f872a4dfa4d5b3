/* test-broker.vala: the broker from Vala
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

public class Thing : Object {
    public int a { get; set; }
    public string text { get; set; default = ""; }
}

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

int main (string[] args) {
    Test.init (ref args);

    Test.add_func ("/Obs/Vala/two-way-link", test_two_way_link);
    Test.add_func ("/Obs/Vala/transform-lambda", test_transform_lambda);

    return Test.run ();
}
