"""The patient's phone page (扫码查看排队进度): ``GET /q/{token}``, what the ticket's QR opens.

The token is the ticket's unguessable ``track_token``; the page shows the number, the room and
how to get there, the people ahead, the estimated wait and the state ("请到 201诊室 就诊" in
large type when called, "已过号" with what to do), and never a name or an ID. It is rendered
here, complete without JavaScript; ``/web/track.js`` (plain ES5 for old phone browsers) listens
to ``/api/v1/track/{token}/events`` (polling ``/api/v1/track/{token}`` every 5 s when the stream
fails) and, when the status changes, swaps in ``GET /q/{token}/part``, the same page's main
part, so every word is written once, here. One language at a time: ``?lang=en|zh``, else the
browser's Accept-Language, else Chinese. Everything together stays under 30 KB.
"""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse

from kiosk.api.models import API_PREFIX, EntryState, QueueKind, TrackStatus
from kiosk.server import queue
from kiosk.server.announce import CALL_ACTIONS
from kiosk.server.deps import Conn, Now
from kiosk.server.displaypage import page
from kiosk.server.security import WEB_PAGE_POLICY

router = APIRouter(include_in_schema=False)

# No length check: any token that is not a ticket's gets the friendly page, not a 422.
Token = Annotated[str, PathParam()]
Lang = Annotated[str | None, Query(max_length=8)]


def page_language(request: Request, lang: str | None) -> str:
    """``zh`` or ``en``: ``?lang=`` first, then the browser's preferred of the two."""
    if lang in ("zh", "en"):
        return lang
    best, best_weight = "zh", 0.0
    for offer in request.headers.get("accept-language", "").split(","):
        name, _, params = offer.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        primary = name.strip().lower().split("-")[0]
        if primary in ("zh", "en") and weight > best_weight:
            best, best_weight = primary, weight
    return best


def _kind(conn: Conn, status: TrackStatus) -> QueueKind:
    row = conn.execute("SELECT kind FROM queues WHERE id = ?", (status.queue_id,)).fetchone()
    return QueueKind(row[0])


def _floor(status: TrackStatus, zh: bool) -> str:
    """The building and floor: where the department's nurse station is."""
    location = status.location
    if zh:
        floor = f"{location.floor}楼" if location.floor.isdigit() else location.floor
        return f"{location.building} {floor}"
    return f"{location.building_en or location.building}, floor {location.floor}"


def _place(status: TrackStatus, zh: bool) -> str:
    """ "门诊楼 2楼 201诊室" / "Outpatient Building, floor 2, Room 201": the room as the call
    names it (``Location.describe`` would say "room 201诊室" in English)."""
    room = status.room if zh else status.room_en or status.room
    return f"{_floor(status, zh)} {room}" if zh else f"{_floor(status, zh)}, {room}"


def _state_block(status: TrackStatus, kind: QueueKind, zh: bool) -> str:
    room = html.escape(status.room if zh else status.room_en or status.room)
    action_zh, action_en = CALL_ACTIONS[kind]
    department = status.department
    if status.state is EntryState.waiting:
        if zh:
            return (
                f'<p class="big">前面还有 <b id="ahead">{status.people_ahead}</b> 人</p>'
                f"<p>预计等候约 <b>{status.estimated_wait_minutes}</b> 分钟</p>"
                "<p>请在候诊区等候，叫到您的号时本页会提醒您。</p>"
            )
        people = "person" if status.people_ahead == 1 else "people"
        return (
            f'<p class="big"><b id="ahead">{status.people_ahead}</b> {people} ahead of you</p>'
            f"<p>Estimated wait: about <b>{status.estimated_wait_minutes}</b> min</p>"
            "<p>Please wait in the waiting area; this page tells you when you are called.</p>"
        )
    if status.state is EntryState.called:
        if zh:
            return (
                f'<p class="call">请到 <span class="nw">{room}</span> '
                f'<span class="nw">{action_zh}</span></p><p>已叫到您的号，请尽快前往。</p>'
            )
        return (
            f'<p class="call">Please go to <span class="nw">{room}</span> to {action_en}</p>'
            "<p>Your number has been called. Please go now.</p>"
        )
    if status.state is EntryState.serving:
        return f'<p class="big">正在{action_zh}</p>' if zh else '<p class="big">Being served</p>'
    if status.state is EntryState.no_show:
        where = html.escape(_floor(status, zh))
        if zh:
            desk = f"{html.escape(department.name)}护士站" if department else "服务台"
            return (
                '<p class="call missed">已过号</p>'
                f"<p>请到{desk}（{where}）说明情况，工作人员会为您重新安排。</p>"
            )
        desk = (
            f"the {html.escape(department.name_en or department.name)} nurse station"
            if department
            else "the service desk"
        )
        return (
            '<p class="call missed">Missed your call</p>'
            f"<p>Please go to {desk} ({where}); the staff will put you back in the queue.</p>"
        )
    if status.state is EntryState.done:
        return (
            '<p class="big">已完成，谢谢。祝您早日康复！</p>'
            if zh
            else '<p class="big">Done. Thank you, and get well soon!</p>'
        )
    if status.state is EntryState.transferred:
        return (
            '<p class="big">已转到其他诊室，请留意新的叫号。</p>'
            if zh
            else '<p class="big">Moved to another room; please watch for the new call.</p>'
        )
    return (
        '<p class="big">此号已取消</p><p>如有疑问，请到服务台咨询。</p>'
        if zh
        else '<p class="big">This number was cancelled</p>'
        "<p>Please ask at the service desk if in doubt.</p>"
    )


