"""The simulated payment page: what a patient's phone shows after scanning the kiosk's QR code.

``GET /pay/{pay token}`` shows the amount and the items with two buttons; they post to
``/pay/{token}/confirm`` and ``/pay/{token}/decline``, which answer with a result page. Public:
the secret is the payment's own pay token (192 random bits, not the payment id the kiosk API
uses); the form carries the payment's CSRF token, checked on every post, and a post from
another origin (``Origin``, ``Referer`` or ``Sec-Fetch-Site``) is refused. Chinese and
English, and deliberately plain: it stands in for a real payment provider in the demo and in
tests.
"""

from __future__ import annotations

import datetime as dt
import hmac
import html
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse

from kiosk.api.models import Payment, PaymentStatus
from kiosk.api.money import format_money
from kiosk.server import bills, payments
from kiosk.server.db import write_transaction
from kiosk.server.deps import PAGE_ERRORS, BaseUrl, Conn, Now

router = APIRouter(
    prefix="/pay", tags=["payment page"], include_in_schema=False, responses=PAGE_ERRORS
)
_PAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"content": {"text/html": {}}, "description": "No such payment (a page saying so)"},
}

PayToken = Annotated[str, PathParam(max_length=64)]
CSRF_FIELD = "csrf_token"

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
@media print{body{background:#fff;font-size:12pt}main{max-width:none}
.card{box-shadow:none;border:1px solid #999}.noprint{display:none}}
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


def _forbidden() -> HTMLResponse:
    return _page(
        "请求被拒绝 Request refused",
        '<div class="card"><h1>请求被拒绝<br><span class="en">Request refused</span></h1>'
        "<p>请重新扫描自助机上的二维码。<br>"
        '<span class="en">Please scan the QR code at the kiosk again.</span></p></div>',
        403,
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


def _payment_page(
    payment: Payment, csrf: str, pay_token: str, conn: Conn, now: dt.datetime
) -> HTMLResponse:
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
        for zh, en, cents in (
            ("医保统筹支付", "Paid by the insurance fund", bill.insurance_fund_cents),
            ("个人账户支付", "Paid from the personal account", bill.personal_account_cents),
        ):
            if cents:
                rows.append(
                    f'<tr><td>{zh} <span class="en">{en}</span></td>'
                    f'<td class="num">−{format_money(cents)}</td></tr>'
                )
    if payment.status is PaymentStatus.pending:
        remaining = max(0, int((payment.expires_at - now).total_seconds()))
        action = f"/pay/{html.escape(pay_token)}"
        hidden = f'<input type="hidden" name="{CSRF_FIELD}" value="{html.escape(csrf)}">'
        actions = (
            f'<p class="en">请在 {remaining // 60}:{remaining % 60:02d} 内完成支付。'
            f" Pay within {remaining // 60}:{remaining % 60:02d}.</p>"
            f'<form method="post" action="{action}/confirm">{hidden}'
            '<button class="pay" type="submit">确认支付 Pay</button></form>'
            f'<form method="post" action="{action}/decline">{hidden}'
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


def _payment_of(conn: Conn, pay_token: str) -> tuple[str, str] | None:
    """The payment id and CSRF token behind a pay token, if any."""
    payment_id = payments.payment_id_for_pay_token(conn, pay_token)
    if payment_id is None:
        return None
    row = payments.get_payment_row(conn, payment_id)
    assert row is not None
    return payment_id, str(row["pay_csrf"] or "")


async def _form_fields(request: Request) -> dict[str, str]:
    """The posted form (``application/x-www-form-urlencoded``), first value of each field."""
    body = await request.body()
    try:
        parsed = parse_qs(body.decode("utf-8"), max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        return {}
    return {name: values[0] for name, values in parsed.items() if values}


FormFields = Annotated[dict[str, str], Depends(_form_fields)]


def _same_origin(request: Request, base_url: str) -> bool:
    """A browser's post from this page, not from another site. Browsers send ``Origin`` on
    form posts; ``Referer`` and ``Sec-Fetch-Site`` are checked when present too."""
    own = {_origin(base_url), _origin(str(request.base_url))}
    origin = request.headers.get("origin")
    if origin is not None and origin.rstrip("/") not in own:
        return False
    referer = request.headers.get("referer")
    if referer is not None and _origin(referer) not in own:
        return False
    return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _checked_post(
    conn: Conn, pay_token: str, form: dict[str, str], request: Request, base_url: str
) -> str | HTMLResponse:
    """The payment id of a legitimate post, or the page that refuses it."""
    found = _payment_of(conn, pay_token)
    if found is None:
        return _not_found()
    payment_id, csrf = found
    presented = form.get(CSRF_FIELD, "")
    if not csrf or not hmac.compare_digest(presented.encode(), csrf.encode()):
        return _forbidden()
    if not _same_origin(request, base_url):
        return _forbidden()
    return payment_id


@router.get("/{pay_token}", response_class=HTMLResponse, responses=_PAGE_RESPONSES)
def payment_page(pay_token: PayToken, conn: Conn, now: Now, base_url: BaseUrl) -> HTMLResponse:
    found = _payment_of(conn, pay_token)
    if found is None:
        return _not_found()
    payment_id, csrf = found
    payment = payments.payment_by_id(conn, payment_id, now, base_url)
    return _payment_page(payment, csrf, pay_token, conn, now)


@router.get("/{pay_token}/receipt", response_class=HTMLResponse, responses=_PAGE_RESPONSES)
def receipt_page(pay_token: PayToken, conn: Conn, now: Now, base_url: BaseUrl) -> HTMLResponse:
    """The electronic receipt (电子票据) of a paid payment: what was paid, by whom it was
    covered, the receipt number; laid out to print on A4 from the phone or a computer."""
    found = _payment_of(conn, pay_token)
    if found is None:
        return _not_found()
    payment = payments.payment_by_id(conn, found[0], now, base_url)
    receipt = payment.receipt
    if receipt is None:
        return _page(
            "尚未支付 Not paid",
            '<div class="card"><h1>该费用尚未支付，暂无电子票据<br><span class="en">Not paid: '
            "there is no electronic receipt yet</span></h1></div>",
            404,
        )
    paid_at = receipt.paid_at.astimezone(now.tzinfo)
    rows = "".join(
        f'<tr><td>{html.escape(item.name)}<br><span class="en">{html.escape(item.name_en)}'
        f'</span></td><td class="num">{item.quantity:g}</td>'
        f'<td class="num">{format_money(item.amount_cents)}</td></tr>'
        for item in receipt.items
    )
    sums = "".join(
        f'<tr><td>{zh} <span class="en">{en}</span></td><td></td>'
        f'<td class="num">{format_money(cents)}</td></tr>'
        for zh, en, cents in (
            ("合计", "Total", receipt.total_cents),
            ("医保统筹支付", "Insurance fund", receipt.insurance_fund_cents),
            ("个人账户支付", "Personal account", receipt.personal_account_cents),
            ("个人自付", "Self-pay", receipt.self_pay_cents),
        )
    )
    body = (
        '<div class="card"><h1>门诊电子票据<br><span class="en">Electronic receipt</span></h1>'
        f'<p>票据号 <span class="en">Receipt number</span> '
        f"<b>{html.escape(receipt.receipt_number)}</b><br>"
        f'缴费时间 <span class="en">Paid at</span> {paid_at:%Y-%m-%d %H:%M}</p>'
        f'<div class="amount">{format_money(receipt.self_pay_cents)}</div></div>'
        '<div class="card"><table><tr><td>项目 <span class="en">Item</span></td>'
        '<td class="num">数量 <span class="en">Qty</span></td>'
        f'<td class="num">金额 <span class="en">Amount</span></td></tr>{rows}{sums}</table></div>'
        '<p class="en noprint">用浏览器的“打印”即可打印本页。 Use the browser\'s Print to print '
        "this page.</p>"
    )
    return _page(f"电子票据 Electronic receipt {receipt.receipt_number}", body)


def _result(conn: Conn, payment_id: str, now: dt.datetime, base_url: str) -> HTMLResponse:
    payment = payments.payment_by_id(conn, payment_id, now, base_url)
    zh, en = _STATUS_TEXT[payment.status]
    body = (
        f'<div class="card"><h1>{html.escape(zh)}<br><span class="en">{html.escape(en)}</span>'
        f'</h1><div class="amount">{format_money(payment.amount_cents)}</div></div>'
        f'<div class="card">{_status_block(payment)}</div>'
    )
    return _page(f"{zh} {en}", body)


@router.post("/{pay_token}/confirm", response_class=HTMLResponse, responses=_PAGE_RESPONSES)
def confirm(
    pay_token: PayToken,
    form: FormFields,
    request: Request,
    conn: Conn,
    now: Now,
    base_url: BaseUrl,
) -> HTMLResponse:
    """Pay: if the payment is still pending, everything it pays for happens now. An expired,
    cancelled or declined payment is left as it is and the page says so."""
    checked = _checked_post(conn, pay_token, form, request, base_url)
    if isinstance(checked, HTMLResponse):
        return checked
    with write_transaction(conn):
        payments.confirm_payment(conn, checked, now)
    return _result(conn, checked, now, base_url)


@router.post("/{pay_token}/decline", response_class=HTMLResponse, responses=_PAGE_RESPONSES)
def decline(
    pay_token: PayToken,
    form: FormFields,
    request: Request,
    conn: Conn,
    now: Now,
    base_url: BaseUrl,
) -> HTMLResponse:
    """Decline: a pending payment becomes failed and its bills are free again."""
    checked = _checked_post(conn, pay_token, form, request, base_url)
    if isinstance(checked, HTMLResponse):
        return checked
    with write_transaction(conn):
        payments.end_payment(conn, checked, now, PaymentStatus.failed)
    return _result(conn, checked, now, base_url)
