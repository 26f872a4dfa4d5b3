# test_broker.py: the broker from Python
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import gc
import os
import weakref

import gi
import pytest

gi.require_version("Obs", "1")
from gi.repository import Gio, GLib, GObject, Obs  # noqa: E402

# How long a main loop may run before a test gives up on it.
LOOP_GUARD_MS = 5000


class Thing(GObject.Object):
    a = GObject.Property(type=int, default=0)
    s = GObject.Property(type=str, default="")
    f = GObject.Property(type=float, default=0.0)
    b = GObject.Property(type=bool, default=False)
    o = GObject.Property(type=GObject.Object)
    family = GObject.Property(type=Gio.SocketFamily,
                              default=Gio.SocketFamily.INVALID)
    when = GObject.Property(type=GLib.DateTime)
    data = GObject.Property(type=GLib.Bytes)


class Captured:
    """A plain Python object for a transform to hold on to."""


class Watcher:
    """Counts notify emissions of one property."""

    def __init__(self, thing, name):
        self.count = 0
        thing.connect(f"notify::{name}", self._on_notify)

    def _on_notify(self, thing, pspec):
        self.count += 1


class Finalized:
    """Remembers whether a GObject was finalized, through a GObject weak
    reference, so the check does not depend on the Python wrapper."""

    def __init__(self, thing):
        self.done = False
        self._ref = thing.weak_ref(self._on_finalized)

    def _on_finalized(self):
        self.done = True


def run_loop_until(condition, timeout_ms=LOOP_GUARD_MS):
    """Runs the default main loop until condition() holds, checking it
    after every iteration. Returns False if the guard ran out first."""

    context = GLib.MainContext.default()
    deadline = GLib.get_monotonic_time() + timeout_ms * 1000

    while not condition():
        if GLib.get_monotonic_time() > deadline:
            return False
        context.iteration(False) or GLib.usleep(1000)

    return True


def rss_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def assert_link_error(error, code):
    assert isinstance(error, GLib.Error)
    assert error.domain == "obs-link-error-quark"
    assert error.code == int(code)
    assert error.matches(Obs.link_error_quark(), code)


# The two Things ------------------------------------------------------------


def test_two_way_link_settles_after_flush():
    broker = Obs.Broker()
    first, second = Thing(a=10), Thing(a=20)
    broker.link((first, "a"), (second, "a"))

    first.a = 30
    assert second.a == 20
    assert broker.flush() == 1
    assert second.a == 30


def test_two_way_link_carries_back_and_does_not_echo():
    broker = Obs.Broker()
    first, second = Thing(a=1), Thing(a=2)
    link = broker.link(first, "a", second, "a", Obs.LinkFlags.SYNC_CREATE)
    first_notified, second_notified = Watcher(first, "a"), Watcher(second, "a")

    assert link.is_two_way()
    assert second.a == 1

    second.a = 5
    assert first.a == 1
    assert broker.flush() == 1
    assert first.a == 5
    assert second.a == 5
    assert (first_notified.count, second_notified.count) == (1, 1)

    first.a = 6
    first.a = 7
    first.a = 8
    assert broker.flush() == 1
    assert second.a == 8
    assert second_notified.count == 2


def test_change_right_after_sync_create_link_is_kept():
    broker = Obs.Broker()
    first, second = Thing(a=1), Thing(a=2)
    broker.link((first, "a"), (second, "a"), flags=Obs.LinkFlags.SYNC_CREATE)
    assert second.a == 1

    first.a = 30
    broker.flush()
    assert (first.a, second.a) == (30, 30)


def test_main_loop_delivers_both_ways_without_flush():
    broker = Obs.Broker()
    first, second = Thing(a=10), Thing(a=20)
    broker.link((first, "a"), (second, "a"))

    first.a = 30
    assert second.a == 20
    assert run_loop_until(lambda: second.a == 30), "main loop never delivered"

    second.a = 40
    assert first.a == 30
    assert run_loop_until(lambda: first.a == 40), "main loop never delivered"


