# Obs.py: Pythonic additions to the Obs introspection module
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Adds the tuple style to Obs.Broker on top of the plain GI methods:

    broker.link((first, "a"), (second, "a"))
    broker.dlink((first, "a"), (third, "text"), lambda v: f"a is {v}")
    broker.dlink((first, "a"), None, print)      # a subscription
    broker.trigger((first, "a"))
    with broker.held():
        ...

The plain calls (broker.dlink(source, "a", target, "b", flags)) keep
working. Errors arrive as GLib.Error in the Obs.LinkError domain.
"""

import contextlib

from ..module import get_introspection_module
from ..overrides import override

Obs = get_introspection_module("Obs")

__all__ = []


def _end(end, what):
    if (isinstance(end, tuple) and len(end) == 2
            and isinstance(end[1], str)):
        return end
    raise TypeError(f"{what} must be an (object, 'property') tuple, "
                    f"not {end!r}")


class Broker(Obs.Broker):

    def dlink(self, source, *args, **kwargs):
        """dlink((source, "prop"), (target, "prop"), transform=None,
        flags=Obs.LinkFlags.DEFAULT) links one way;
        dlink((source, "prop"), None, callback) calls callback(value)
        after each change. Returns the Obs.Link."""

        if not isinstance(source, tuple):
            return super().dlink(source, *args, **kwargs)

        return self._dlink_tuples(source, *args, **kwargs)

    def _dlink_tuples(self, source, target, transform=None,
                      flags=Obs.LinkFlags.DEFAULT):
        source, source_property = _end(source, "source")

        if target is None:
            if transform is None:
                raise TypeError("dlink(source, None, callback) needs a "
                                "callback")
            callback = transform
            return self.subscribe_closure(
                source, source_property,
                lambda link, value: callback(value))

        target, target_property = _end(target, "target")
        if transform is None:
            return super().dlink(source, source_property,
                                 target, target_property, flags)

        return self.dlink_with_closure(source, source_property,
                                       target, target_property, flags,
                                       lambda link, value: transform(value))

    def link(self, source, *args, **kwargs):
        """link((a, "prop"), (b, "prop"), transform_to=None,
        transform_from=None, flags=Obs.LinkFlags.DEFAULT) links both
        ways. Transforms take the value and return the new one."""

        if not isinstance(source, tuple):
            return super().link(source, *args, **kwargs)

        return self._link_tuples(source, *args, **kwargs)

    def _link_tuples(self, source, target, transform_to=None,
                     transform_from=None, flags=Obs.LinkFlags.DEFAULT):
        source, source_property = _end(source, "source")
        target, target_property = _end(target, "target")

        if transform_to is None and transform_from is None:
            return super().link(source, source_property,
                                target, target_property, flags)

        def wrap(function):
            if function is None:
                return None
            return lambda link, value: function(value)

        return self.link_with_closures(source, source_property,
                                       target, target_property, flags,
                                       wrap(transform_to),
                                       wrap(transform_from))

    def trigger(self, source, property=None):
        """trigger((source, "prop")), trigger(source, "prop") or
        trigger(source) pushes the current value along its links."""

        if isinstance(source, tuple):
            source, property = _end(source, "source")

        return super().trigger(source, property)

    @contextlib.contextmanager
    def held(self):
        """Holds the broker for the with block; everything settles when
        the block ends."""

        self.hold()
        try:
            yield self
        finally:
            self.release()


Broker = override(Broker)
__all__.append("Broker")
