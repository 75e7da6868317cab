"""ArgumentError says which function, argument and value failed and what was allowed, as fields
(tests and callers check fields rather than wording)."""

from __future__ import annotations

import pytest

import o2c
from o2c.errors import ArgumentError, check_choice, check_share, check_timezone, check_whole
from o2c.performance import BOTTLENECK_ORDER


def test_a_public_function_names_itself_the_argument_the_value_and_the_choices() -> None:
    with pytest.raises(ArgumentError) as caught:
        o2c.bottlenecks(o2c.example_log(), by="total")
    error = caught.value
    assert (error.function, error.argument, error.value, error.allowed) == (
        "bottlenecks", "by", "total", tuple(BOTTLENECK_ORDER)
    )  # fmt: skip
    assert isinstance(error, ValueError)  # callers catching ValueError keep working


@pytest.mark.parametrize(
    ("check", "value", "allowed"),
    [
        (lambda v: check_choice(v, ("a", "b"), argument="x", function="f"), "c", ("a", "b")),
        (lambda v: check_choice(v, (), argument="x", function="f"), "c", ()),
        (lambda v: check_share(v, argument="x", function="f"), 1.5, "a share from 0 to 1"),
        (lambda v: check_share(v, argument="x", function="f"), True, "a share from 0 to 1"),
        (lambda v: check_whole(v, argument="x", function="f"), 0, "a whole number from 1"),
        (lambda v: check_whole(v, argument="x", function="f"), 2.0, "a whole number from 1"),
        (
            lambda v: check_whole(v, argument="x", function="f", least=2, none=True),
            1,
            "a whole number from 2 or None",
        ),
    ],
)
def test_each_check_fills_the_fields(check, value, allowed) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ArgumentError) as caught:
        check(value)
    assert (caught.value.function, caught.value.argument, caught.value.value, caught.value.allowed) == (
        "f", "x", value, allowed
    )  # fmt: skip


def test_valid_values_pass_and_the_zone_check_names_timezone() -> None:
    check_share(0, argument="x", function="f")
    check_whole(None, argument="x", function="f", none=True)
    check_choice("a", ("a",), argument="x", function="f")
    with pytest.raises(ArgumentError) as caught:
        check_timezone("Mars/Base", function="read_log")
    assert (caught.value.function, caught.value.argument, caught.value.value) == (
        "read_log",
        "timezone",
        "Mars/Base",
    )


@pytest.mark.parametrize(
    ("call", "function", "argument"),
    [
        (lambda log: o2c.filter_log(log, start="soon"), "filter_log", "start"),
        (lambda log: o2c.kpis(log, as_of="soon"), "kpis", "as_of"),
        (lambda log: o2c.stuck_orders(log, as_of="soon"), "stuck_orders", "as_of"),
    ],
)
def test_a_moment_that_is_none_names_its_function(call, function: str, argument: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ArgumentError) as caught:
        call(o2c.example_log())
    assert (caught.value.function, caught.value.argument, caught.value.value) == (function, argument, "soon")
