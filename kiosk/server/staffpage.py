"""The staff caller page ``/staff`` (叫号): a doctor or nurse calls, recalls, serves and
transfers the patients of their room or counter from a browser.

``GET /staff`` shows the sign-in form (station id and password) until the ``kiosk_station``
cookie holds a live station session; then the caller page: the station's queue, the patient
being called or served with the buttons 呼叫下一位 / 重呼 / 过号 / 开始就诊 / 完成 / 转诊 (each
with its keyboard shortcut), and the waiting list in call order. ``POST /staff/login`` makes
the session through the API's own sign-in (``routes_queue.sign_in``: the same password check
and the same limit on failed attempts) and sets the cookie
(``HttpOnly``, ``SameSite=Strict``, ``Path=/`` because the page's script sends it to the
queue API under ``/api/v1``); ``POST /staff/logout`` ends it. Both posts must come from this
server's own page (same origin).

The page is rendered here in one language (``?lang=en|zh``, else ``Accept-Language``, default
Chinese); ``assets/web/staff.js`` then keeps it current. It asks ``GET /queues/{id}`` every
``POLL_INTERVAL_MS`` and at once after each of its own actions rather than following the
area's server-sent events: the events carry the display board (numbers and rooms), not the
masked names, priorities and waits a station shows, so every event would cost that request
anyway; the poll is one small answer per station every two seconds, and a failed poll is what
tells the page the connection is lost.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from typing import Annotated, Literal
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kiosk.api.models import API_PREFIX, ErrorCode, Priority, QueueSummary, Station
from kiosk.server import queue, routes_queue, stations
from kiosk.server.deps import Conn, Now
from kiosk.server.errors import ApiError
from kiosk.server.security import WEB_PAGE_POLICY, same_origin

router = APIRouter(prefix="/staff", include_in_schema=False)

Language = Literal["zh", "en"]
LanguageQuery = Annotated[Language | None, Query()]
POLL_INTERVAL_MS = 2000
_MAX_FORM_BYTES = 4096
# Under the server's ``no-referrer`` a browser sends ``Origin: null`` with the page's own
# posts (the sign-in form, the script's actions), which the same-origin check must refuse;
# ``same-origin`` sends the real origin to this server and still nothing to any other.
REFERRER_POLICY = "same-origin"

# Every word of the page, in both languages; the script gets them in ``data-config``.
TEXT: dict[Language, dict[str, str]] = {
    "zh": {
        "title": "叫号",
        "sign_in_title": "叫号工作站登录",
        "station_id": "工作站编号",
        "password": "密码",
        "sign_in": "登录",
        "sign_out": "退出登录",
        "bad_credentials": "工作站编号或密码不正确。",
        "too_many_attempts": "尝试次数过多，请稍后再试。",
        "waiting_count": "候诊",
        "queue_switch": "切换队列",
        "now": "当前患者",
        "nobody_called": "暂无患者。请按“呼叫下一位”。",
        "call_next": "呼叫下一位",
        "recall": "重呼",
        "miss": "过号",
        "serve": "开始就诊",
        "finish": "完成",
        "transfer": "转诊",
        "waiting_list": "候诊队列",
        "number": "号码",
        "name": "姓名",
        "priority": "优先",
        "waited": "已等",
        "minutes": "{n} 分钟",
        "nobody_waiting": "没有候诊患者",
        "legend": "优先标记",
        "state_called": "已呼叫",
        "state_serving": "就诊中",
        "recalls": "已重呼 {n} 次",
        "misses": "过号 {n} 次",
        "returned": "回诊",
        "others_current": "本队列其他患者",
        "transfer_to": "转诊到",
        "cancel": "取消",
        "queue_empty": "没有候诊患者",
        "stale_action": "该患者状态已变化，已刷新列表。",
        "recall_limit": "已达到重呼次数上限，请选择过号或开始就诊。",
        "not_your_queue": "本工作站不负责该队列。",
        "unauthorized": "登录已失效，请重新登录。",
        "sign_in_again": "重新登录",
        "connection_lost": "连接中断，正在重试",
        "not_confirmed": "连接中断，操作未确认：请在列表中核对。",
        "failed": "操作失败：",
        "priority_none": "普通",
        "priority_elderly": "老年人",
        "priority_disabled": "残疾人",
        "priority_military": "军人",
        "set_priority": "设置 {number} 的优先",
    },
    "en": {
        "title": "Caller",
        "sign_in_title": "Calling station sign-in",
        "station_id": "Station ID",
        "password": "Password",
        "sign_in": "Sign in",
        "sign_out": "Sign out",
        "bad_credentials": "Wrong station ID or password.",
        "too_many_attempts": "Too many attempts. Please try again later.",
        "waiting_count": "waiting",
        "queue_switch": "Switch queue",
        "now": "Current patient",
        "nobody_called": "Nobody called yet. Press “Call next”.",
        "call_next": "Call next",
        "recall": "Recall",
        "miss": "Missed",
        "serve": "Start",
        "finish": "Done",
        "transfer": "Transfer",
        "waiting_list": "Waiting",
        "number": "Number",
        "name": "Name",
        "priority": "Priority",
        "waited": "Waited",
        "minutes": "{n} min",
        "nobody_waiting": "Nobody is waiting",
        "legend": "Priority marks",
        "state_called": "Called",
        "state_serving": "With the doctor",
        "recalls": "Recalled {n}×",
        "misses": "Missed {n}×",
        "returned": "Returned",
        "others_current": "Others in this queue",
        "transfer_to": "Transfer to",
        "cancel": "Cancel",
        "queue_empty": "Nobody is waiting",
        "stale_action": "This patient's state has changed; the list is refreshed.",
        "recall_limit": "Recalled as often as allowed: mark as missed or start.",
        "not_your_queue": "This station does not call that queue.",
        "unauthorized": "Signed out. Please sign in again.",
        "sign_in_again": "Sign in again",
        "connection_lost": "Connection lost, retrying",
        "not_confirmed": "Connection lost; the action is not confirmed: check the list.",
        "failed": "The action failed: ",
        "priority_none": "Normal",
        "priority_elderly": "Elderly",
        "priority_disabled": "Disabled",
        "priority_military": "Military",
        "set_priority": "Priority of {number}",
    },
}
# The mark shown beside a number: the Chinese character in both languages (it is what the
# hospital's signs use), the word in the legend.
PRIORITY_MARKS: dict[Priority, str] = {
    Priority.elderly: "老",
    Priority.disabled: "残",
    Priority.military: "军",
}
# Shown on the buttons and read by the script: one key for each action.
SHORTCUTS: dict[str, tuple[str, ...]] = {
    "call_next": ("Space", "F1"),
    "recall": ("R",),
    "miss": ("M",),
    "serve": ("S",),
    "finish": ("D",),
}
_ACTIONS = ("call_next", "recall", "miss", "serve", "finish", "transfer")


# --- language -------------------------------------------------------------------------------


def page_language(request: Request, asked: Language | None) -> Language:
    """``?lang=`` when given, else the first of zh/en in ``Accept-Language`` by weight, else zh."""
    if asked is not None:
        return asked
    best: tuple[float, Language] | None = None
    for part in request.headers.get("accept-language", "").split(","):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in ("zh", "en"):
            continue
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        language: Language = "zh" if primary == "zh" else "en"
        if weight > 0 and (best is None or weight > best[0]):
            best = (weight, language)
    return best[1] if best else "zh"


def _with_language(path: str, language: Language, **params: str) -> str:
    return f"{path}?{urlencode({**params, 'lang': language})}"


# --- pages ----------------------------------------------------------------------------------


def _page(
    language: Language, title: str, body: str, *, status_code: int = 200, script: bool = False
) -> HTMLResponse:
    script_tag = '\n<script src="/web/staff.js" defer></script>' if script else ""
    return HTMLResponse(
        f"""<!DOCTYPE html>
