"""The library's parameter tables (sparsevar_param_table) as Python parameters: name, C id,
default, how a Python value becomes the double the C setter takes and back, and the text of a
docstring. A class built on a table gets every parameter the library has, with its bounds and
documentation, without listing them itself."""

from __future__ import annotations

import inspect
import json
import re
import textwrap
from ctypes import byref, c_int64, create_string_buffer
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ._lib import lib
from ._util import argument_error, choice


@lru_cache(maxsize=None)
def _tables() -> dict:
    length = c_int64()
    lib.sparsevar_param_table(None, 0, byref(length))
    buffer = create_string_buffer(length.value + 1)
    lib.sparsevar_param_table(buffer, len(buffer), None)
    return json.loads(buffer.value.decode())


@dataclass(frozen=True)
class Parameter:
    """One row of a parameter table under its Python name."""

    name: str
    id: int
    kind: str  # "integer", "real", "flag" or "choice"
    lower: float
    upper: float  # inf = no upper bound
    lower_exclusive: bool
    default_number: float
    options: tuple[str, ...]  # a choice's option names; option i is the value i
    architecture: bool
    doc: str

    @property
    def default(self):
        """The default as a Python value (an option name for a choice, a bool for a flag)."""
        return self.value(self.default_number)

    def number(self, value) -> float:
        """`value` as the double the C setter takes; InvalidArgumentError for a wrong type or an
        unknown option (bounds are the library's to check)."""
        if self.kind == "choice":
            accepted = {}
            for code, option in enumerate(self.options):
                accepted[option] = accepted[option.replace("_", "-")] = code
            return float(choice(value, accepted, self.name))
        if self.kind == "flag":
            if not isinstance(value, (bool, np.bool_, int, np.integer)) or value not in (0, 1):
                raise argument_error(f"{self.name} must be True or False, got {value!r}")
            return 1.0 if value else 0.0
        try:
            return float(value)
        except (TypeError, ValueError):
            raise argument_error(f"{self.name}={value!r} is not a number") from None

    def value(self, number: float):
        """The Python value of a double the C getter gave."""
        if self.kind == "choice":
            return self.options[int(number)]
        if self.kind == "flag":
            return bool(number)
        return float(number) if self.kind == "real" else int(number)

    def text(self) -> str:
        """The docstring entry: what the parameter is, then its values and default."""
        if self.kind == "choice":
            values = f"one of {', '.join(repr(o) for o in self.options)}; default {self.default!r}."
        elif self.kind == "flag":
            values = f"True or False, default {self.default}."
        else:
            opening = "(" if self.lower_exclusive else "["
            closing = "inf)" if self.upper == float("inf") else f"{_number_text(self.upper)}]"
            kind = "an integer" if self.kind == "integer" else "a number"
            values = f"{kind} in {opening}{_number_text(self.lower)}, {closing}, default {self.default!r}."
        text = f"{self.name}: {self.doc} Values: {values}"
        return text + (" Architecture: fixed once the model has been trained." if self.architecture else "")


def _number_text(value: float) -> str:
    """A bound as the docs write it: 5, 0.01, 1e15."""
    return re.sub(r"e\+?(-?)0*(\d)", r"e\1\2", f"{value:g}")


def parameters(table: str, renamed: dict[str, str] | None = None) -> dict[str, Parameter]:
    """The parameters of table "var", "test" or "autoencoder" by Python name, in table order:
    a row's name, or `renamed[name]` for the concepts the binding names as scikit-learn does."""
    renamed = renamed or {}
    found = {}
    for row in _tables()[table]["parameters"]:
        name = renamed.get(row["name"], row["name"])
        upper = float("inf") if row["upper"] is None else float(row["upper"])
        found[name] = Parameter(
            name=name, id=int(row["id"]), kind=row["kind"], lower=float(row["lower"]), upper=upper,
            lower_exclusive=bool(row["lower_exclusive"]), default_number=float(row["default"]),
            options=tuple(row["options"]), architecture=bool(row["architecture"]), doc=row["doc"])
    return found


def signature(params: dict[str, Parameter]) -> inspect.Signature:
    """`(self, *, name=default, ...)`: the signature of an __init__ taking `params` as keywords."""
    return inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=p.default) for p in params.values()])


def docstring(params: dict[str, Parameter], indent: str = "    ") -> str:
    """One wrapped entry per parameter, as a docstring's parameter list."""
    lines = []
    for parameter in params.values():
        lines += textwrap.wrap(parameter.text(), 96, initial_indent=indent + "    ",
                               subsequent_indent=indent + "        ", break_on_hyphens=False)
    return "\n".join(lines)
