"""Every real log beside the checkout: ``o2c assess`` exits 0 and says nothing implausible.

The logs are whatever ``../shared/real_logs/`` holds (XES, CSV, a VBFA zip), so a log added
there is checked too. Implausible: a flow efficiency outside (0, 1], a negative wait in a
bottleneck or on a map, a paid milestone that is a cancellation or rejection step, an ideal
path that passes through one while another variant does not.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from o2c.cli import main
from o2c.conformance.discover import UNSUCCESSFUL_ENDS
from tests.conftest import REAL_LOGS

LOGS = (
    sorted(p.name for p in REAL_LOGS.glob("*") if p.is_file() and p.suffix.lower() != ".md")
    if REAL_LOGS.is_dir()
    else []
)
_NEGATIVE_DURATION = re.compile(r"(?<![\w.])-\d[\d.,]*\s*(s|min|h|d|days?|hours?|minutes?|seconds?)\b")


def _unsuccessful(step: str) -> bool:
    return any(re.search(p, step) for p in UNSUCCESSFUL_ENDS)


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", LOGS or [pytest.param("none", marks=pytest.mark.skip(reason=f"no real logs at {REAL_LOGS}"))]
)
def test_assess_says_nothing_implausible(name: str, tmp_path: Path) -> None:
    path = REAL_LOGS / name
    assert main(["assess", str(path), "--out", str(tmp_path), "--no-progress"]) == 0
    document = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    for source in document["flow_efficiency_sources"]:
        efficiency = source["flow_efficiency"]
        assert efficiency is None or 0 < efficiency <= 1, source
        assert efficiency is not None or source["reason"], source
    for edge in document["bottlenecks"]:
        for key in ("wait_median_s", "wait_mean_s", "wait_p90_s", "wait_total_s"):
            assert edge[key] is None or edge[key] >= 0, (edge["source"], edge["target"], key)
    for drawn in (tmp_path / "maps").glob("*.dot"):
        labels = re.findall(r"label=<(.*?)>\s", drawn.read_text(encoding="utf-8"))
        assert labels and not [label for label in labels if _NEGATIVE_DURATION.search(label)], drawn.name
    paid = document["milestones"]["paid"]["activity"]
    assert paid is None or not _unsuccessful(paid)
    ideal = document["ideal_path"]
    if ideal["discovered"] and any(_unsuccessful(step) for step in ideal["steps"]):
        traces = [v["trace"] for v in document["variants"]]
        assert all(any(_unsuccessful(step) for step in trace) for trace in traces)  # no clean variant shown
    text = " ".join(document["headlines"])
    assert not re.search(r"(?<![\w.])-\d", text), text  # no negative figure in a headline
