"""Group labels: the integers the library stores, and the condition names Python users give."""

from __future__ import annotations

import numpy as np

from ._util import argument_error

__all__ = ["LabelNames"]


def _label_args(label):
    """(label, has_label) for the C calls of an integer label or None (None = unlabelled)."""
    if label is None:
        return 0, 0
    if isinstance(label, (bool, np.bool_)):
        raise argument_error(f"a label must be an integer, a string or None, got {label!r}")
    try:
        value = int(label)
    except (TypeError, ValueError):
        raise argument_error(
            f"a label must be an integer, a string or None, got {label!r}") from None
    if value != label or not -2**31 <= value < 2**31:
        raise argument_error(f"a label must be a 32-bit integer, a string or None, got {label!r}")
    return value, 1


class LabelNames:
    """Condition names and the integer labels the library stores for them: a string label gets
    the smallest label >= 0 that no run and no other name uses, in the order names first appear.
    Integer labels pass through unchanged."""

    def __init__(self):
        self._ids = {}  # name -> integer label

    def __bool__(self):
        return bool(self._ids)

    def copy(self):
        names = LabelNames()
        names._ids = dict(self._ids)
        return names

    def items(self):
        return self._ids.items()

    def id_for(self, label, used=(), create=False):
        """The integer label of `label` (a name, an integer or None), as ``_label_args`` gives
        it; a new name is numbered avoiding the integers in `used` only with create=True."""
        if isinstance(label, (str, np.str_)):
            name = str(label)
            if name not in self._ids:
                if not create:
                    known = ", ".join(repr(n) for n in self._ids) or "none"
                    raise argument_error(f"no condition is named {name!r} (names: {known})")
                taken = set(used) | set(self._ids.values())
                self._ids[name] = next(i for i in range(len(taken) + 1) if i not in taken)
            return self._ids[name], 1
        value, has = _label_args(label)
        if has and value in self._ids.values():
            name = self.name_of(value)
            raise argument_error(f"the integer label {value} is the condition {name!r}'s: use "
                                 f"the name, or integers for every run")
        return value, has

    def add(self, name, value):
        """Records that condition `name` is integer label `value` (a name read back from the
        library)."""
        self._ids.setdefault(str(name), int(value))

    def name_of(self, value):
        """The name of integer label `value`, or `value` itself when it has none."""
        for name, number in self._ids.items():
            if number == value:
                return name
        return value