def test_main_loop_run_quits_when_value_arrives():
    broker = Obs.Broker()
    first, second = Thing(s="old"), Thing(s="old")
    broker.link((first, "s"), (second, "s"))
    loop = GLib.MainLoop()
    timed_out = []

    def on_timeout():
        timed_out.append(True)
        loop.quit()
        return GLib.SOURCE_REMOVE

    second.connect("notify::s", lambda *args: loop.quit())
    guard = GLib.timeout_add(LOOP_GUARD_MS, on_timeout)

    first.s = "new"
    loop.run()

    if not timed_out:
        GLib.source_remove(guard)
    assert not timed_out, "the value did not arrive within the guard"
    assert second.s == "new"
    assert broker.flush() == 0


# Transforms and subscribers -----------------------------------------------

ACTION = Gio.SimpleAction(name="picked")
OTHER_ACTION = Gio.SimpleAction(name="other")
ACTIONS = {"picked": ACTION, "other": OTHER_ACTION}
WHEN = GLib.DateTime.new_utc(2024, 2, 28, 12, 30, 0)

# (source property, value to set, its Python type, target property,
#  transform, expected target value)
ONE_WAY = [
    pytest.param("s", "hello", str, "s",
                 lambda v: v.upper(), "HELLO", id="str"),
    pytest.param("a", 21, int, "a",
                 lambda v: v * 2, 42, id="int"),
    pytest.param("f", 1.25, float, "f",
                 lambda v: v * 2, 2.5, id="float"),
    pytest.param("b", True, bool, "b",
                 lambda v: not v, False, id="bool"),
    pytest.param("o", ACTION, Gio.SimpleAction, "s",
                 lambda v: v.get_name(), "picked", id="gobject"),
    pytest.param("family", Gio.SocketFamily.IPV6, Gio.SocketFamily, "s",
                 lambda v: v.value_nick, "ipv6", id="enum"),
    pytest.param("when", WHEN, GLib.DateTime, "when",
                 lambda v: v.add_days(1), WHEN.add_days(1), id="datetime"),
    pytest.param("data", GLib.Bytes.new(b"abc"), GLib.Bytes, "s",
                 lambda v: v.get_data().decode(), "abc", id="bytes"),
]


def same(actual, expected):
    if isinstance(expected, GLib.DateTime):
        return actual is not None and actual.equal(expected)
    if isinstance(expected, GObject.Object):
        return actual is expected
    return actual == expected


@pytest.mark.parametrize("prop, value, kind, target_prop, func, expected",
                         ONE_WAY)
def test_transform_gets_native_value(prop, value, kind, target_prop, func,
                                     expected):
    broker = Obs.Broker()
    source, target = Thing(), Thing(b=True)
    seen = []

    def transform(link, v):
        seen.append((link, v))
        return func(v)

    link = broker.dlink_with_closure(source, prop, target, target_prop,
                                     Obs.LinkFlags.DEFAULT, transform)
    source.set_property(prop, value)
    assert broker.flush() == 1

    assert same(target.get_property(target_prop), expected)
    assert len(seen) == 1
    assert seen[0][0] == link
    assert isinstance(seen[0][1], kind)
    if isinstance(value, GLib.Bytes):
        assert seen[0][1].get_data() == value.get_data()
    else:
        assert same(seen[0][1], value)


# (property, value, its Python type)
SUBSCRIBED = [
    pytest.param("s", "text", str, id="str"),
    pytest.param("a", -7, int, id="int"),
    pytest.param("f", 0.5, float, id="float"),
    pytest.param("b", True, bool, id="bool"),
    pytest.param("o", ACTION, Gio.SimpleAction, id="gobject"),
    pytest.param("family", Gio.SocketFamily.IPV4, Gio.SocketFamily,
                 id="enum"),
    pytest.param("when", WHEN, GLib.DateTime, id="datetime"),
]


@pytest.mark.parametrize("prop, value, kind", SUBSCRIBED)
def test_subscriber_gets_link_and_native_value(prop, value, kind):
    broker = Obs.Broker()
    source = Thing()
    calls = []
    link = broker.subscribe_closure(source, prop,
                                    lambda l, v: calls.append((l, v)))

    source.set_property(prop, value)
    assert calls == []
    assert broker.flush() == 1

    assert len(calls) == 1
    assert calls[0][0] == link
    assert link.get_target_property() is None
    assert isinstance(calls[0][1], kind)
    assert same(calls[0][1], value)


