"""Process maps: what is drawn, how it is labelled, simplification, highlights, snapshots, Graphviz missing."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from o2c._rework import rework
from o2c.discovery import directly_follows, end_activities, start_activities, variants
from o2c.errors import ArgumentError, ColumnMappingError, GraphvizMissingError
from o2c.io import read_ideal_path, read_log
from o2c.performance import activity_durations, bottlenecks, waiting_times
from o2c.render import format_amount, format_count, format_duration, render_map, render_maps
from o2c.render.maps import COLOURS
from tests.conftest import sample_log

SNAPSHOTS = Path(__file__).resolve().parents[1] / "snapshots"
UPDATE = os.environ.get("O2C_UPDATE_SNAPSHOTS") == "1"

_NODE = re.compile(r"^\s*(\w+) \[label=<<b>(.*?)</b>")
_EDGE = re.compile(r"^\s*(\w+) -> (\w+) \[(.*)\]$")
_LABEL = re.compile(r"label=<(?:&#160;)*(?:<b>)?([^<>]*)")


class Drawn:
    """The nodes and edges of a map, by activity name, read back from its DOT text."""

    def __init__(self, source: str) -> None:
        names = {"start": "start", "end": "end"}
        self.edges: dict[tuple[str, str], str] = {}
        for line in source.splitlines():
            if node := _NODE.match(line):
                names[node.group(1)] = html.unescape(node.group(2))
        for line in source.splitlines():
            if edge := _EDGE.match(line):
                self.edges[(names[edge.group(1)], names[edge.group(2)])] = edge.group(3)
        self.nodes = {n for n in names.values() if n not in ("start", "end")}

    def label(self, source: str, target: str) -> str:
        found = _LABEL.search(self.edges[(source, target)])
        return html.unescape(found.group(1)) if found else ""

    def colour(self, source: str, target: str) -> str:
        return re.search(r'color="(#\w+)"', self.edges[(source, target)]).group(1)  # type: ignore[union-attr]

    def reach(self, anchor: str, *, reverse: bool = False) -> set[str]:
        seen, stack = {anchor}, [anchor]
        while stack:
            here = stack.pop()
            for s, t in self.edges:
                a, b = (t, s) if reverse else (s, t)
                if a == here and b not in seen:
                    seen.add(b)
                    stack.append(b)
        return seen


@pytest.fixture(scope="module")
def sample() -> pl.DataFrame:
    return read_log(sample_log("o2c_orders.csv")).log


def _check_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no snapshot {path}; run with O2C_UPDATE_SNAPSHOTS=1 once and review the file"
    assert text == path.read_text(encoding="utf-8")


def _rework_rows() -> pd.DataFrame:
    """Rows shaped like o2c.rework's, made by hand for the example log."""
    return pd.DataFrame(
        {
            "activity": ["Check Credit", "Check Credit", "Confirm Order"],
            "kind": ["repeat", "self_loop", "ping_pong"],
            "other_activity": [None, None, "Change Price"],
        }
    )


def test_example_map_snapshot(example_log: pl.DataFrame) -> None:
    chart = render_map(
        example_log,
        measure="wait_median",
        activities=1,
        paths=1,
        highlight=[bottlenecks(example_log).head(1), _rework_rows()],
    )
    _check_snapshot("example_map.dot", chart.source)


def test_sample_map_snapshots(sample: pl.DataFrame) -> None:
    ideal = read_ideal_path(sample_log("ideal_path.yaml"))
    top = bottlenecks(sample, ideal=ideal, include_customer=False).head(1)
    loops = rework(sample)
    _check_snapshot("sample_map.dot", render_map(sample).source)
    waits = render_map(sample, measure="wait_median", highlight=[top, loops.head(1)])
    _check_snapshot("sample_wait_map.dot", waits.source)


