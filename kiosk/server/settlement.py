"""The simulated medical insurance settlement (医保结算) of outpatient bills.

A hospital sends each bill to the insurance platform before the patient pays (预结算) and again
when it is paid (结算); the platform answers how much the pooled fund pays (统筹支付), how much
the patient's personal account pays (个人账户支付) and what is left for the patient (个人自付).
The reference server stands in for the platform with this small, deterministic model (the
figures are the demo's, not any city's policy):

1. **Eligible amount** (政策范围内) of each item, by its place in the insurance catalogue: the
   hospital's price list says whether an item is covered (``prices.insurance_covered``); a
   covered item is class A (甲类, all of it eligible) unless its code is in ``CLASS_B_CODES``
   (乙类: the patient pays ``100 - CLASS_B_ELIGIBLE_PERCENT`` % first, 先行自付). Items outside
   the catalogue (registration fees, a knee MRI, vitamin C...) are not eligible.
2. **Fund** (统筹): ``FUND_PERCENT`` of each item's eligible amount by the patient's insurance
   type, rounded down to the cent per item: employee insurance (职工医保) 70 %, resident
   insurance (城乡居民医保) 50 %, none (自费) 0.
3. **Personal account** (个人账户, employee insurance only): pays the eligible amount the fund
   left, as far as its balance goes. The balance is stored per patient
   (``insurance_accounts``) and goes down only when a payment is paid; a pending payment holds
   its share (no other payment can spend it), an expired, cancelled or declined one holds
   nothing. Unpaid bills take the balance in the order the patient sees them, so a bill's
   figures do not change when the patient pays some bills and not others.
4. **Self-pay** (个人自付): the rest. The kiosk charges only this.

The kind of card the patient identified with does not matter: the patient's record says how
they are insured (as when the record is linked to the insurance at 建档). A patient with no
``insurance_accounts`` row (a record made elsewhere, or a FHIR source's patient) keeps the
share the clinical source stated (``bills.insurance_cents``, e.g. a FHIR Invoice's deduction)
as the fund, with no personal account.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from kiosk.server.db import Connection, from_db_time, require_transaction


class InsuranceType(StrEnum):
    employee = "employee"  # 职工基本医疗保险: a fund share and a personal account
    resident = "resident"  # 城乡居民基本医疗保险: a fund share, no personal account
    none = "none"  # 自费: pays everything


FUND_PERCENT = {InsuranceType.employee: 70, InsuranceType.resident: 50, InsuranceType.none: 0}
CLASS_B_ELIGIBLE_PERCENT = 90
# The demo catalogue's class B (乙类) items: covered after the patient's own 10 %.
CLASS_B_CODES = frozenset({"DRG-IBU", "DRG-CFX", "DRG-ATV", "DRG-LHQ", "IMG-CT"})


@dataclass(frozen=True)
class Insurance:
    type: InsuranceType
    balance_cents: int


@dataclass(frozen=True)
class Split:
    """One bill's settlement: fund + account + self-pay = the bill's total."""

    fund_cents: int
    account_cents: int
    self_pay_cents: int

    @property
    def insurance_cents(self) -> int:
        return self.fund_cents + self.account_cents


@dataclass(frozen=True)
class SettleItem:
    amount_cents: int
    covered: bool
    code: str


def eligible_percent(code: str, covered: bool) -> int:
    if not covered:
        return 0
    return CLASS_B_ELIGIBLE_PERCENT if code in CLASS_B_CODES else 100


def settle_items(
    items: list[SettleItem], insurance_type: InsuranceType, account_available: int
) -> Split:
    """The split of one bill's items; the account pays at most ``account_available``."""
    total = sum(item.amount_cents for item in items)
    fund = 0
    eligible = 0
    for item in items:
        share = eligible_percent(item.code, item.covered)
        eligible += item.amount_cents * share // 100
        fund += item.amount_cents * share * FUND_PERCENT[insurance_type] // 10000
    account = 0
    if insurance_type is InsuranceType.employee:
        account = max(0, min(account_available, eligible - fund))
    return Split(fund, account, total - fund - account)