def test_subscriber_sees_latest_value_once():
    broker = Obs.Broker()
    source = Thing()
    values = []
    broker.subscribe_closure(source, "a", lambda link, v: values.append(v))

    source.a = 1
    source.a = 2
    source.a = 3
    assert broker.flush() == 1
    assert values == [3]


# (property x, value x, property y, x -> y, y -> x, expected y,
#  value y, expected x, writes of the first flush)
#
# Boxed properties compare by pointer (that is what their pspec does), so
# the echo of a change to a DateTime or Bytes writes the new, equal box
# back once before the link settles.
BOTH_WAYS = [
    pytest.param("a", 4, "s", lambda v: str(v * 10), lambda v: int(v) // 10,
                 "40", "70", 7, 1, id="int-str"),
    pytest.param("f", 0.25, "a", lambda v: int(v * 100), lambda v: v / 100,
                 25, 50, 0.5, 1, id="float-int"),
    pytest.param("b", True, "s", lambda v: "yes" if v else "no",
                 lambda v: v == "yes", "yes", "no", False, 1, id="bool-str"),
    pytest.param("o", ACTION, "s", lambda v: v.get_name(),
                 lambda v: ACTIONS[v], "picked", "other", OTHER_ACTION, 1,
                 id="gobject-str"),
    pytest.param("family", Gio.SocketFamily.IPV4, "s",
                 lambda v: v.value_nick,
                 lambda v: {"ipv4": Gio.SocketFamily.IPV4,
                            "ipv6": Gio.SocketFamily.IPV6}[v],
                 "ipv4", "ipv6", Gio.SocketFamily.IPV6, 1, id="enum-str"),
    pytest.param("when", WHEN, "s", lambda v: v.format_iso8601(),
                 lambda v: GLib.DateTime.new_from_iso8601(v, None),
                 "2024-02-28T12:30:00Z", "2025-01-01T00:00:00Z",
                 GLib.DateTime.new_utc(2025, 1, 1, 0, 0, 0), 2,
                 id="datetime-str"),
    pytest.param("data", GLib.Bytes.new(b"xyz"), "s",
                 lambda v: v.get_data().decode(),
                 lambda v: GLib.Bytes.new(v.encode()),
                 "xyz", "back", b"back", 2, id="bytes-str"),
]


@pytest.mark.parametrize("x, x_value, y, to, back, y_expected, y_value, "
                         "x_expected, writes", BOTH_WAYS)
def test_transforms_both_ways(x, x_value, y, to, back, y_expected, y_value,
                              x_expected, writes):
    broker = Obs.Broker()
    first, second = Thing(), Thing()
    link = broker.link_with_closures(first, x, second, y,
                                     Obs.LinkFlags.DEFAULT,
                                     lambda link, v: to(v),
                                     lambda link, v: back(v))
    assert link.is_two_way()

    first.set_property(x, x_value)
    assert broker.flush() == writes
    assert second.get_property(y) == y_expected
    assert broker.flush() == 0

    second.set_property(y, y_value)
    assert broker.flush() == 1
    assert broker.flush() == 0
    assert second.get_property(y) == y_value
    result = first.get_property(x)
    if isinstance(result, GLib.Bytes):
        result = result.get_data()
    assert same(result, x_expected)


# Errors -------------------------------------------------------------------


@pytest.mark.parametrize("make", [
    pytest.param(lambda b, s, t: b.dlink(s, "nope", t, "a", 0),
                 id="dlink-source"),
    pytest.param(lambda b, s, t: b.dlink(s, "a", t, "nope", 0),
                 id="dlink-target"),
    pytest.param(lambda b, s, t: b.link(s, "a", t, "nope", 0),
                 id="link"),
    pytest.param(lambda b, s, t: b.dlink_with_closure(
        s, "nope", t, "s", 0, lambda link, v: v), id="dlink-closure"),
    pytest.param(lambda b, s, t: b.subscribe_closure(
        s, "nope", lambda link, v: None), id="subscribe"),
])
def test_unknown_property_raises(make):
    broker = Obs.Broker()
    source, target = Thing(), Thing()

    with pytest.raises(GLib.Error) as info:
        make(broker, source, target)

    assert_link_error(info.value, Obs.LinkError.UNKNOWN_PROPERTY)
    assert "nope" in info.value.message
    assert broker.get_n_items() == 0