def test_maps_drawn_together_are_those_drawn_one_by_one(sample: pl.DataFrame) -> None:
    highlight = [bottlenecks(sample).head(1), rework(sample).head(1)]
    options = {"activities": 0.9, "paths": 0.7, "highlight": highlight, "max_edges": 20}
    together = render_maps(sample, measures=["transitions", "wait_median", "value_days", "cases"], **options)
    for measure, chart in together.items():
        assert chart.source == render_map(sample, measure=measure, **options).source
    with pytest.raises(ArgumentError, match="'measures' argument of render_maps"):
        render_maps(sample, measures="transitions")
    with pytest.raises(ArgumentError, match="'paths' argument of render_maps"):
        render_maps(sample, measures=["transitions"], paths=2)
    edges = waiting_times(sample)
    from_edges = render_maps(edges, measures=["wait_p90", "transitions"])
    assert from_edges["wait_p90"].source == render_map(edges, measure="wait_p90").source


def test_full_map_draws_every_edge_with_its_count(example_log: pl.DataFrame) -> None:
    drawn = Drawn(render_map(example_log, activities=1, paths=1).source)
    edges = directly_follows(example_log)
    expected = {
        (s, t): format_count(n)
        for s, t, n in edges[["source", "target", "transitions"]].itertuples(index=False)
    }
    inner = {edge: drawn.label(*edge) for edge in drawn.edges if "start" not in edge and "end" not in edge}
    assert inner == expected
    assert {e for e in drawn.edges if "start" in e} == {("start", "Create Sales Order")}
    assert {e for e in drawn.edges if "end" in e} == {("Receive Payment", "end"), ("Create Invoice", "end")}
    assert drawn.label("start", "Create Sales Order") == "3"


def test_waiting_time_labels_by_hand(example_log: pl.DataFrame) -> None:
    drawn = Drawn(render_map(example_log, measure="wait_median", activities=1, paths=1).source)
    assert drawn.label("Confirm Order", "Ship Goods") == "1.9 d"  # waits 45, 24, 61 h: median 45 h
    assert drawn.label("Create Invoice", "Receive Payment") == "14 d"  # 248 h and 428 h: median 338 h
    assert drawn.label("Create Sales Order", "Check Credit") == "1.5 h"  # 2 h and 1 h
    assert drawn.label("start", "Create Sales Order") == ""


def test_value_days_labels(example_log: pl.DataFrame) -> None:
    drawn = Drawn(render_map(example_log, measure="value_days", activities=1, paths=1).source)
    # order 1: 12,000 x 248 h, order 3: 55,000 x 428 h, in days
    assert drawn.label("Create Invoice", "Receive Payment") == format_amount(
        12_000 * 248 / 24 + 55_000 * 428 / 24
    )
    assert drawn.label("Create Invoice", "Receive Payment") == "1.1 M"


def test_node_labels_count_events(example_log: pl.DataFrame) -> None:
    source = render_map(example_log, activities=1, paths=1).source
    assert '<b>Confirm Order</b><br/><font point-size="10">4</font>' in source
    assert '<b>Change Price</b><br/><font point-size="10">1</font>' in source


@pytest.mark.parametrize(
    ("activities", "paths"), [(0.0, 0.0), (0.3, 0.2), (0.5, 0.5), (0.8, 0.8), (1.0, 0.1)]
)
def test_simplified_map_stays_connected(sample: pl.DataFrame, activities: float, paths: float) -> None:
    drawn = Drawn(render_map(sample, activities=activities, paths=paths).source)
    assert drawn.nodes
    assert drawn.nodes <= drawn.reach("start")
    assert drawn.nodes <= drawn.reach("end", reverse=True)


def test_activity_slider_keeps_the_most_frequent_activities(sample: pl.DataFrame) -> None:
    events = sample.group_by("activity").len().with_columns(pl.col("activity").cast(pl.String))
    events = events.sort(["len", "activity"], descending=[True, False])
    cumulative = events["len"].cum_sum() / events["len"].sum()
    needed = set(events["activity"].head(int((cumulative < 0.5).sum()) + 1))
    drawn = Drawn(render_map(sample, activities=0.5, paths=1).source)
    assert needed <= drawn.nodes
    assert len(drawn.nodes) < events.height
    assert Drawn(render_map(sample, activities=1, paths=1).source).nodes == set(events["activity"])


