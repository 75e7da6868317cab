"""The order-to-cash process the simulator plays: its activities, ideal path, sales organisations
and regions, and how its programs are named.

>>> IDEAL_PATH.milestones["paid"], len(ACTIVITIES)
('Receive Payment', 19)
"""

from __future__ import annotations

from o2c.model import IdealPath

CREATE_ORDER = "Create Sales Order"
UPDATE_ADDRESS = "Update Shipping Address"
CHANGE_QUANTITY = "Change Quantity"
CHECK_CREDIT = "Check Credit"
CREDIT_BLOCK = "Credit Block"
RELEASE_BLOCK = "Release Credit Block"
MANAGER_APPROVAL = "Manager Approval"
DIRECTOR_APPROVAL = "Director Approval"
CONFIRM_ORDER = "Confirm Order"
CHANGE_PRICE = "Change Price"
CREATE_DELIVERY = "Create Delivery"
PICK_GOODS = "Pick Goods"
SHIP_GOODS = "Ship Goods"
CREATE_INVOICE = "Create Invoice"
SEND_INVOICE = "Send Invoice"
COMPLAINT = "Customer Complaint"
CREDIT_MEMO = "Create Credit Memo"
REMINDER = "Send Payment Reminder"
RECEIVE_PAYMENT = "Receive Payment"
SIGN_OFF = "Sales Ops Sign-off"
PRICING_APPROVAL = "Pricing Approval"
PRICING_REJECTED = "Pricing Approval Rejected"

#: Every activity the simulator emits, in process order.
ACTIVITIES = (
    CREATE_ORDER, UPDATE_ADDRESS, CHANGE_QUANTITY, CHECK_CREDIT, CREDIT_BLOCK, RELEASE_BLOCK,
    MANAGER_APPROVAL, DIRECTOR_APPROVAL, CONFIRM_ORDER, CHANGE_PRICE, CREATE_DELIVERY, PICK_GOODS,
    SHIP_GOODS, CREATE_INVOICE, SEND_INVOICE, COMPLAINT, CREDIT_MEMO, REMINDER, RECEIVE_PAYMENT,
)  # fmt: skip
APPROVALS = (MANAGER_APPROVAL, DIRECTOR_APPROVAL)
#: The activities only a log with the back office planted has (``simulate(back_office=True)``).
BACK_OFFICE_ACTIVITIES = (SIGN_OFF, PRICING_APPROVAL, PRICING_REJECTED)

#: The ideal path shipped with the sample logs (sample_logs/ideal_path.yaml).
IDEAL_PATH = IdealPath(
    steps=(
        CREATE_ORDER,
        CHECK_CREDIT,
        MANAGER_APPROVAL,
        DIRECTOR_APPROVAL,
        CONFIRM_ORDER,
        CREATE_DELIVERY,
        PICK_GOODS,
        SHIP_GOODS,
        CREATE_INVOICE,
        SEND_INVOICE,
        RECEIVE_PAYMENT,
    ),
    optional=frozenset(APPROVALS),
    name="standard order",
    target_hours={
        CREATE_ORDER: 0.5,
        CHECK_CREDIT: 0.25,
        MANAGER_APPROVAL: 1.0,
        DIRECTOR_APPROVAL: 1.0,
        CONFIRM_ORDER: 1.0,
        CREATE_DELIVERY: 2.0,
        PICK_GOODS: 4.0,
        SHIP_GOODS: 4.0,
        CREATE_INVOICE: 0.5,
        SEND_INVOICE: 0.5,
        RECEIVE_PAYMENT: 0.5,
    },
    milestones={
        "ordered": CREATE_ORDER,
        "delivered": SHIP_GOODS,
        "invoiced": CREATE_INVOICE,
        "paid": RECEIVE_PAYMENT,
    },
)

#: Sales organisations and their regions.
SALES_ORGS = {"DE01": "EMEA", "FR01": "EMEA", "US01": "AMER", "BR01": "AMER", "SG01": "APAC", "JP01": "APAC"}
REGIONS = ("EMEA", "AMER", "APAC")

#: Batch users: every resource whose name starts with this prefix is a program, not a person.
BATCH_PREFIX = "BATCH_"