<html lang="{"zh-CN" if language == "zh" else "en"}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="/web/staff.css">{script_tag}</head>
<body>
{body}
</body></html>
""",
        status_code=status_code,
        headers={"content-security-policy": WEB_PAGE_POLICY, "referrer-policy": REFERRER_POLICY},
    )


_LANGUAGE_NAMES: tuple[tuple[Language, str], ...] = (("zh", "中文"), ("en", "English"))


def _language_switch(language: Language, **params: str) -> str:
    links = []
    for code, label in _LANGUAGE_NAMES:
        current = ' aria-current="true"' if code == language else ""
        href = html.escape(_with_language("/staff", code, **params))
        links.append(f'<a href="{href}" lang="{code}"{current}>{label}</a>')
    return f'<nav class="lang" aria-label="Language">{"".join(links)}</nav>'


def _sign_in_page(
    language: Language, *, station_id: str = "", error: str = "", status_code: int = 200
) -> HTMLResponse:
    text = TEXT[language]
    message = f'<p class="error" id="sign-in-error" role="alert">{html.escape(error)}</p>'
    action = html.escape(_with_language("/staff/login", language))
    return _page(
        language,
        text["sign_in_title"],
        f"""<main class="sign-in">
{_language_switch(language)}
<h1>{html.escape(text["sign_in_title"])}</h1>
{message if error else ""}
<form method="post" action="{action}" id="sign-in">
<label for="station">{html.escape(text["station_id"])}</label>
<input id="station" name="station" autocomplete="username" required maxlength="64"
 value="{html.escape(station_id)}" autocapitalize="none" spellcheck="false">
