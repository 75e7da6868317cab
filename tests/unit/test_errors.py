"""ArgumentError says which function, argument and value failed and what was allowed, as fields
(tests and callers check fields rather than wording)."""

from __future__ import annotations

import pandas as pd
import pytest

import o2c
from o2c.errors import (
    ArgumentError,
    check_choice,
    check_names,
    check_number,
    check_share,
    check_timezone,
    check_whole,
)
from o2c.performance import BOTTLENECK_ORDER
from o2c.render import render_maps


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


@pytest.fixture(scope="module")
def assessment() -> o2c.Assessment:
    return o2c.assess(o2c.read_log(o2c.example_log()), progress=False)


@pytest.mark.parametrize(
    ("call", "function", "argument", "value"),
    [
        (lambda log, a, out: o2c.findings(a, top=0), "findings", "top", 0),
        (lambda log, a, out: o2c.write_report(a, out, top=0), "write_report", "top", 0),
        (lambda log, a, out: o2c.assess(o2c.read_log(log), min_cases=0), "assess", "min_cases", 0),
        (lambda log, a, out: o2c.assess(o2c.read_log(log), driver_edges=-1), "assess", "driver_edges", -1),
        (lambda log, a, out: o2c.assess(o2c.read_log(log), annual_rate=-0.1), "assess", "annual_rate", -0.1),
        (
            lambda log, a, out: o2c.cost_of_divergence(log, a.alignments, annual_rate=-1),
            "cost_of_divergence", "annual_rate", -1,
        ),
        (lambda log, a, out: o2c.discover_ideal_path(log, noise_threshold=1.5), "discover_ideal_path", "noise_threshold", 1.5),
        (lambda log, a, out: o2c.late_payment_drivers(log, min_cases=0), "late_payment_drivers", "min_cases", 0),
        (lambda log, a, out: o2c.simulate(10, weeks=0), "simulate", "weeks", 0),
        (lambda log, a, out: o2c.simulate(10, complaint=1.5), "simulate", "complaint", 1.5),
        (lambda log, a, out: o2c.simulate(10, bottleneck_days=0), "simulate", "bottleneck_days", 0),
        (lambda log, a, out: o2c.simulate(10, start="soon"), "simulate", "start", "soon"),
        (lambda log, a, out: o2c.render_map(log, paths=2), "render_map", "paths", 2),
        (lambda log, a, out: o2c.render_map(log, keep="Ship Goods"), "render_map", "keep", "Ship Goods"),
        (lambda log, a, out: render_maps(log, measures=["transitions"], max_edges=0), "render_maps", "max_edges", 0),
        (lambda log, a, out: render_maps([1], measures=["transitions"]), "render_maps", "edges_or_log", [1]),
        (
            lambda log, a, out: render_maps(log, measures=["transitions"], highlight=("Ship Goods", "Nowhere")),
            "render_maps", "highlight", ("Ship Goods", "Nowhere"),
        ),
        (lambda log, a, out: o2c.filter_log(log, starts_with=3), "filter_log", "starts_with", 3),
        (lambda log, a, out: o2c.filter_log(log, variants=[99]), "filter_log", "variants", 99),
        (lambda log, a, out: o2c.filter_log(log, min_lead_time="soon"), "filter_log", "min_lead_time", "soon"),
        (lambda log, a, out: o2c.kpis(log, automated="("), "kpis", "automated", "("),
        (lambda log, a, out: o2c.read_log(log, classifier="activty"), "read_log", "classifier", "activty"),
    ],
)  # fmt: skip
def test_a_bad_argument_of_a_public_function_is_named_in_the_fields(  # type: ignore[no-untyped-def]
    call, function: str, argument: str, value: object, assessment: o2c.Assessment, tmp_path
) -> None:
    with pytest.raises(ArgumentError) as caught:
        call(o2c.example_log(), assessment, tmp_path / "report")
    assert (caught.value.function, caught.value.argument, caught.value.value) == (function, argument, value)
    assert caught.value.allowed is not None
    assert not (tmp_path / "report").exists()  # checked before anything is written


def test_a_result_frame_without_its_columns_names_the_argument_and_what_makes_it() -> None:
    with pytest.raises(ArgumentError) as caught:
        o2c.render_map(o2c.example_log(), durations=pd.DataFrame({"activity": ["Ship Goods"]}))
    assert (caught.value.function, caught.value.argument, caught.value.allowed) == (
        "render_map", "durations", "o2c.activity_durations output"
    )  # fmt: skip
    assert "without 'duration_median'" in str(caught.value)


@pytest.mark.parametrize(
    ("check", "value", "allowed"),
    [
        (lambda v: check_number(v, argument="x", function="f"), -1, "a number of 0 or more"),
        (lambda v: check_number(v, argument="x", function="f"), float("nan"), "a number of 0 or more"),
        (lambda v: check_number(v, argument="x", function="f"), "0.08", "a number of 0 or more"),
        (lambda v: check_number(v, argument="x", function="f", above=True), 0, "a number more than 0"),
        (lambda v: check_names(v, argument="x", function="f", such_as="['a']"), "a", "a list of activity names"),
        (lambda v: check_names(v, argument="x", function="f", such_as="['a']"), ["a", 1], "a list of activity names"),
    ],
)  # fmt: skip
def test_the_number_and_name_checks_fill_the_fields(check, value, allowed) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ArgumentError) as caught:
        check(value)
    assert (caught.value.function, caught.value.argument, caught.value.allowed) == ("f", "x", allowed)
    assert caught.value.value is value


def test_the_number_and_name_checks_pass_valid_values() -> None:
    check_number(0, argument="x", function="f")
    check_number(0.5, argument="x", function="f", above=True)
    assert check_names(iter(["a", "b"]), argument="x", function="f", such_as="") == ("a", "b")


@pytest.mark.parametrize("function", [o2c.kpis, o2c.milestones, o2c.late_payment_drivers])
def test_an_optional_ideal_path_by_position_still_works_for_a_release_and_says_so(function) -> None:  # type: ignore[no-untyped-def]
    log = o2c.example_log()
    ideal = o2c.IdealPath(("Create Sales Order", "Ship Goods", "Receive Payment"))
    with pytest.warns(DeprecationWarning, match="by keyword \\(ideal=...\\)"):
        old = function(log, ideal)
    new = function(log, ideal=ideal)
    assert old.equals(new)