def insurance_of(conn: Connection, patient_id: str) -> Insurance | None:
    row = conn.execute(
        "SELECT insurance_type, balance_cents FROM insurance_accounts WHERE patient_id = ?",
        (patient_id,),
    ).fetchone()
    if row is None:
        return None
    return Insurance(InsuranceType(row["insurance_type"]), int(row["balance_cents"]))


def _items(conn: Connection, bill_id: str) -> list[SettleItem]:
    rows = conn.execute(
        "SELECT bi.code, bi.amount_cents, p.insurance_covered FROM bill_items bi "
        "LEFT JOIN prices p ON p.code = bi.code WHERE bi.bill_id = ? ORDER BY bi.seq",
        (bill_id,),
    ).fetchall()
    return [
        SettleItem(int(row["amount_cents"]), bool(row["insurance_covered"]), str(row["code"] or ""))
        for row in rows
    ]


def held_account_cents(
    conn: Connection, patient_id: str, now: dt.datetime, *, besides: str = ""
) -> int:
    """The personal account's share that the patient's pending, unexpired payments hold."""
    rows = conn.execute(
        "SELECT p.id, p.expires_at, pb.account_cents FROM payments p "
        "JOIN payment_bills pb ON pb.payment_id = p.id "
        "WHERE p.patient_id = ? AND p.status = 'pending' AND pb.account_cents IS NOT NULL",
        (patient_id,),
    ).fetchall()
    return sum(
        int(row["account_cents"])
        for row in rows
        if row["id"] != besides and from_db_time(row["expires_at"]) > now
    )


def settle_unpaid(
    conn: Connection,
    patient_id: str,
    bills: list[tuple[str, int]],
    now: dt.datetime,
) -> dict[str, Split]:
    """The pre-settlement of the patient's unpaid, unheld bills (``(bill id, stored
    insurance share)`` in the order the patient sees them): the balance not held by a pending
    payment goes to them in that order."""
    insurance = insurance_of(conn, patient_id)
    splits: dict[str, Split] = {}
    if insurance is None:
        for bill_id, stored in bills:
            total = sum(item.amount_cents for item in _items(conn, bill_id))
            fund = min(max(stored, 0), total)
            splits[bill_id] = Split(fund, 0, total - fund)
        return splits
    available = max(0, insurance.balance_cents - held_account_cents(conn, patient_id, now))
    for bill_id, _stored in bills:
        split = settle_items(_items(conn, bill_id), insurance.type, available)
        available -= split.account_cents
        splits[bill_id] = split
    return splits


def stored_split(conn: Connection, payment_id: str, bill_id: str) -> Split | None:
    """The settlement a payment fixed for the bill (None for a payment made before
    settlements were stored)."""
    row = conn.execute(
        "SELECT fund_cents, account_cents, self_pay_cents FROM payment_bills "
        "WHERE payment_id = ? AND bill_id = ?",
        (payment_id, bill_id),
    ).fetchone()
    if row is None or row["fund_cents"] is None:
        return None
    return Split(int(row["fund_cents"]), int(row["account_cents"]), int(row["self_pay_cents"]))


def spend_account(conn: Connection, payment_id: str, patient_id: str) -> int:
    """The paid payment's personal-account share leaves the balance (inside the transaction
    that marks it paid, which runs once per payment); the amount spent.

    A pending payment's share was held from the balance when it was made, so the balance
    covers it; should it not (changed by hand meanwhile), the balance stops at zero rather
    than the payment failing after the patient paid.
    """
    require_transaction(conn)
    row = conn.execute(
        "SELECT coalesce(sum(account_cents), 0) FROM payment_bills WHERE payment_id = ?",
        (payment_id,),
    ).fetchone()
    spent = int(row[0])
    if spent:
        conn.execute(
            "UPDATE insurance_accounts SET balance_cents = CASE WHEN balance_cents >= ? "
            "THEN balance_cents - ? ELSE 0 END WHERE patient_id = ?",
            (spent, spent, patient_id),
        )
    return spent