def test_caps_keep_the_most_frequent_activities_and_edges(sample: pl.DataFrame) -> None:
    """max_activities and max_edges bound the sliders; the map stays connected."""
    events = sample.group_by("activity").len().with_columns(pl.col("activity").cast(pl.String))
    top = events.sort(["len", "activity"], descending=[True, False])["activity"].head(4).to_list()
    capped = Drawn(render_map(sample, activities=1, paths=1, max_activities=4).source)
    assert set(top) <= capped.nodes
    assert capped.nodes <= capped.reach("start") and capped.nodes <= capped.reach("end", reverse=True)
    full = Drawn(render_map(sample, activities=1, paths=1).source)
    few = Drawn(render_map(sample, activities=1, paths=1, max_edges=10).source)
    assert len(few.edges) < len(full.edges)
    assert few.nodes <= few.reach("start") and few.nodes <= few.reach("end", reverse=True)
    for cap in (0, 2.5, True):
        with pytest.raises(ArgumentError, match="'max_edges'"):
            render_map(sample, max_edges=cap)


def test_a_map_too_large_to_lay_out_quickly_is_warned_about() -> None:
    rows = [(f"c{c}", f"act_{(c * 7 + j * 13) % 200:03d}", j) for c in range(300) for j in range(c % 11 + 1)]
    frame = pd.DataFrame(rows, columns=["case_id", "activity", "hour"])
    frame["timestamp"] = pd.Timestamp("2025-01-06") + pd.to_timedelta(frame.pop("hour"), unit="h")
    with pytest.warns(UserWarning, match="Pass max_activities= and max_edges="):
        render_map(frame, activities=1, paths=1)


def test_report_maps_of_a_log_with_hundreds_of_activities_are_capped() -> None:
    """A log with 200 activities: the report's map is laid out in seconds, not minutes."""
    from o2c._assess import assess
    from o2c.report import MAP_MAX_ACTIVITIES, MAP_MAX_EDGES, draw_maps

    rows = [(f"c{c}", f"act_{(c * 7 + j * 13) % 200:03d}", j) for c in range(300) for j in range(c % 11 + 1)]
    frame = pd.DataFrame(rows, columns=["case_id", "activity", "hour"])
    frame["timestamp"] = pd.Timestamp("2025-01-06") + pd.to_timedelta(frame.pop("hour"), unit="h")
    chart = draw_maps(assess(read_log(frame), progress=False))["frequency"]
    drawn = Drawn(chart.source)
    # the cap, and the activities and edges brought back to connect them to start and end
    assert MAP_MAX_ACTIVITIES <= len(drawn.nodes) < 100
    assert len(drawn.edges) <= 2 * MAP_MAX_EDGES
    assert chart.pipe(format="svg").startswith(b"<?xml")


def test_most_frequent_variant_is_the_backbone(sample: pl.DataFrame) -> None:
    source = render_map(sample).source
    backbone = set(variants(sample)["trace"].iloc[0])
    grouped = {html.unescape(m.group(1)) for m in re.finditer(r"<b>(.*?)</b>.*group=backbone", source)}
    assert grouped == backbone


def test_highlights(example_log: pl.DataFrame) -> None:
    chart = render_map(example_log, paths=0, highlight=[("Ship Goods", "Create Invoice"), _rework_rows()])
    drawn = Drawn(chart.source)
    assert drawn.colour("Ship Goods", "Create Invoice") == COLOURS["bottleneck"]
    assert drawn.colour("Check Credit", "Check Credit") == COLOURS["rework"]  # self-loop
    assert drawn.colour("Confirm Order", "Change Price") == COLOURS["rework"]  # ping-pong, both ways
    assert drawn.colour("Change Price", "Confirm Order") == COLOURS["rework"]
    assert "bottleneck" in chart.source and "rework loop" in chart.source  # the legend