<label for="password">{html.escape(text["password"])}</label>
<input id="password" name="password" type="password" autocomplete="current-password"
 required maxlength="256">
<button type="submit" id="sign-in-button" class="primary">{html.escape(text["sign_in"])}</button>
</form></main>""",
        status_code=status_code,
    )


def _shortcut_hint(action: str) -> str:
    keys = SHORTCUTS.get(action, ())
    return "".join(f"<kbd>{html.escape(key)}</kbd>" for key in keys)


def _caller_page(
    language: Language, station: Station, queue_summary: QueueSummary, queues: list[QueueSummary]
) -> HTMLResponse:
    text = TEXT[language]
    english = language == "en"
    queue_name = (queue_summary.name_en if english else "") or queue_summary.name
    room = (queue_summary.room_en if english else "") or queue_summary.room
    # Under the station's name: its id, then the queue and room where the name lacks them
    # (a demo station is named after its room: "内科 201诊室").
    subline = [f"{text['station_id']} {station.id}"]
    for part in (queue_name, room):
        if all(part not in shown for shown in (station.name, *subline)):
            subline.append(part)

    def t(key: str) -> str:
        return html.escape(text[key])

    buttons = "\n".join(
        f'<button type="button" id="{name.replace("_", "-")}" data-action="{name}"'
        f"{' class=primary' if name == 'call_next' else ''} disabled>"
        f'<span class="label">{t(name)}</span>{_shortcut_hint(name)}</button>'
        for name in _ACTIONS
    )
    switch = ""
    if len(queues) > 1:
        options = "".join(
            f'<option value="{html.escape(q.id)}"'
            f"{' selected' if q.id == queue_summary.id else ''}>"
            f"{html.escape((q.name_en if english else '') or q.name)}</option>"
            for q in queues
        )
        switch = (
            '<form class="switch" method="get" action="/staff">'
            f'<input type="hidden" name="lang" value="{language}">'
            f'<select name="queue" id="queue-select" aria-label="{t("queue_switch")}">'
            f"{options}</select>"
            f'<button type="submit">{t("queue_switch")}</button></form>'
        )
    legend = "".join(
        f'<li><span class="mark">{mark}</span> {t(f"priority_{priority.value}")}</li>'
        for priority, mark in PRIORITY_MARKS.items()
    )
    config = {
        "api": API_PREFIX,
        "queue": queue_summary.id,
        "station": station.id,
        "home": _with_language("/staff", language),
        "poll_ms": POLL_INTERVAL_MS,
        "shortcuts": SHORTCUTS,
        "marks": {priority.value: mark for priority, mark in PRIORITY_MARKS.items()},
        "text": text,
    }
    sign_out = html.escape(_with_language("/staff/logout", language))
    return _page(
        language,
        f"{text['title']} · {queue_name}",
        f"""<header class="bar">
