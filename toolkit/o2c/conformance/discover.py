"""An ideal path found in the log itself, when the client has none written down.

Examples
--------
>>> from o2c.simulate import example_log
>>> discover_ideal_path(example_log()).steps[:2]
('Create Sales Order', 'Check Credit')
"""

from __future__ import annotations

import pandas as pd
import polars as pl

import o2c._pm4py as _pm4py
from o2c.conformance.ideal_path import IdealPath, ProcessModel
from o2c.discovery import variants
from o2c.errors import ArgumentError, check_choice
from o2c.log import validate

#: How ``discover_ideal_path`` finds the path.
DISCOVERY_METHODS = ("most_frequent_variant", "inductive_miner")


def discover_ideal_path(
    log: pl.DataFrame | pd.DataFrame,
    *,
    method: str = "most_frequent_variant",
    noise_threshold: float = 0.2,
) -> IdealPath | ProcessModel:
    """The ideal path as the log's most frequent variant, or a Petri net from the inductive miner.

    Parameters
    ----------
    log : DataFrame
        A validated event log.
    method : {"most_frequent_variant", "inductive_miner"}
        ``most_frequent_variant``: the trace most cases follow (ties: the first trace by its
        activity names), as an ``IdealPath`` without optional steps. ``inductive_miner``:
        pm4py's inductive miner (its infrequent variant, which drops behaviour rarer than
        ``noise_threshold``), as a ``ProcessModel`` that ``align`` hands to pm4py.
    noise_threshold : float
        Between 0 and 1; used by ``inductive_miner`` only (0 keeps every observed behaviour).

    Returns
    -------
    IdealPath or ProcessModel
        Named after how it was found.

    Examples
    --------
    >>> from o2c.simulate import example_log
    >>> discover_ideal_path(example_log()).name
    'most frequent variant (1 of 3 cases)'
    >>> discover_ideal_path(example_log(), method="inductive_miner").activities[:2]
    ('Change Price', 'Check Credit')
    """
    log = validate(log)
    check_choice(method, DISCOVERY_METHODS, argument="method", function="discover_ideal_path")
    if not 0 <= noise_threshold <= 1:
        raise ArgumentError(
            f"The 'noise_threshold' argument of discover_ideal_path must be between 0 and 1; got {noise_threshold!r}."
        )
    if method == "inductive_miner":
        net = _pm4py.discover_inductive_net(log, noise_threshold=noise_threshold)
        return ProcessModel(
            *net, name="inductive miner", source=f"pm4py inductive miner, noise threshold {noise_threshold}"
        )
    table = variants(log)
    if table.empty:
        raise ArgumentError("discover_ideal_path needs events; the event log has none.")
    cases, total = int(table["cases"].iloc[0]), int(table["cases"].sum())
    return IdealPath(tuple(table["trace"].iloc[0]), name=f"most frequent variant ({cases} of {total} cases)")
