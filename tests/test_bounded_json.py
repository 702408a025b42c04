"""JSON read with bounded work: depth before parsing, sizes after, no NaN or Infinity."""

from __future__ import annotations

import json

import pytest

from patrolgate.bounded_json import (
    JsonLimits,
    JsonTooComplex,
    check_structure,
    loads,
    nesting_depth,
)
from patrolgate.errors import InvalidInput


def test_nesting_depth_ignores_brackets_in_strings() -> None:
    """Brackets inside strings (escaped quotes too) do not count."""
    assert nesting_depth(b"1") == 0
    assert nesting_depth(b'{"a": [1, [2]]}') == 3
    assert nesting_depth(b'{"a": "[[[[{{{{"}') == 1
    assert nesting_depth(b'["\\"[[[", [1]]') == 2


def test_depth_is_refused_before_the_parser_recurses() -> None:
    """200,000 levels: refused with a message, no RecursionError."""
    deep = b"[" * 200_000 + b"]" * 200_000
    with pytest.raises(JsonTooComplex, match="nests deeper than 32 levels"):
        loads(deep, JsonLimits())


def test_nan_and_infinity_are_refused() -> None:
    """``NaN``, ``-Infinity`` and ``1e999`` (which overflows to infinity) are not numbers."""
    for text in ("[NaN]", '{"x": -Infinity}', "[1e999]"):
        with pytest.raises(JsonTooComplex):
            loads(text, JsonLimits())
    assert loads("[1.5e300]", JsonLimits()) == [1.5e300]


def test_items_and_values_are_counted() -> None:
    """An array or object over ``max_items``, a document over ``max_values``: refused."""
    limits = JsonLimits(max_depth=5, max_items=3, max_values=8)
    assert loads("[1, 2, 3]", limits) == [1, 2, 3]
    with pytest.raises(JsonTooComplex, match="4 items"):
        loads("[1, 2, 3, 4]", limits)
    with pytest.raises(JsonTooComplex, match="4 items"):
        loads(json.dumps({str(i): i for i in range(4)}), limits)
    with pytest.raises(JsonTooComplex, match="more than 8 values"):
        loads("[[1, 2, 3], [1, 2, 3], [1, 2, 3]]", limits)


def test_a_parsed_value_is_checked_without_recursion() -> None:
    """A structure deeper than the interpreter's recursion limit is refused, not crashed."""
    value: list[object] = []
    for _ in range(5_000):
        value = [value]
    with pytest.raises(JsonTooComplex, match="nests deeper"):
        check_structure(value, JsonLimits())


def test_malformed_json_is_invalid_input() -> None:
    """Text that is not JSON is invalid input (not a limit)."""
    with pytest.raises(InvalidInput, match="not valid JSON") as raised:
        loads('{"a": ', JsonLimits())
    assert type(raised.value) is InvalidInput
