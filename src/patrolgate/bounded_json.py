"""JSON read with bounded work: nesting depth checked before parsing, sizes after.

Python's ``json`` parser recurses once per level of nesting, so a few kilobytes of ``[``
end in a ``RecursionError`` (and a hostile document that stays just under the interpreter's
limit makes every later recursive walk fail instead); it also accepts ``NaN`` and
``Infinity``, which are not JSON (RFC 8259) and which geometry and statistics code then
carries on with. :func:`loads` refuses all three before they reach anyone: the depth by a
linear scan of the text that parses nothing, then the parse without the non-standard
constants, then the number of items in each array or object and of values in all, by a walk
that does not recurse.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from patrolgate.errors import InvalidInput

#: A JSON string, escapes included (the unrolled form, which never backtracks).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
#: Every byte but the four brackets, to delete from the text with ``bytes.translate``.
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPENING = frozenset(b"[{")


@dataclass(frozen=True)
class JsonLimits:
    """How much structure one JSON document may have.

    ``max_depth`` counts nested arrays and objects (``{"a": [1]}`` is 2 deep); ``max_items``
    bounds each array's items and each object's members; ``max_values`` bounds every value
    in the document, containers included.
    """

    max_depth: int = 32
    max_items: int = 10_000
    max_values: int = 100_000


class JsonTooComplex(InvalidInput):
    """A JSON document beyond its :class:`JsonLimits`, or with ``NaN`` or ``Infinity``."""


def nesting_depth(text: bytes) -> int:
    """How deeply arrays and objects nest in ``text``, without parsing it (linear time).

    Brackets inside strings do not count. On malformed text the answer may be too high,
    never too low for the brackets outside strings.
    """
    brackets = _STRING.sub(b"", text).translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    codes = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1)
    return int(np.cumsum(steps).max())


def _refuse_constant(name: str) -> Any:
    raise JsonTooComplex(f"{name} is not a JSON number; send finite numbers only")


def check_structure(value: Any, limits: JsonLimits, what: str = "the JSON document") -> None:
    """Refuse ``value`` (parsed JSON) beyond ``limits``; iterative, so any depth is safe."""
    if not isinstance(value, dict | list | tuple):
        _check_number(value, what)
        return
    values = 1
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > limits.max_depth:
            raise JsonTooComplex(f"{what} nests deeper than {limits.max_depth} levels")
        children = current.values() if isinstance(current, dict) else current
        if len(children) > limits.max_items:
            raise JsonTooComplex(
                f"{what} has a list or object of {len(children):,} items "
                f"(at most {limits.max_items:,})"
            )
        values += len(children)
        if values > limits.max_values:
            raise JsonTooComplex(f"{what} holds more than {limits.max_values:,} values")
        for child in children:
            if isinstance(child, dict | list | tuple):
                stack.append((child, depth + 1))
            elif isinstance(child, float):
                _check_number(child, what)


def _check_number(value: Any, what: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise JsonTooComplex(f"{what} holds {value}, which is not a finite number")


def loads(text: bytes | str, limits: JsonLimits, what: str = "the JSON document") -> Any:
    """Parse ``text`` within ``limits``, refusing ``NaN`` and ``Infinity``.

    Raises :class:`JsonTooComplex` beyond the limits and :class:`InvalidInput` for text that
    is not JSON.
    """
    raw = text.encode() if isinstance(text, str) else text
    depth = nesting_depth(raw)
    if depth > limits.max_depth:
        raise JsonTooComplex(f"{what} nests deeper than {limits.max_depth} levels")
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except JsonTooComplex as error:
        raise JsonTooComplex(f"{what}: {error}") from None
    except (ValueError, RecursionError) as error:  # JSONDecodeError, too many digits
        raise InvalidInput(f"{what} is not valid JSON ({error})") from None
    check_structure(value, limits, what)
    return value
