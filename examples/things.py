#!/usr/bin/python3
# things.py: the two-Things story, told with obs-glib from Python
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import gi

gi.require_version("Obs", "1")
from gi.repository import GLib, GObject, Obs  # noqa: E402


class Thing(GObject.Object):
    a = GObject.Property(type=int, default=0)
    text = GObject.Property(type=str, default="")


def main():
    broker = Obs.Broker()
    first, second, third = Thing(a=10), Thing(a=20), Thing()

    print(f"Two Things: first.a = {first.a}, second.a = {second.a}")
    broker.link((first, "a"), (second, "a"))
    print("Linked first.a and second.a both ways.\n")

    first.a = 30
    print("Set first.a to 30. Before the broker runs, "
          f"second.a is still {second.a}.")
    n = broker.flush()
    print(f"Flushed the broker ({n} propagation): "
          f"first.a = {first.a}, second.a = {second.a}\n")

    second.a = 40
    print("Set second.a to 40 and let the main loop run...")
    loop = GLib.MainLoop()
    GLib.idle_add(loop.quit)
    loop.run()
    print(f"The main loop delivered it: first.a = {first.a}, "
          f"second.a = {second.a}\n")

    broker.dlink((first, "a"), (third, "text"), lambda a: f"a is {a}",
                 flags=Obs.LinkFlags.SYNC_CREATE)
    print("Linked first.a one way to third.text through a transform: "
          f'third.text = "{third.text}"')
    broker.dlink((first, "a"), None,
                 lambda a: print(f"  subscriber received a = {a}"))
    print("Subscribed to first.a.\n")

    print("Set first.a to 50 and flush:")
    first.a = 50
    broker.flush()
    print(f'  second.a = {second.a}, third.text = "{third.text}"\n')

    print("Trigger first.a without changing it, and flush:")
    broker.trigger((first, "a"))
    n = broker.flush()
    print(f"  {n} propagations pushed the unchanged value again.\n")

    try:
        broker.dlink((first, "b"), (second, "a"))
    except GLib.Error as error:
        print(f"Linking a property that does not exist fails: {error.message}")

    print("Done.")


if __name__ == "__main__":
    main()