@pytest.mark.parametrize("source_prop, target_prop", [
    ("o", "a"),
    ("s", "o"),
    ("when", "f"),
    ("family", "o"),
    ("data", "a"),
])
def test_non_convertible_pair_raises(source_prop, target_prop):
    broker = Obs.Broker()
    source, target = Thing(), Thing()

    with pytest.raises(GLib.Error) as info:
        broker.dlink(source, source_prop, target, target_prop,
                     Obs.LinkFlags.DEFAULT)

    assert_link_error(info.value, Obs.LinkError.TYPE_MISMATCH)
    assert broker.get_n_items() == 0

    source.set_property(source_prop, source.get_property(source_prop))
    assert broker.flush() == 0


def test_raising_transform_leaves_target_and_reports():
    broker = Obs.Broker()
    source, target = Thing(a=1), Thing(s="untouched")
    errors = []
    broker.connect("link-error",
                   lambda b, link, error: errors.append((link, error)))

    def transform(link, v):
        if v < 0:
            raise ValueError("negative")
        return f"a is {v}"

    link = broker.dlink_with_closure(source, "a", target, "s",
                                     Obs.LinkFlags.DEFAULT, transform)

    source.a = -5
    assert broker.flush() == 0
    assert target.s == "untouched"
    assert len(errors) == 1
    assert errors[0][0] == link
    assert_link_error(errors[0][1], Obs.LinkError.TRANSFORM_FAILED)

    # The link survives the error and carries the next good value.
    assert link.is_active()
    source.a = 5
    assert broker.flush() == 1
    assert target.s == "a is 5"
    assert len(errors) == 1


