"""The notebooks: thin (no def, class or loop), stored without outputs, and executed on the sample
log with injected parameters: the assessment writes a report, the reproduction finds every number
again (and names the one that was changed), the presentation shows maps and charts."""

from __future__ import annotations

import ast
import html
import json
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT, sample_log

NOTEBOOKS = ROOT / "notebooks"
NAMES = ["01_assessment", "02_reproduce_findings", "03_client_presentation"]

#: The sample log the notebooks read: the Parquet copy of o2c_orders.csv (the same events, typed).
SAMPLE = "o2c_orders.csv"  # read with DuckDB inside the kernel, as a consultant would

#: What a notebook may not contain: definitions and loops belong in the package, where tests reach them.
FORBIDDEN = (
    ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.For, ast.AsyncFor, ast.While,
    ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
)  # fmt: skip


def _notebook(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_are_thin_and_stored_without_outputs(name: str) -> None:
    notebook = _notebook(name)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [c for c in code if "parameters" in c.metadata.get("tags", [])] == [code[0]]
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None
        found = [
            type(node).__name__ for node in ast.walk(ast.parse(cell.source)) if isinstance(node, FORBIDDEN)
        ]
        assert found == [], f"{name}: {found} in {cell.source!r}"


def _run(name: str, parameters: dict[str, Any]) -> nbformat.NotebookNode:
    """Execute a notebook in the notebooks folder with its parameters cell replaced."""
    notebook = _notebook(name)
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    cell.source = "# parameters (injected)\n" + "\n".join(f"{k} = {v!r}" for k, v in parameters.items())
    client = NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute()
    return notebook


def _text(notebook: nbformat.NotebookNode, source: str, mime: str = "text/plain") -> str:
    """The output of the code cell whose source contains ``source``, as text of one MIME type."""
    cell = next(c for c in notebook.cells if c.cell_type == "code" and source in c.source)
    parts = []
    for output in cell.outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        elif "data" in output and mime in output.data:
            parts.append(output.data[mime])
    return "".join(parts)


@pytest.fixture(scope="module")
def assessed(tmp_path_factory: pytest.TempPathFactory) -> tuple[nbformat.NotebookNode, Path]:
    out = tmp_path_factory.mktemp("assessment")
    notebook = _run(
        "01_assessment",
        {
            "LOG_FILE": str(sample_log(SAMPLE)),
            "MAPPING": None,
            "IDEAL_PATH_FILE": str(sample_log("ideal_path.yaml")),
            "OUT_DIR": str(out),
        },
    )
    return notebook, out


def test_the_assessment_notebook_finds_the_planted_bottleneck_and_writes_the_report(
    assessed: tuple[nbformat.NotebookNode, Path],
) -> None:
    notebook, out = assessed
    truth = json.loads(sample_log("truth.json").read_text())
    headlines = _text(notebook, "o2c.headlines(result)")
    planted = truth["bottleneck"]
    assert f"between {planted['source']} and {planted['target']}" in headlines
    assert f"{planted['attribute']} {planted['value']}" in headlines
    assert (
        "image/svg+xml" in next(c for c in notebook.cells if 'maps["frequency"]' in c.source).outputs[0].data
    )
    document = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert document["conformance"]["conforming_cases"] == truth["conformance"]["conforming_cases"]
    assert (out / "report.html").is_file()
    ranked = _text(notebook, "result.bottlenecks.head(10)", mime="text/html")
    assert f">{planted['source']}</td>" in ranked and " EUR-days</td>" in ranked
    assert not re.search(r"\d days? \d\d:\d\d|\d[eE][+-]\d", ranked)  # no raw Timedelta, no 1e+08


def test_the_reproduction_notebook_matches_every_number_and_names_a_changed_one(
    assessed: tuple[nbformat.NotebookNode, Path], tmp_path: Path
) -> None:
    _, out = assessed
    parameters = {
        "LOG_FILE": str(sample_log(SAMPLE)),
        "FINDINGS_FILE": str(out / "findings.json"),
        "IDEAL_PATH_FILE": str(sample_log("ideal_path.yaml")),
    }
    document = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    document["log"]["variants"] += 1
    changed = tmp_path / "findings.json"
    changed.write_text(json.dumps(document), encoding="utf-8")
    notebook = _run("02_reproduce_findings", parameters | {"FINDINGS_FILE": str(changed)})
    verdict = _text(notebook, "all_match = ")
    assert verdict.strip().endswith("all match: False")
    compared = int(verdict.split(" values compared")[0].replace(",", ""))
    assert compared > 1000
    mismatches = _text(notebook, "mismatches_only=True")
    assert "log.variants" in mismatches and mismatches.count("\n") == 1  # a header and one row


def test_the_reproduction_notebook_says_all_match_on_the_delivered_findings(
    assessed: tuple[nbformat.NotebookNode, Path],
) -> None:
    _, out = assessed
    notebook = _run(
        "02_reproduce_findings",
        {
            "LOG_FILE": str(sample_log(SAMPLE)),
            "FINDINGS_FILE": str(out / "findings.json"),
            "IDEAL_PATH_FILE": str(sample_log("ideal_path.yaml")),
        },
    )
    assert _text(notebook, "all_match = ").strip().endswith("all match: True")


def test_the_presentation_notebook_shows_headlines_maps_and_charts() -> None:
    notebook = _run(
        "03_client_presentation",
        {
            "LOG_FILE": str(sample_log(SAMPLE)),
            "MAPPING": None,
            "IDEAL_PATH_FILE": str(sample_log("ideal_path.yaml")),
        },
    )
    headlines = _text(notebook, "o2c.headlines(result)", mime="text/html")
    assert headlines.startswith("<ol><li>Orders wait a median") and headlines.count("<li>") == 5
    svg = [c for c in notebook.cells if c.cell_type == "code" and "maps[" in c.source]
    assert len(svg) == 2 and all("image/svg+xml" in c.outputs[0].data for c in svg)
    explorer = _text(notebook, "o2c.explore(result)", mime="text/html")
    assert explorer.startswith("<iframe srcdoc=") and "window.o2cExplorer" in html.unescape(explorer)
    charts = [c for c in notebook.cells if c.cell_type == "code" and "o2c.plot_" in c.source]
    assert len(charts) == 3 and all("image/svg+xml" in c.outputs[0].data for c in charts)
    code = [c for c in notebook.cells if c.cell_type == "code"][1:]
    assert all(c.metadata["jupyter"]["source_hidden"] for c in code)
    money = _text(notebook, "result.bottlenecks.head(5)", mime="text/html")
    assert ">financing_cost</th>" in money and " EUR-days</td>" in money and ">overlaps</th>" not in money
    assert " EUR</td>" in _text(notebook, "result.cost_of_divergence", mime="text/html")
