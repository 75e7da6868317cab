"""Malformed XES, written by hand (one of each kind pm4py's importer tests meet) and mutated at
random: reading gives the events with every ``<event>`` element accounted for, or one ``o2c``
error; never another exception, a crash or a traceback."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from o2c.errors import ToolkitError
from o2c.io import read_log

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n'
EVENT = (
    '<event><string key="concept:name" value="{a}"/>'
    '<date key="time:timestamp" value="2025-01-0{d}T08:00:00+00:00"/></event>\n'
)
GOOD = (
    HEAD
    + "".join(
        f'<trace><string key="concept:name" value="{t}"/>\n'
        + "".join(EVENT.format(a=a, d=d) for d, a in enumerate(["Order", "Ship", "Invoice", "Pay"], 1))
        + "</trace>\n"
        for t in range(1, 4)
    )
    + "</log>\n"
)

#: name -> file content (bytes); each is broken in one way.
BROKEN: dict[str, bytes] = {
    "empty": b"",
    "not_xml": b"case;activity;time\n1;a;2025\n",
    "html": b"<html><body><h1>404 Not Found</h1></body></html>",
    "truncated_in_event": GOOD.encode()[: GOOD.index("Invoice") + 3],
    "truncated_in_tag": GOOD.encode()[: GOOD.index("<date") + 9],
    "no_root_end": GOOD.replace("</log>\n", "").encode(),
    "mismatched_tags": GOOD.replace("</trace>", "</event>", 1).encode(),
    "event_outside_trace": (HEAD + EVENT.format(a="Lost", d=1) + "</log>").encode(),
    "trace_without_name": GOOD.replace('<string key="concept:name" value="2"/>', "", 1).encode(),
    "event_without_name": GOOD.replace('<string key="concept:name" value="Ship"/>', "", 1).encode(),
    "event_without_time": GOOD.replace(
        '<date key="time:timestamp" value="2025-01-03T08:00:00+00:00"/>', "", 1
    ).encode(),
    "bad_date": GOOD.replace("2025-01-02T08:00:00+00:00", "yesterday", 1).encode(),
    "bad_int": GOOD.replace(
        '<string key="concept:name" value="Pay"/>',
        '<string key="concept:name" value="Pay"/><int key="n" value="x1"/>',
        1,
    ).encode(),
    "unknown_element": GOOD.replace("<event>", '<event><colour key="c" value="red"/>', 1).encode(),
    "invalid_utf8": GOOD.encode().replace(b"Order", b"Ord\xff\xfer", 1),
    "latin1_declared_utf8": GOOD.replace("Order", "Bestellung für Müller", 1).encode("latin-1"),
    "control_character": GOOD.replace("Order", "Ord\x01er", 1).encode(),
    "billion_laughs": (
        b'<?xml version="1.0"?><!DOCTYPE log [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
        b'<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>'
        b'<log><trace><string key="concept:name" value="1"/><event><string key="concept:name" value="&f;"/>'
        b'<date key="time:timestamp" value="2025-01-01T00:00:00"/></event></trace></log>'
    ),
    "external_entity": (
        b'<?xml version="1.0"?><!DOCTYPE log [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<log><trace><string key="concept:name" value="1"/><event><string key="concept:name" value="&x;"/>'
        b'<date key="time:timestamp" value="2025-01-01T00:00:00"/></event></trace></log>'
    ),
    "binary": bytes(range(256)) * 4,
}


def _events_in(data: bytes) -> int:
    return len(re.findall(rb"<event[\s>/]", data))


def _outcome(path: Path) -> dict[str, object]:
    """What reading ``path`` gave: the accounting, or the o2c error; anything else propagates."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            loaded = read_log(path)
        except ToolkitError as error:
            return {"error": str(error).splitlines()[0]}
    return {
        "rows": loaded.source.rows,
        "log": loaded.log.height,
        "rejected": loaded.rejects["source_row"].n_unique(),
        "secret": "root:" in " ".join(loaded.log["activity"].cast(str).to_list()),
    }


def test_each_kind_of_broken_xes_is_read_or_refused_in_a_child_process(tmp_path: Path) -> None:
    """In a child process, so that a crash (a signal) fails this test instead of the suite."""
    for name, data in BROKEN.items():
        (tmp_path / f"{name}.xes").write_bytes(data)
        (tmp_path / f"{name}.xes.gz").write_bytes(gzip.compress(data)[: max(20, len(data) // 3)])  # cut short
    script = (
        "import json, sys; from pathlib import Path; from tests.property.test_xes_fuzz import _outcome\n"
        "for p in sorted(Path(sys.argv[1]).iterdir()):\n"
        "    print(json.dumps([p.name, _outcome(p)]), flush=True)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "panicked" not in done.stderr, done.stderr[-2000:]
    outcomes = dict(json.loads(line) for line in done.stdout.splitlines())
    assert len(outcomes) == 2 * len(BROKEN)
    for name in ("invalid_utf8.xes", "latin1_declared_utf8.xes", "bad_date.xes", "bad_int.xes"):
        assert outcomes[name]["rejected"] == 1, (name, outcomes[name])  # the one broken event, not silence
    assert "a closing tag </event> where </trace> belongs" in outcomes["mismatched_tags.xes"]["error"]
    for name, outcome in outcomes.items():
        if "error" in outcome:
            assert outcome["error"].startswith(name.split(".")[0]) or name in outcome["error"], (
                name,
                outcome,
            )
            continue
        data = (tmp_path / name).read_bytes()
        data = gzip.decompress(data) if name.endswith(".gz") else data
        assert outcome["rows"] == outcome["log"] + outcome["rejected"], (name, outcome)
        assert outcome["rows"] == _events_in(data), (name, outcome)  # every <event> element accounted for
        assert not outcome["secret"], name  # no external entity was expanded


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_mutated_xes_is_read_with_every_event_counted_or_refused(data: st.DataObject) -> None:
    raw = bytearray(GOOD.encode())
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(raw) - 1))
        kind = data.draw(st.sampled_from(["delete", "insert", "replace", "truncate"]))
        chunk = data.draw(
            st.sampled_from([b"<", b">", b'"', b"&", b"</trace>", b"<event>", b"\xff", b"\x00", b"x"])
        )
        if kind == "delete":
            del raw[at : at + data.draw(st.integers(1, 40))]
        elif kind == "insert":
            raw[at:at] = chunk
        elif kind == "replace":
            raw[at : at + len(chunk)] = chunk
        else:
            del raw[at:]
        if not raw:
            raw = bytearray(b"<")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mutated.xes"
        path.write_bytes(bytes(raw))
        outcome = _outcome(path)
    if "error" not in outcome:
        assert outcome["rows"] == outcome["log"] + outcome["rejected"]
        assert outcome["rows"] == _events_in(bytes(raw))