def test_real_rework_rows_are_accepted(example_log: pl.DataFrame) -> None:
    drawn = Drawn(render_map(example_log, highlight=rework(example_log)).source)
    assert drawn.colour("Check Credit", "Check Credit") == COLOURS["rework"]


def test_unknown_highlight_edge_is_an_error(example_log: pl.DataFrame) -> None:
    with pytest.raises(ArgumentError, match="did you mean: 'Ship Goods -> Create Invoice'"):
        render_map(example_log, highlight=[("Ship Goods", "Create Invoce")])
    with pytest.raises(ArgumentError, match="highlight"):
        render_map(example_log, highlight=42)


def test_edges_table_input(example_log: pl.DataFrame) -> None:
    drawn = Drawn(render_map(waiting_times(example_log), measure="wait_mean", activities=1, paths=1).source)
    assert "start" not in {n for e in drawn.edges for n in e}
    assert drawn.label("Confirm Order", "Ship Goods") == format_duration(pd.Timedelta(hours=130 / 3))
    with pytest.raises(ColumnMappingError) as info:
        render_map(directly_follows(example_log), measure="wait_median")
    assert info.value.column == "wait_median"


def test_the_tables_of_a_log_draw_its_map(sample: pl.DataFrame) -> None:
    """Edges, start and end counts, backbone and durations given as tables: the log's own map, byte
    for byte, the snapshots' highlights and both measures included."""
    ideal = read_ideal_path(sample_log("ideal_path.yaml"))
    highlight = [bottlenecks(sample, ideal=ideal, include_customer=False).head(1), rework(sample).head(1)]
    options = {
        "measures": ["transitions", "wait_median", "value_days"],
        "highlight": highlight,
        "max_edges": 20,
    }
    tables = {
        "starts": start_activities(sample),
        "ends": end_activities(sample),
        "backbone": variants(sample)["trace"].iloc[0],
        "durations": activity_durations(sample),
    }
    from_log = render_maps(sample, **options)
    from_tables = render_maps(bottlenecks(sample, top=None), **options, **tables)
    assert {m: c.source for m, c in from_tables.items()} == {m: c.source for m, c in from_log.items()}
    assert from_tables["wait_median"].left_out == from_log["wait_median"].left_out


def test_a_backbone_can_be_given_to_a_table_or_a_log(example_log: pl.DataFrame) -> None:
    steps = ["Create Sales Order", "Check Credit", "Confirm Order"]
    for drawn in (
        render_map(waiting_times(example_log), backbone=steps),
        render_map(example_log, backbone=steps),
    ):
        grouped = {html.unescape(m) for m in re.findall(r"<b>(.*?)</b>.*group=backbone", drawn.source)}
        assert grouped == set(steps)


def test_tables_arguments_are_checked(example_log: pl.DataFrame) -> None:
    edges = waiting_times(example_log)
    with pytest.raises(ArgumentError, match="'starts' and 'ends' arguments of render_map go together"):
        render_map(edges, starts=start_activities(example_log))
    with pytest.raises(
        ArgumentError, match=r"'ends' argument of render_maps takes o2c\.end_activities output"
    ):
        render_maps(edges, measures=["transitions"], starts=start_activities(example_log), ends=edges)
    with pytest.raises(ArgumentError, match="'backbone' argument of render_map must be a list"):
        render_map(edges, backbone="Create Sales Order")


def test_arguments_are_checked(example_log: pl.DataFrame) -> None:
    with pytest.raises(ArgumentError, match="did you mean: 'wait_median'"):
        render_map(example_log, measure="median")
    with pytest.raises(ArgumentError, match="'paths'"):
        render_map(example_log, paths=80)


def test_same_input_same_dot_and_svg(example_log: pl.DataFrame) -> None:
    first = render_map(example_log, measure="wait_p90")
    second = render_map(example_log.to_pandas(), measure="wait_p90")
    assert first.source == second.source
    assert first.pipe(format="svg") == second.pipe(format="svg")


