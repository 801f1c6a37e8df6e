"""The simulated payment page: what a patient's phone shows after scanning the kiosk's QR code.

``GET /pay/{payment id}`` shows the amount and the items with two buttons; they post to
``/pay/{id}/confirm`` and ``/pay/{id}/decline``, which answer with a result page. Public (the
payment id is the secret), Chinese and English, and deliberately plain: it stands in for a
real payment provider in the demo and in tests.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse

from kiosk.api.models import Payment, PaymentStatus
from kiosk.api.money import format_money
from kiosk.server import bills, payments
from kiosk.server.db import write_transaction
from kiosk.server.deps import PAGE_ERRORS, BaseUrl, Conn, Now

router = APIRouter(
    prefix="/pay", tags=["payment page"], include_in_schema=True, responses=PAGE_ERRORS
)
_PAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"content": {"text/html": {}}, "description": "No such payment (a page saying so)"},
}

PaymentId = Annotated[str, PathParam(max_length=64)]

_STATUS_TEXT: dict[PaymentStatus, tuple[str, str]] = {
    PaymentStatus.pending: ("待支付", "Waiting for payment"),
    PaymentStatus.paid: ("支付成功", "Paid"),
    PaymentStatus.failed: ("已拒绝支付，未扣款", "Declined; nothing was charged"),
    PaymentStatus.expired: ("支付已过期，未扣款", "This payment has expired; nothing was charged"),
    PaymentStatus.cancelled: (
        "支付已取消，未扣款",
        "This payment was cancelled; nothing was charged",
    ),
}

_STYLE = """
body{font-family:system-ui,"PingFang SC","Noto Sans CJK SC",sans-serif;margin:0;
background:#f2f5f8;color:#1b1f24;font-size:18px;line-height:1.5}
main{max-width:30rem;margin:0 auto;padding:1rem}
.card{background:#fff;border-radius:12px;padding:1rem 1.25rem;margin:0 0 1rem;
box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.3rem;margin:.25rem 0 1rem}
.en{color:#4a5561;font-size:.9em}
.amount{font-size:2.4rem;font-weight:700;margin:.25rem 0}
table{width:100%;border-collapse:collapse;font-size:.95rem}
td{padding:.35rem 0;border-bottom:1px solid #e3e7eb;vertical-align:top}
td.num{text-align:right;white-space:nowrap;padding-left:.5rem}
button{display:block;width:100%;min-height:3.5rem;font-size:1.15rem;border:0;
border-radius:10px;margin:.75rem 0;cursor:pointer}
.pay{background:#0a7d3b;color:#fff}.decline{background:#e3e7eb;color:#1b1f24}
.status{font-size:1.3rem;font-weight:700}
.paid{color:#0a7d3b}.bad{color:#a4161a}
"""


def _page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title><style>{_STYLE}</style></head>
<body><main>
{body}
</main></body></html>
""",
        status_code=status_code,
    )


def _not_found() -> HTMLResponse:
    return _page(
        "未找到支付 Payment not found",
        '<div class="card"><h1>未找到该支付<br><span class="en">Payment not found</span></h1>'
        "<p>请回到自助机重新生成二维码。<br>"
        '<span class="en">Please create a new QR code at the kiosk.</span></p></div>',
        404,
    )


def _status_block(payment: Payment) -> str:
    zh, en = _STATUS_TEXT[payment.status]
    css = {PaymentStatus.paid: "paid", PaymentStatus.pending: ""}.get(payment.status, "bad")
    lines = [
        f'<p class="status {css}">{html.escape(zh)}<br>'
        f'<span class="en">{html.escape(en)}</span></p>'
    ]
    if payment.receipt is not None:
        lines.append(
            '<p>收据号 <span class="en">Receipt</span> '
            f"<b>{html.escape(payment.receipt.receipt_number)}</b></p>"
        )
    for pharmacy in payment.pharmacy_tickets:
        lines.append(
            '<p>取药号 <span class="en">Pharmacy number</span> '
            f"<b>{html.escape(pharmacy.number)}</b>"
            f" · {html.escape(pharmacy.location)} {html.escape(pharmacy.window)}<br>"
            f'<span class="en">{html.escape(pharmacy.location_en)}, '
            f"{html.escape(pharmacy.window_en)}</span></p>"
        )
    for ticket in payment.registration_tickets:
        lines.append(
            '<p>就诊排队号 <span class="en">Queue number</span> '
            f"<b>{html.escape(ticket.number)}</b> · {html.escape(ticket.department.name)}</p>"
        )
    lines.append('<p class="en">现在可以回到自助机。 You can go back to the kiosk now.</p>')
    return "\n".join(lines)


def _payment_page(payment: Payment, conn: Conn, now: dt.datetime) -> HTMLResponse:
    rows = []
    for bill_id in payment.bill_ids:
        bill = bills.bill_by_id(conn, bill_id, now)
        rows.append(
            f'<tr><td colspan="2"><b>{html.escape(bill.title)}</b> '
            f'<span class="en">{html.escape(bill.title_en)}</span></td></tr>'
        )
        for item in bill.items:
            quantity = f"{item.quantity:g}"
            rows.append(
                f'<tr><td>{html.escape(item.name)}<br><span class="en">'
                f"{html.escape(item.name_en)} × {quantity} {html.escape(item.unit_en or item.unit)}"
                f'</span></td><td class="num">{format_money(item.amount_cents)}</td></tr>'
            )
        if bill.insurance_cents:
            rows.append(
                f'<tr><td>医保支付 <span class="en">Paid by insurance</span></td>'
                f'<td class="num">−{format_money(bill.insurance_cents)}</td></tr>'
            )
    if payment.status is PaymentStatus.pending:
        remaining = max(0, int((payment.expires_at - now).total_seconds()))
        action = f"/pay/{html.escape(payment.id)}"
        actions = (
            f'<p class="en">请在 {remaining // 60}:{remaining % 60:02d} 内完成支付。'
            f" Pay within {remaining // 60}:{remaining % 60:02d}.</p>"
            f'<form method="post" action="{action}/confirm">'
            '<button class="pay" type="submit">确认支付 Pay</button></form>'
            f'<form method="post" action="{action}/decline">'
            '<button class="decline" type="submit">拒绝 Decline</button></form>'
        )
    else:
        actions = _status_block(payment)
    body = (
        '<div class="card"><h1>模拟支付<br><span class="en">Simulated payment</span></h1>'
        '<div>应付金额 <span class="en">Amount due</span></div>'
        f'<div class="amount">{format_money(payment.amount_cents)}</div></div>'
        f'<div class="card"><table>{"".join(rows)}</table></div>'
        f'<div class="card">{actions}</div>'
    )
    return _page(f"支付 {format_money(payment.amount_cents)} Payment", body)


@router.get("/{payment_id}", response_class=HTMLResponse, responses=_PAGE_RESPONSES)
def payment_page(payment_id: PaymentId, conn: Conn, now: Now, base_url: BaseUrl) -> HTMLResponse:
    try:
        payment = payments.payment_by_id(conn, payment_id, now, base_url)
    except KeyError:
        return _not_found()
    return _payment_page(payment, conn, now)


def _result(conn: Conn, payment_id: str, now: dt.datetime, base_url: str) -> HTMLResponse:
    payment = payments.payment_by_id(conn, payment_id, now, base_url)
    zh, en = _STATUS_TEXT[payment.status]
    body = (
        f'<div class="card"><h1>{html.escape(zh)}<br><span class="en">{html.escape(en)}</span>'
        f'</h1><div class="amount">{format_money(payment.amount_cents)}</div></div>'
        f'<div class="card">{_status_block(payment)}</div>'
    )
    return _page(f"{zh} {en}", body)


@router.post("/{payment_id}/confirm", response_class=HTMLResponse, responses=_PAGE_RESPONSES)
def confirm(payment_id: PaymentId, conn: Conn, now: Now, base_url: BaseUrl) -> HTMLResponse:
    """Pay: if the payment is still pending, everything it pays for happens now. An expired,
    cancelled or declined payment is left as it is and the page says so."""
    try:
        with write_transaction(conn):
            payments.confirm_payment(conn, payment_id, now)
    except KeyError:
        return _not_found()
    return _result(conn, payment_id, now, base_url)


@router.post("/{payment_id}/decline", response_class=HTMLResponse, responses=_PAGE_RESPONSES)
def decline(payment_id: PaymentId, conn: Conn, now: Now, base_url: BaseUrl) -> HTMLResponse:
    """Decline: a pending payment becomes failed and its bills are free again."""
    try:
        with write_transaction(conn):
            payments.end_payment(conn, payment_id, now, PaymentStatus.failed)
    except KeyError:
        return _not_found()
    return _result(conn, payment_id, now, base_url)
