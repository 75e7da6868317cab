"""Order-to-cash KPIs, the milestones they hang on, the stuck-order escalation list, and what goes
with late payment.

The KPIs hang on four **milestones** an order passes on its way to cash: ``ordered``,
``delivered``, ``invoiced`` and ``paid``, given by the ideal path or guessed from the activity
names (``milestones``). Every KPI says how many orders it covers; ``stuck_orders`` lists the open
orders to chase first; ``late_payment_drivers`` compares orders with and without each activity
and attribute value on days past due.

Examples
--------
>>> from o2c import example_log
>>> kpis(example_log()).shape[0] == len(KPIS)
True
>>> stuck_orders(example_log(), as_of="2025-02-10")["case_id"].tolist()
['2']
"""

from o2c._kpis._late_payment import (
    CONSEQUENCE_SHARE,
    LATE_PAYMENT_COLUMNS,
    LATE_PAYMENT_MEASURES,
    late_payment_drivers,
)
from o2c._kpis._milestones import milestones
from o2c._kpis._orders import DUE_DATE, PAYMENT_TERMS
from o2c._kpis._stuck import stuck_orders
from o2c._kpis._table import (
    APPROVAL_PATTERN,
    AUTOMATED_PATTERN,
    CREDIT_BLOCK_PATTERN,
    KPIS,
    RELEASE_PATTERN,
    kpis,
)

__all__ = [
    "APPROVAL_PATTERN",
    "AUTOMATED_PATTERN",
    "CONSEQUENCE_SHARE",
    "CREDIT_BLOCK_PATTERN",
    "DUE_DATE",
    "KPIS",
    "LATE_PAYMENT_COLUMNS",
    "LATE_PAYMENT_MEASURES",
    "PAYMENT_TERMS",
    "RELEASE_PATTERN",
    "kpis",
    "late_payment_drivers",
    "milestones",
    "stuck_orders",
]