def _main(status: TrackStatus, kind: QueueKind, zh: bool) -> str:
    """The page's changing part; also the answer of ``/q/{token}/part``."""
    location = status.location
    directions = location.directions if zh else location.directions_en or location.directions
    department = status.department
    queue_name = status.queue_name if zh else status.queue_name_en or status.queue_name
    if department is not None:
        department_name = department.name if zh else department.name_en or department.name
        queue_name = (
            f"{department_name} · {queue_name}"
            if department_name not in queue_name
            else (queue_name)
        )
    updated = status.server_time.strftime("%H:%M")
    return (
        f'<section class="card state-{status.state.value}" id="state" '
        f'data-state="{status.state.value}" data-version="{status.version}">'
        f'<p class="label">{"您的号码" if zh else "Your number"}</p>'
        f'<p class="number">{html.escape(status.number)}</p>'
        f'<p class="queue">{html.escape(queue_name)}</p>'
        f"{_state_block(status, kind, zh)}</section>"
        f'<section class="card"><h2>{"怎么走" if zh else "How to get there"}</h2>'
        f"<p><b>{html.escape(_place(status, zh))}</b></p>"
        + (f"<p>{html.escape(directions)}</p>" if directions else "")
        + "</section>"
        f'<p class="updated">{"更新于" if zh else "Updated"} {updated}</p>'
    )


def _not_found(zh: bool) -> HTMLResponse:
    body = (
        '<body><main><section class="card"><h1>未找到这个排队号</h1>'
        "<p>二维码可能不完整，或者这张号已经过期（排队号只在当天有效）。"
        "请重新扫描号票上的二维码，或到服务台询问。</p></section></main></body>"
        if zh
        else '<body><main><section class="card"><h1>Queue number not found</h1>'
        "<p>The QR code may be incomplete, or the ticket has expired (numbers are valid on "
        "their day only). Please scan the ticket's QR code again or ask at the service desk."
        "</p></section></main></body>"
    )
    return page(
        "未找到 Not found",
        '<link rel="stylesheet" href="/web/track.css">\n',
        body,
        status_code=404,
        lang="zh-CN" if zh else "en",
    )


@router.get("/q/{token}", response_class=HTMLResponse)
def track_page(
    token: Token, request: Request, conn: Conn, now: Now, lang: Lang = None
) -> HTMLResponse:
    zh = page_language(request, lang) == "zh"
    status = queue.track(conn, token, now)
    if status is None:
        return _not_found(zh)
    title = f"{status.number} 排队进度" if zh else f"{status.number} queue status"
    other = ("en", "English") if zh else ("zh", "中文")
    api = f"{API_PREFIX}/track/{html.escape(token)}"
    head = (
        '<link rel="stylesheet" href="/web/track.css">\n'
        '<script src="/web/track.js" defer></script>\n'
        # A browser without JavaScript still follows the queue, by reloading.
        '<noscript><meta http-equiv="refresh" content="30"></noscript>\n'
    )
    body = (
        f'<body data-status-url="{api}" data-events-url="{api}/events" '
        f'data-part-url="/q/{html.escape(token)}/part?lang={"zh" if zh else "en"}">'
        f"<header><span>{'排队进度' if zh else 'Queue status'}</span>"
        f'<a href="?lang={other[0]}" lang="{other[0]}">{other[1]}</a></header>'
        f'<p id="offline" hidden>{"连接中断，正在重试…" if zh else "Connection lost, retrying…"}'
        "</p>"
        f"<main>{_main(status, _kind(conn, status), zh)}</main></body>"
    )
    return page(title, head, body, lang="zh-CN" if zh else "en")


@router.get("/q/{token}/part", response_class=HTMLResponse)
def track_part(
    token: Token, request: Request, conn: Conn, now: Now, lang: Lang = None
) -> HTMLResponse:
    zh = page_language(request, lang) == "zh"
    status = queue.track(conn, token, now)
    if status is None:
        return _not_found(zh)
    return HTMLResponse(
        _main(status, _kind(conn, status), zh),
        headers={"Content-Security-Policy": WEB_PAGE_POLICY},
    )