def test_raising_transform_warns_when_nobody_listens(capfd):
    broker = Obs.Broker()
    source, target = Thing(), Thing(a=3)
    broker.dlink_with_closure(source, "a", target, "a", Obs.LinkFlags.DEFAULT,
                              lambda link, v: 1 // 0)

    source.a = 9
    assert broker.flush() == 0
    assert target.a == 3

    err = capfd.readouterr().err
    assert "ZeroDivisionError" in err
    assert "Obs-WARNING" in err


def test_transform_returning_wrong_type_reports():
    broker = Obs.Broker()
    source, target = Thing(), Thing(a=3)
    errors = []
    broker.connect("link-error", lambda b, link, error: errors.append(error))
    broker.dlink_with_closure(source, "a", target, "a", Obs.LinkFlags.DEFAULT,
                              lambda link, v: Captured())

    source.a = 9
    assert broker.flush() == 0
    assert target.a == 3
    assert len(errors) == 1
    assert_link_error(errors[0], Obs.LinkError.TRANSFORM_FAILED)


# Lifetime -----------------------------------------------------------------


def test_unlink_releases_transform_and_what_it_captured():
    broker = Obs.Broker()
    source, target = Thing(), Thing()
    captured = Captured()
    captured_ref = weakref.ref(captured)
    link = broker.dlink_with_closure(
        source, "a", target, "s", Obs.LinkFlags.DEFAULT,
        lambda link, v, captured=captured: f"{v} {type(captured).__name__}")
    source.a = 1
    broker.flush()
    assert target.s == "1 Captured"
    del captured

    gc.collect()
    assert captured_ref() is not None, "the link must keep its transform"

    link.unlink()
    gc.collect()
    assert captured_ref() is None
    assert not link.is_active()
    assert broker.get_n_items() == 0


def test_dropped_objects_finalize_and_release_transform():
    broker = Obs.Broker()
    source, target = Thing(), Thing()
    source_gone, target_gone = Finalized(source), Finalized(target)
    source_ref, target_ref = weakref.ref(source), weakref.ref(target)
    captured = Captured()
    captured_ref = weakref.ref(captured)
    link = broker.link_with_closures(
        source, "a", target, "s", Obs.LinkFlags.SYNC_CREATE,
        lambda link, v, c=captured: str(v),
        lambda link, v, c=captured: int(v))
    callback_link = broker.subscribe_closure(
        source, "a", lambda link, v, c=captured: None)
    del captured

    del source, target
    gc.collect()
    assert source_gone.done and target_gone.done
    assert source_ref() is None and target_ref() is None
    assert not link.is_active()
    assert not callback_link.is_active()
    assert link.dup_source() is None

    broker.flush()
    gc.collect()
    assert captured_ref() is None
    assert broker.get_n_items() == 0

    link.unlink()
    link.unlink()
    callback_link.unlink()


def test_transform_capturing_its_objects_is_no_cycle_after_unlink():
    broker = Obs.Broker()
    source, target = Thing(), Thing()
    source_gone, target_gone = Finalized(source), Finalized(target)

    # The transform holds both ends, and only the broker holds the
    # transform.
    def transform(link, v):
        return f"{source.a}/{target.a}:{v}"

    link = broker.dlink_with_closure(source, "a", target, "s",
                                     Obs.LinkFlags.DEFAULT, transform)
    source.a = 4
    broker.flush()
    assert target.s == "4/0:4"
    del transform

    del source, target
    gc.collect()
    link.unlink()
    gc.collect()
    assert source_gone.done and target_gone.done


def test_dropped_broker_releases_links_and_transforms():
    broker = Obs.Broker()
    broker_ref = weakref.ref(broker)
    source, target = Thing(), Thing()
    source_gone = Finalized(source)
    captured = Captured()
    captured_ref = weakref.ref(captured)
    link = broker.dlink_with_closure(source, "a", target, "s",
                                     Obs.LinkFlags.DEFAULT,
                                     lambda link, v, c=captured: str(v))
    del captured

    del broker
    gc.collect()
    assert broker_ref() is None
    assert captured_ref() is None
    assert not link.is_active()

    source.a = 3
    assert target.s == ""
    del source
    gc.collect()
    assert source_gone.done
    link.unlink()


def _make_and_remove_links(broker, count):
    things = [Thing() for _ in range(100)]
    links = []

    for i in range(count):
        source, target = things[i % 100], things[(i + 1) % 100]
        links.append(broker.dlink_with_closure(
            source, "a", target, "s", Obs.LinkFlags.DEFAULT,
            lambda link, v, i=i: f"{v}/{i}"))

    assert broker.get_n_items() == count
    things[0].a = 1
    assert broker.flush() > 0

    for link in links:
        link.unlink()
    assert broker.get_n_items() == 0

    del links, things
    gc.collect()


def test_ten_thousand_links_leave_no_memory_behind():
    broker = Obs.Broker()
    rss = []

    for _ in range(10):
        _make_and_remove_links(broker, 10000)
        rss.append(rss_bytes())

    # Rounds 1 to 3 warm the allocator up; rounds 4 to 10 make 70,000
    # links after that. A leak of 60 bytes a link would show as 4 MB.
    growth = rss[-1] - rss[2]
    assert growth < 4 * 1024 * 1024, f"RSS grew by {growth} bytes: {rss}"


# The Python override's tuple style ---------------------------------------


def test_override_is_used():
    assert Obs.Broker.__module__ == "gi.overrides.Obs"
    assert isinstance(Obs.Broker(), Obs.Broker)


def test_tuple_link_both_ways():
    broker = Obs.Broker()
    first, second = Thing(a=1), Thing(a=2)
    link = broker.link((first, "a"), (second, "a"))

    assert isinstance(link, Obs.Link)
    assert link.is_two_way()
    assert (link.get_source_property(), link.get_target_property()) == \
        ("a", "a")

    second.a = 9
    assert broker.flush() == 1
    assert first.a == 9


def test_tuple_link_with_transforms_and_flags():
    broker = Obs.Broker()
    first, second = Thing(a=3), Thing()
    broker.link((first, "a"), (second, "s"),
                lambda v: f"<{v}>", lambda v: int(v.strip("<>")),
                flags=Obs.LinkFlags.SYNC_CREATE)
    assert second.s == "<3>"

    second.s = "<12>"
    assert broker.flush() == 1
    assert first.a == 12
    assert second.s == "<12>"


def test_tuple_dlink_with_transform_gets_value_only():
    broker = Obs.Broker()
    source, target = Thing(a=1), Thing()
    received = []

    def transform(value):
        received.append(value)
        return f"a is {value}"

    link = broker.dlink((source, "a"), (target, "s"), transform)
    assert not link.is_two_way()

    source.a = 8
    assert broker.flush() == 1
    assert target.s == "a is 8"
    assert received == [8]

    target.s = "changed"
    assert broker.flush() == 0
    assert source.a == 8


def test_tuple_dlink_without_transform_converts():
    broker = Obs.Broker()
    source, target = Thing(), Thing()
    broker.dlink((source, "a"), (target, "f"))

    source.a = 3
    assert broker.flush() == 1
    assert target.f == 3.0


def test_tuple_dlink_to_none_calls_back_with_value():
    broker = Obs.Broker()
    source = Thing()
    values = []
    link = broker.dlink((source, "s"), None, values.append)

    assert link.get_target_property() is None
    source.s = "one"
    source.s = "two"
    assert broker.flush() == 1
    assert values == ["two"]


def test_tuple_dlink_to_none_needs_callback():
    broker = Obs.Broker()

    with pytest.raises(TypeError):
        broker.dlink((Thing(), "a"), None)
    assert broker.get_n_items() == 0


def test_tuple_trigger_pushes_unchanged_value():
    broker = Obs.Broker()
    source, target = Thing(a=4), Thing(a=4)
    values = []
    broker.dlink((source, "a"), (target, "a"))
    broker.dlink((source, "a"), None, values.append)
    target_notified = Watcher(target, "a")

    assert broker.flush() == 0
    broker.trigger((source, "a"))
    assert broker.flush() == 2
    assert values == [4]
    assert target_notified.count == 1

    broker.trigger(source)
    assert broker.flush() == 2
    assert values == [4, 4]


def test_tuple_errors_are_link_errors():
    broker = Obs.Broker()
    source, target = Thing(), Thing()

    with pytest.raises(GLib.Error) as info:
        broker.link((source, "nope"), (target, "a"))
    assert_link_error(info.value, Obs.LinkError.UNKNOWN_PROPERTY)

    with pytest.raises(GLib.Error) as info:
        broker.dlink((source, "o"), (target, "a"))
    assert_link_error(info.value, Obs.LinkError.TYPE_MISMATCH)

    with pytest.raises(TypeError):
        broker.link((source, "a"), target)


def test_held_settles_at_end_of_block():
    broker = Obs.Broker()
    first, second = Thing(a=1), Thing(a=1)
    values = []
    broker.link((first, "a"), (second, "a"))
    broker.dlink((second, "a"), None, values.append)

    with broker.held() as held:
        assert held is broker
        assert broker.is_held()
        first.a = 2
        first.a = 3
        assert broker.flush() == 0
        assert second.a == 1

    assert not broker.is_held()
    assert second.a == 3
    assert values == [3]


def test_held_releases_when_block_raises():
    broker = Obs.Broker()
    first, second = Thing(a=1), Thing(a=1)
    broker.link((first, "a"), (second, "a"))

    with pytest.raises(RuntimeError):
        with broker.held():
            first.a = 5
            raise RuntimeError("inside")

    assert not broker.is_held()
    assert second.a == 5


def test_plain_calls_still_work_next_to_tuples():
    broker = Obs.Broker()
    source, target = Thing(a=2), Thing()
    broker.dlink(source, "a", target, "a", Obs.LinkFlags.SYNC_CREATE)
    assert target.a == 2

    broker.trigger(source, "a")
    assert broker.flush() == 1


def test_latest_change_wins_when_both_ends_change_before_a_drain():
    broker = Obs.Broker()
    first, second = Thing(a=1), Thing(a=2)
    broker.link((first, "a"), (second, "a"))

    second.a = 5
    first.a = 7
    broker.flush()
    assert (first.a, second.a) == (7, 7)
