# test_broker.py: the broker from Python
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import gi

gi.require_version("Obs", "1")
from gi.repository import GObject, Obs  # noqa: E402


class Thing(GObject.Object):
    a = GObject.Property(type=int, default=0)


def test_two_way_link_settles_after_flush():
    broker = Obs.Broker()
    first, second = Thing(a=10), Thing(a=20)
    broker.link((first, "a"), (second, "a"))

    first.a = 30
    assert second.a == 20
    assert broker.flush() == 1
    assert second.a == 30