<div class="who"><h1 id="station-name">{html.escape(station.name)}</h1>
<p id="queue-name">{html.escape(" · ".join(subline))}</p></div>
<p class="count"><span id="waiting-count">{queue_summary.waiting}</span>
<span>{t("waiting_count")}</span></p>
{switch}
{_language_switch(language, queue=queue_summary.id)}
<form method="post" action="{sign_out}" class="out">
<button type="submit" id="sign-out">{t("sign_out")}</button></form>
</header>
<p id="connection" class="banner offline" role="status" hidden>{t("connection_lost")}</p>
<p id="banner" class="banner" role="alert" hidden></p>
<main id="staff" data-config="{html.escape(json.dumps(config, ensure_ascii=False))}">
<section class="now" aria-labelledby="now-title">
<h2 id="now-title">{t("now")}</h2>
<div id="now-entry" aria-live="polite"><p class="idle">{t("nobody_called")}</p></div>
<div class="actions">
{buttons}
</div>
<div id="others" hidden><h3>{t("others_current")}</h3><div id="others-list"></div></div>
</section>
<section class="waiting" aria-labelledby="waiting-title">
<div class="heading"><h2 id="waiting-title">{t("waiting_list")}</h2>
<div class="legend"><h3>{t("legend")}</h3><ul>{legend}</ul></div></div>
<table id="waiting-table"><thead><tr><th>{t("number")}</th><th>{t("name")}</th>
<th>{t("priority")}</th><th>{t("waited")}</th></tr></thead>
<tbody id="waiting-list"></tbody></table>
<p id="nobody-waiting" hidden>{t("nobody_waiting")}</p>
</section>
</main>
<dialog id="transfer-dialog" aria-labelledby="transfer-title">
<h2 id="transfer-title">{t("transfer_to")}</h2>
<div id="transfer-targets"></div>
<button type="button" id="transfer-cancel">{t("cancel")}</button>
</dialog>""",
        script=True,
    )


# --- who is signed in -----------------------------------------------------------------------


def _signed_in_station(request: Request, conn: Conn, now: dt.datetime) -> Station | None:
    token = request.cookies.get(stations.STATION_COOKIE)
    return stations.station_for_token(conn, token, now) if token else None


def _require_same_origin(request: Request) -> None:
    if not same_origin(request):
        raise ApiError(403, ErrorCode.forbidden, "Sign in and out from this server's own page.")


# --- routes ---------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def staff_page(
    request: Request,
    conn: Conn,
    now: Now,
    lang: LanguageQuery = None,
    queue_id: Annotated[str | None, Query(alias="queue", max_length=64)] = None,
) -> Response:
    """The sign-in form, or the caller page of the signed-in station's queue (its first, or
    ``?queue=`` when the station calls several)."""
    language = page_language(request, lang)
    station = _signed_in_station(request, conn, now)
    if station is None:
        return _sign_in_page(language)
    listing = {q.id: q for q in queue.list_queues(conn, now.date(), station.queues).queues}
    own = [listing[q] for q in station.queues if q in listing]
    chosen = next((q for q in own if q.id == queue_id), own[0] if own else None)
    if chosen is None:
        raise ApiError(404, ErrorCode.not_found, f"Station {station.id!r} calls no queue.")
    return _caller_page(language, station, chosen, own)


@router.post("/login", response_class=HTMLResponse)
async def sign_in(request: Request, conn: Conn, now: Now, lang: LanguageQuery = None) -> Response:
    language = page_language(request, lang)
    _require_same_origin(request)
    body = await request.body()
    form = parse_qs(body[:_MAX_FORM_BYTES].decode("utf-8", "replace"), max_num_fields=4)
    station_id = (form.get("station") or [""])[0].strip()[:64]
    password = (form.get("password") or [""])[0][:256]
    try:
        session = routes_queue.sign_in(request, conn, station_id, password, now)
    except ApiError as error:
        if error.code == ErrorCode.bad_credentials:
            message = TEXT[language]["bad_credentials"]
        elif error.status_code == 429:
            message = TEXT[language]["too_many_attempts"]
        else:
            raise
        page = _sign_in_page(
            language, station_id=station_id, error=message, status_code=error.status_code
        )
        page.headers.update(error.headers or {})
        return page
    response = RedirectResponse(_with_language("/staff", language), status_code=303)
    response.set_cookie(
        stations.STATION_COOKIE,
        session.token,
        # An age, not a date: the server's clock (a demo's, a test's) need not be the browser's.
        max_age=max(0, int((session.expires_at - now).total_seconds())),
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return response


@router.post("/logout")
def sign_out(request: Request, conn: Conn, now: Now, lang: LanguageQuery = None) -> Response:
    """Ends the session on the server (the cookie alone would outlive a copied token)."""
    language = page_language(request, lang)
    _require_same_origin(request)
    token = request.cookies.get(stations.STATION_COOKIE)
    if token:
        stations.sign_out(conn, token, now)
    response = RedirectResponse(_with_language("/staff", language), status_code=303)
    response.delete_cookie(stations.STATION_COOKIE, path="/", httponly=True, samesite="strict")
    return response