def test_missing_graphviz_explains_and_keeps_the_dot(
    example_log: pl.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chart = render_map(example_log)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(GraphvizMissingError) as info:
        chart.render(tmp_path / "map", format="svg")
    message = str(info.value)
    assert "apt-get install graphviz" in message and "conda install graphviz" in message
    assert info.value.path == str(tmp_path / "map")
    assert (tmp_path / "map").read_text(encoding="utf-8") == chart.source
    with pytest.raises(GraphvizMissingError, match=r"\.source"):
        chart.pipe(format="png")
    with pytest.raises(GraphvizMissingError):
        chart._repr_mimebundle_()


def test_formats() -> None:
    assert format_duration(pd.Timedelta(hours=-3)) == "-3.0 h"
    assert format_duration(pd.Timedelta(days=10)) == "10 d"
    assert format_duration(pd.Timedelta(days=1234)) == "1,234 d"
    assert format_duration(59.4) == "59 s"
    assert format_count(1_204_000) == "1,204,000"
    assert format_amount(999) == "999"


def test_empty_and_one_event_logs() -> None:
    empty = pl.DataFrame(schema={"case_id": pl.String, "activity": pl.String, "timestamp": pl.Datetime("us")})
    assert Drawn(render_map(empty).source).edges == {}
    one = pl.DataFrame(
        {"case_id": ["x"], "activity": ['A <&> "q"'], "timestamp": [pd.Timestamp("2024-01-01")]}
    )
    drawn = Drawn(render_map(one).source)
    assert drawn.nodes == {'A <&> "q"'}
    assert set(drawn.edges) == {("start", 'A <&> "q"'), ('A <&> "q"', "end")}


def _timed_log() -> pl.DataFrame:
    """Three orders: a (1, 2, 4 h of work), b (30 min each), then c, completed without a start."""
    base = pd.Timestamp("2025-01-06 08:00")
    rows = []
    for case, a_hours in (("1", 1), ("2", 2), ("3", 4)):
        a_end = base + pd.Timedelta(hours=a_hours)
        b_start = a_end + pd.Timedelta(hours=5)
        rows += [
            (case, "a", a_end, base),
            (case, "b", b_start + pd.Timedelta(minutes=30), b_start),
            (case, "c", b_start + pd.Timedelta(days=1), None),
        ]
    return pl.DataFrame(rows, schema=["case_id", "activity", "timestamp", "start_timestamp"], orient="row")


def _node_labels(source: str) -> dict[str, str]:
    found = re.findall(r'\[label=<<b>(.*?)</b>(?:<br/><font point-size="10">(.*?)</font>)?>', source)
    return {html.unescape(name): html.unescape(facts) for name, facts in found}


def test_node_labels_show_the_median_processing_time_when_the_log_has_start_times() -> None:
    chart = render_map(_timed_log(), measure="wait_median", activities=1, paths=1)
    # medians by hand: a of 1, 2, 4 h = 2 h; b 30 min each; c has no start: no time
    assert _node_labels(chart.source) == {"a": "3 · work 2.0 h", "b": "3 · work 30 min", "c": "3"}
    assert "'work', the median processing time (start to completion)" in chart.source
    # edges still show waits only: a -> b waits 5 h in every order, whatever a's processing time
    assert Drawn(chart.source).label("a", "b") == "5.0 h"


def test_durations_can_be_given_with_a_table_of_edges() -> None:
    log = _timed_log()
    durations = activity_durations(log)
    chart = render_map(waiting_times(log), measure="wait_median", durations=durations, activities=1, paths=1)
    assert _node_labels(chart.source) == {"a": "work 2.0 h", "b": "work 30 min", "c": ""}
    with pytest.raises(ArgumentError, match=r"takes o2c\.activity_durations output"):
        render_map(log, durations=waiting_times(log))


def test_a_log_without_start_times_keeps_its_labels(example_log: pl.DataFrame) -> None:
    chart = render_map(example_log, activities=1, paths=1)
    assert "work" not in chart.source
    assert (
        chart.source
        == render_map(example_log, activities=1, paths=1, durations=activity_durations(example_log)).source
    )


def _planted(traces: dict[str, int]) -> pl.DataFrame:
    """A log of ``traces`` (activities joined by ``>``), each repeated that many times, an hour apart."""
    rows = []
    for trace, times in traces.items():
        for _ in range(times):
            case = f"c{len(rows)}"
            rows += [(case, activity, hour) for hour, activity in enumerate(trace.split(">"))]
    frame = pd.DataFrame(rows, columns=["case_id", "activity", "hour"])
    frame["timestamp"] = pd.Timestamp("2025-01-06") + pd.to_timedelta(frame.pop("hour"), unit="h")
    return read_log(frame).log


def test_keep_draws_a_rare_activity_the_sliders_leave_out() -> None:
    """10 orders A > B > C and one A > Approve > C: 33 events, Approve has 1 (3%)."""
    log = _planted({"A>B>C": 10, "A>Approve>C": 1})
    dropped = render_map(log, activities=0.9, paths=1)
    assert Drawn(dropped.source).nodes == {"A", "B", "C"}
    kept = render_map(log, activities=0.9, paths=1, keep=["Approve", "not in the log"])
    drawn = Drawn(kept.source)
    assert drawn.nodes == {"A", "B", "C", "Approve"}
    assert drawn.label("A", "Approve") == "1" and drawn.label("Approve", "C") == "1"
    # on top of max_activities (A), connected like A: A reaches the end through B and C (10
    # orders), Approve through C (1 order)
    capped = Drawn(render_map(log, activities=1, paths=0, max_activities=1, keep=["Approve"]).source)
    assert capped.nodes == {"A", "Approve", "B", "C"}
    assert set(capped.edges) == {
        ("start", "A"),
        ("A", "B"),
        ("B", "C"),
        ("C", "end"),
        ("A", "Approve"),
        ("Approve", "C"),
    }
    assert capped.nodes <= capped.reach("start") and capped.nodes <= capped.reach("end", reverse=True)
    for bad in ("Approve", [1]):
        with pytest.raises(ArgumentError, match="'keep' argument of render_map"):
            render_map(log, keep=bad)


def test_a_map_says_what_it_left_out() -> None:
    """Approve is left out with its 2 paths, A > Approve and Approve > C: 2 of 22 transitions."""
    log = _planted({"A>B>C": 10, "A>Approve>C": 1})
    chart = render_map(log, activities=0.9, paths=1)
    assert (chart.left_out.activities, chart.left_out.paths) == (("Approve",), 2)
    assert chart.left_out.share == pytest.approx(2 / 22)
    caption = "Left out: 1 activity (Approve) and 2 paths (9.1% of transitions)"
    assert chart.left_out.caption() == caption and caption in chart.source
    assert chart.copy().left_out == chart.left_out
    everything = render_map(log, activities=1, paths=1)
    assert everything.left_out.caption() == "" and "Left out" not in everything.source


def test_the_caption_counts_more_than_five_names_and_escapes_them() -> None:
    """Six rare activities, one with characters DOT's HTML labels must escape: counted, not named."""
    rare = ["R1", "R2", "R3", "R4", "R5", 'Approve <5k & "rush"']
    log = _planted({"A>B": 20} | {f"A>{name}>B": 1 for name in rare})
    chart = render_map(log, activities=0.5, paths=1)
    assert set(chart.left_out.activities) == set(rare)
    assert chart.left_out.caption() == "Left out: 6 activities and 12 paths (37.5% of transitions)"
    five = render_map(log, activities=0.5, paths=1, keep=["R1"])
    assert five.left_out.caption() == (
        'Left out: 5 activities (Approve <5k & "rush", R2, R3, R4, R5) and 10 paths (31.2% of transitions)'
    )  # 10 of 32 transitions; equally rare activities by name
    assert "(Approve &lt;5k &amp; &quot;rush&quot;, R2, R3, R4, R5)" in five.source
    assert five.pipe(format="svg").startswith(b"<?xml")  # Graphviz reads the label
