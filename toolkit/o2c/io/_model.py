"""Read a process model (BPMN or PNML) as the ideal path for conformance."""

from __future__ import annotations

from pathlib import Path

import o2c._pm4py as _pm4py
from o2c.errors import IdealPathError, InputFileError
from o2c.model import ProcessModel

#: File suffixes of process models and how pm4py reads each.
MODEL_FORMATS = {".bpmn": "bpmn", ".pnml": "pnml"}


def read_process_model(path: str | Path) -> ProcessModel:
    """Read a BPMN or PNML file (with pm4py) as a Petri net that ``o2c.align`` aligns to.

    A BPMN diagram is converted to a Petri net by pm4py; a PNML file needs its final marking
    (``<finalmarkings>``), as pm4py writes it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> file = pathlib.Path(tempfile.mkdtemp()) / "ideal.pnml"
    >>> _ = file.write_text('''<pnml><net id="n" type="http://www.pnml.org/version-2009/grammar/pnmlcoremodel">
    ... <page id="p"><place id="start"><initialMarking><text>1</text></initialMarking></place>
    ... <place id="mid"/><place id="end"/>
    ... <transition id="t1"><name><text>Order</text></name></transition>
    ... <transition id="t2"><name><text>Ship</text></name></transition>
    ... <arc id="a1" source="start" target="t1"/><arc id="a2" source="t1" target="mid"/>
    ... <arc id="a3" source="mid" target="t2"/><arc id="a4" source="t2" target="end"/></page>
    ... <finalmarkings><marking><place idref="end"><text>1</text></place></marking></finalmarkings>
    ... </net></pnml>''')
    >>> read_process_model(file).activities
    ('Order', 'Ship')
    """
    path = Path(path)
    kind = MODEL_FORMATS.get(path.suffix.lower())
    if kind is None:
        raise InputFileError(
            f"{path.name} is not a process model file o2c can read; use a BPMN (.bpmn) or PNML (.pnml) "
            "file, or an ideal path YAML file with o2c.read_ideal_path.",
            path=path,
        )
    if not path.is_file():
        raise InputFileError(f"The process model file {path} does not exist.", path=path)
    try:
        net = _pm4py.read_pnml(str(path)) if kind == "pnml" else _pm4py.read_bpmn_as_net(str(path))
    except Exception as exc:  # pm4py raises plain exceptions for malformed files
        raise InputFileError(f"pm4py cannot read {path.name} as {kind.upper()}: {exc}", path=path) from exc
    if net[2] is None or not len(net[2]):
        raise IdealPathError(
            f"{path.name} has no final marking, so an alignment cannot tell where an order ends; "
            "add <finalmarkings> to the PNML file (pm4py.write_pnml writes it).",
            path=path,
        )
    return ProcessModel(*net, name=path.stem, source=str(path))
