"""Seeded order-to-cash event logs: ``simulate()`` with planted truth, ``example_log()`` for docs.

``simulate`` generates a realistic order-to-cash process on a working calendar, plants patterns
on purpose (a bottleneck driven by one region, a ping-pong loop, a self-loop, skipped credit
checks, invoices before shipment, late payment after complaints, long approval chains, stuck
orders) and measures them again from the generated events: the ``truth`` a test can hold every
analysis against. ``example_log`` is the tiny fixed log of the docstrings.

Examples
--------
>>> log = example_log()
>>> log.height, log["case_id"].n_unique()
(19, 3)
>>> sim = simulate(200, seed=1)
>>> sim.truth["cases"], sim.truth["events"] == sim.log.height
(200, True)
"""

from o2c._simulate._example import example_log
from o2c._simulate._generator import RESOURCES, WORKING_HOURS, Simulation, simulate
from o2c._simulate._objects import ObjectCentricSimulation, simulate_ocel
from o2c._simulate._process import ACTIVITIES, APPROVALS, BATCH_PREFIX, IDEAL_PATH, REGIONS, SALES_ORGS

__all__ = [
    "ACTIVITIES",
    "APPROVALS",
    "BATCH_PREFIX",
    "IDEAL_PATH",
    "REGIONS",
    "RESOURCES",
    "SALES_ORGS",
    "WORKING_HOURS",
    "ObjectCentricSimulation",
    "Simulation",
    "example_log",
    "simulate",
    "simulate_ocel",
]
