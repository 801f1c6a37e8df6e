"""The fleet page ``/admin/kiosks`` and the admins' sign-in.

With an admin token set (``kiosk-server --admin-token-file`` or ``KIOSK_SERVER_ADMIN_TOKEN``)
the fleet page needs either ``Authorization: Bearer <token>`` (API use; the scheme in any
case, a bare token is refused) or the session cookie that ``POST /admin/login`` sets after the
token was typed into the sign-in form: a random session id signed with a per-process key and
an expiry, ``HttpOnly``, ``SameSite=Strict``, limited to ``/admin`` (and the same session as
``kiosk_insight`` limited to ``/insight``: the management pages admit the same way). The
token never travels in a URL. Without an admin token, only clients connecting from loopback
are served (the client address of the connection: proxy headers are ignored unless the server
was told which proxies to trust).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import html
import ipaddress
import secrets
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from kiosk.api.models import (
    DeviceState,
    DiagnosticsBundleStatus,
    ErrorCode,
    KioskFleet,
    KioskStatus,
    StaffCall,
    StaffCallList,
)
from kiosk.assets import assets_dir
from kiosk.server import diagnostics, hospital_writes, queries, staff_calls
from kiosk.server.clinical import LinkState, RemoteClinicalSource
from kiosk.server.db import write_transaction
from kiosk.server.deps import ERRORS, Conn, Now, not_found
from kiosk.server.errors import ApiError, documented_error
from kiosk.server.security import CONTENT_SECURITY_POLICY, same_origin

# A kiosk counts as online in the fleet view when its last heartbeat is at most this old.
ONLINE_AFTER = dt.timedelta(minutes=2)  # a kiosk beats every 30 s; four missed = flagged
SESSION_COOKIE = "kiosk_admin"
SESSION_LIFETIME = dt.timedelta(hours=8)
# The same session under two names, each sent only to its own pages: the fleet's and the
# management pages' (``kiosk.server.insight``).
_SESSION_COOKIES = ((SESSION_COOKIE, "/admin"), ("kiosk_insight", "/insight"))
_MAX_FORM_BYTES = 4096
# The fleet page rings while a staff call is open: its own script and sound, from this server.
FLEET_PAGE_POLICY = (
    f"{CONTENT_SECURITY_POLICY}; media-src 'self'; connect-src 'self'; script-src 'self'"
)
STAFF_CALL_SOUND = "staff-call.wav"
STAFF_CALLS_POLL_S = 4

router = APIRouter(prefix="/admin", tags=["admin"], responses=ERRORS)


# --- who may see the fleet ------------------------------------------------------------------


def new_session_key() -> bytes:
    return secrets.token_bytes(32)


def _sign(key: bytes, payload: str) -> str:
    return hmac.new(key, payload.encode("ascii"), hashlib.sha256).hexdigest()


def issue_session(key: bytes, now: dt.datetime) -> str:
    """``<expiry unix s>.<random id>.<HMAC-SHA256 of both>``."""
    expires = int((now + SESSION_LIFETIME).timestamp())
    payload = f"{expires}.{secrets.token_urlsafe(24)}"
    return f"{payload}.{_sign(key, payload)}"


def session_is_valid(key: bytes, value: str, now: dt.datetime) -> bool:
    payload, _, signature = value.rpartition(".")
    expires, _, session_id = payload.partition(".")
    if not session_id or not expires.isdigit():
        return False
    if not hmac.compare_digest(signature.encode(), _sign(key, payload).encode()):
        return False
    return now.timestamp() < int(expires)


def _bearer_matches(request: Request, admin_token: str) -> bool:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return False
    return hmac.compare_digest(credentials.strip().encode(), admin_token.encode())


def _is_loopback(request: Request) -> bool:
    if request.client is None:
        return False
    try:
        return ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        return False


def _admin_token(request: Request) -> str | None:
    token: str | None = request.app.state.admin_token
    return token


def _signed_in(request: Request, now: dt.datetime) -> bool:
    key = request.app.state.admin_session_key
    return any(
        session_is_valid(key, cookie, now)
        for name, _ in _SESSION_COOKIES
        if (cookie := request.cookies.get(name)) is not None
    )


def _next_page(value: str) -> str:
    """Where the sign-in goes next: one of this server's admin pages, never elsewhere."""
    if value.startswith("/insight") and "//" not in value and "\\" not in value:
        return value
    return "/admin/kiosks"


def admitted(
    request: Request, now: dt.datetime, *, page: bool, next_page: str = "/admin/kiosks"
) -> bool | RedirectResponse:
    """Whether the admin signed in with the cookie (a sign-out button is shown), after checking
    that the request may see the fleet at all: with an admin token, the cookie or ``Bearer``,
    else 401 (a browser asking for a page without either goes to the sign-in form); without
    one, loopback clients only (else 403)."""
    admin_token = _admin_token(request)
    if admin_token:
        if _signed_in(request, now):
            return True
        if _bearer_matches(request, admin_token):
            return False
        if page and "authorization" not in request.headers:
            query = "" if next_page == "/admin/kiosks" else f"?{urlencode({'next': next_page})}"
            return RedirectResponse(f"/admin/login{query}", status_code=303)
        raise ApiError(
            401,
            ErrorCode.unauthorized,
            "The fleet page needs the admin token.",
            headers={"WWW-Authenticate": 'Bearer realm="admin"'},
        )
    if not _is_loopback(request):
        raise ApiError(403, ErrorCode.forbidden, "The fleet page is only served on loopback.")
    return False


# --- pages ----------------------------------------------------------------------------------

_STYLE = (
    "body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:2rem}"
    "table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px 8px;text-align:left}"
    "tr.flagged td{background:#fde2e1;color:#7a1212}.en{color:#4a5561}"
    "label,input,button{display:block;font-size:1.1rem;margin:.5rem 0}"
    ".error{color:#a4161a;font-weight:700}form.out{display:inline}"
    "section.calls{border:4px solid #a4161a;background:#fff4f3;padding:.5rem 1rem;"
    "margin-bottom:1.5rem}section.calls h2{color:#a4161a}"
    "section.calls td{font-size:1.2rem}section.calls form{margin:0}"
    "section.calls button{font-size:1.2rem;font-weight:700;margin:0;padding:.4rem 1rem}"
    "section.quiet{border-color:#999;background:none}section.quiet h2{color:inherit}"
    ".device{margin:.25rem 0}.device b{white-space:nowrap}.light-ok b{color:#1b5e20}"
    ".light-warning b{color:#8a4b00}.light-fault b{color:#a61b1b}.light-unknown b{color:#4a5560}"
    ".device small{display:block;color:#3d4f5c}"
    "td.bundle form{margin:.25rem 0}td.bundle button{font-size:1rem;margin:0;padding:.3rem .6rem}"
    "td.bundle p{margin:.2rem 0}"
)

# The technician's lights as the fleet page shows them: a shape and a word, not colour alone.
_LIGHTS = {
    "ok": "● 正常 OK",
    "warning": "▲ 警告 Warning",
    "fault": "■ 故障 Fault",
    "unknown": "◆ 未知 Unknown",
}


def _device_card(device: DeviceState) -> str:
    """One device of a kiosk's heartbeat, as on the kiosk's own diagnostics screen."""
    light = device.light if device.light in _LIGHTS else "unknown"
    lines = [f"{device.name} ({device.kind}): {device.state}"]
    if device.detail:
        lines[0] += f" – {device.detail}"
    if device.since is not None:
        lines.append(f"since {device.since.isoformat(timespec='minutes')}")
    if device.last_error:
        lines.append(f"last error: {device.last_error}")
    if device.counters:
        lines.append(
            ", ".join(f"{c.name} {c.today} today / {c.total} total" for c in device.counters)
        )
    first, *rest = (html.escape(line) for line in lines)
    more = "".join(f"<small>{line}</small>" for line in rest)
    return f'<div class="device light-{light}"><b>{_LIGHTS[light]}</b> {first}{more}</div>'


def _page(
    title: str,
    body: str,
    *,
    status_code: int = 200,
    refresh: bool = False,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    meta = '<meta http-equiv="refresh" content="15">' if refresh else ""
    return HTMLResponse(
        f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">{meta}
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title><style>{_STYLE}</style></head>
<body>
{body}
</body></html>
""",
        status_code=status_code,
        headers=headers,
    )


def _login_page(
    message: str = "", *, next_page: str = "/admin/kiosks", status_code: int = 200
) -> HTMLResponse:
    error = f'<p class="error">{message}</p>' if message else ""
    return _page(
        "管理员登录 Admin sign-in",
        '<h1>管理员登录 <span class="en">Admin sign-in</span></h1>'
        f"{error}"
        '<form method="post" action="/admin/login">'
        '<label for="token">管理员令牌 <span class="en">Admin token</span></label>'
        '<input id="token" name="token" type="password" autocomplete="current-password" '
        "required>"
        f'<input type="hidden" name="next" value="{html.escape(next_page)}">'
        '<button type="submit">登录 Sign in</button></form>',
        status_code=status_code,
        # The browser's post must carry this server's origin for ``same_origin`` (under the
        # server's ``no-referrer`` it sends ``Origin: null``): as the staff page does.
        headers={"referrer-policy": "same-origin"},
    )


def _fmt_uptime(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, _ = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h {minutes}m" if days else f"{hours}h {minutes}m"


def _fmt_waited(seconds: float) -> str:
    minutes, seconds = divmod(max(0, int(seconds)), 60)
    return f"{minutes} 分 {seconds} 秒 · {minutes} min {seconds} s"


def _calls_section(calls: StaffCallList) -> str:
    """The open staff calls, above everything else, each with its 确认 button."""
    if not calls.calls:
        return (
            '<section class="calls quiet" id="staff-calls" data-calls="" '
            f'data-server-time="{calls.server_time.timestamp():.0f}">'
            '<h2>呼叫工作人员 <span class="en">Staff calls</span></h2>'
            '<p>没有待处理的呼叫。<span class="en">No open calls.</span></p></section>'
        )
    rows = []
    for call in calls.calls:
        waited = (calls.server_time - call.called_at).total_seconds()
        action = f"/admin/staff-calls/{html.escape(call.id)}/acknowledge"
        rows.append(
            f'<tr class="call" id="{html.escape(call.id)}">'
            f"<td>{html.escape(call.kiosk_id)}</td>"
            f"<td>{html.escape(call.location) or '–'}</td>"
            f"<td>{html.escape(call.screen)}</td>"
            f'<td data-called-at="{call.called_at.timestamp():.0f}">'
            f"{html.escape(_fmt_waited(waited))}</td>"
            f'<td><form method="post" action="{action}">'
            '<input type="hidden" name="from" value="fleet-page">'
            '<button type="submit">确认 <span class="en">Acknowledge</span></button>'
            "</form></td></tr>"
        )
    ids = " ".join(html.escape(call.id) for call in calls.calls)
    return f"""<section class="calls" id="staff-calls" data-calls="{ids}"
 data-server-time="{calls.server_time.timestamp():.0f}">
<h2>呼叫工作人员 <span class="en">Staff calls</span>: {len(calls.calls)}</h2>
<p>有患者在自助机旁等待帮助，请前往并确认。
<span class="en">A patient is waiting at a kiosk for help: go there and acknowledge.</span></p>
<audio id="call-sound" src="/admin/assets/{STAFF_CALL_SOUND}" loop preload="auto"></audio>
<p id="sound-blocked" hidden><button id="enable-sound" type="button">开启提示音
<span class="en">Turn the alert sound on</span></button></p>
<table><thead><tr><th>自助机 <span class="en">Kiosk</span></th>
<th>位置 <span class="en">Location</span></th><th>界面 <span class="en">Screen</span></th>
<th>已等待 <span class="en">Waiting</span></th><th></th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></section>"""


def _fhir_line(
    link: LinkState | None, owed: tuple[int, dt.datetime | None], zone: dt.tzinfo | None
) -> str:
    """The hospital FHIR server's link, under the server time (in its zone), and the writes
    it has not taken yet (nothing with the built-in store)."""
    if link is None:
        return ""
    when = html.escape(link.at.astimezone(zone).isoformat(timespec="seconds"))
    latency = f"{link.latency_s * 1000:.0f} ms"
    if link.up:
        line = (
            f'<p id="fhir-link">FHIR 连接正常 <span class="en">FHIR link up</span>: '
            f"{latency} ({when})</p>"
        )
    else:
        line = (
            f'<p id="fhir-link" class="error">FHIR 连接中断 <span class="en">FHIR link down'
            f"</span>: {html.escape(link.problem)} ({latency}, {when})</p>"
        )
    count, since = owed
    if count and since is not None:
        oldest = html.escape(since.astimezone(zone).isoformat(timespec="minutes"))
        line += (
            f'\n<p id="hospital-writes" class="error">待医院系统接收的写入：{count} 项（最早 '
            f'{oldest}） <span class="en">Writes waiting for the hospital\'s system: {count} '
            f"(oldest {oldest})</span></p>"
        )
    return line


def _local_time(value: dt.datetime, zone: dt.tzinfo | None) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def _size_text(size: int) -> str:
    return f"{size / 1024:.1f} KB" if size < 1024 * 1024 else f"{size / 2**20:.2f} MB"


def _bundle_cell(
    kiosk_id: str, bundle: DiagnosticsBundleStatus | None, zone: dt.tzinfo | None
) -> str:
    """The kiosk's diagnostics bundle: asked for (since when), received (when, how large,
    the download) and the button that asks for one."""
    path = f"/admin/kiosks/{html.escape(quote(kiosk_id, safe=''))}"
    lines = []
    if bundle is None:
        lines.append('<p class="bundle-state">未请求 <span class="en">Not asked for</span></p>')
    elif bundle.received_at is None:
        since = html.escape(_local_time(bundle.requested_at, zone))
        lines.append(
            f'<p class="bundle-state">已请求（{since}起），等待自助机下次心跳 '
            f'<span class="en">Asked for since {since}: waiting for the kiosk\'s next '
            "heartbeat</span></p>"
        )
    else:
        received = html.escape(_local_time(bundle.received_at, zone))
        size = html.escape(_size_text(bundle.size_bytes or 0))
        lines.append(
            f'<p class="bundle-state">已收到 {received}，{size} '
            f'<span class="en">Received {received}, {size}</span></p>'
            f'<p><a class="bundle-download" href="{path}/diagnostics-bundle" download>'
            '下载诊断包 <span class="en">Download the bundle</span></a></p>'
        )
    waiting = bundle is not None and bundle.received_at is None
    if not waiting:
        lines.append(
            f'<form method="post" action="{path}/diagnostics-request">'
            '<input type="hidden" name="from" value="fleet-page">'
            '<button type="submit">请求诊断包 <span class="en">Request diagnostics bundle</span>'
            "</button></form>"
        )
    return f'<td class="bundle" id="bundle-{html.escape(kiosk_id)}">{"".join(lines)}</td>'


def _fleet_page(
    fleet: KioskFleet,
    calls: StaffCallList,
    *,
    signed_in: bool,
    link: LinkState | None,
    owed: tuple[int, dt.datetime | None],
) -> HTMLResponse:
    def cell(text: str) -> str:
        return f"<td>{html.escape(text)}</td>"

    rows = []
    for kiosk in fleet.kiosks:
        devices = "".join(_device_card(device) for device in kiosk.devices)
        flagged = ' class="flagged"' if kiosk.warnings else ""
        rows.append(
            f"<tr{flagged}>"
            + cell(kiosk.kiosk_id)
            + cell("online" if kiosk.online else "offline")
            + cell(kiosk.last_heartbeat_at.isoformat() if kiosk.last_heartbeat_at else "never")
            + cell(kiosk.version)
            + cell(_fmt_uptime(kiosk.uptime_s))
            + f"<td>{devices}</td>"
            + cell("; ".join(kiosk.warnings))
            + _bundle_cell(kiosk.kiosk_id, kiosk.diagnostics, fleet.server_time.tzinfo)
            + "</tr>"
        )
    body = "\n".join(rows) or '<tr><td colspan="8">No kiosks registered.</td></tr>'
    sign_out = (
        '<form class="out" method="post" action="/admin/logout">'
        '<button type="submit">退出登录 Sign out</button></form>'
        if signed_in
        else ""
    )
    return _page(
        "自助机 Kiosk fleet",
        f"""<h1>自助机 <span class="en">Kiosk fleet</span></h1>{sign_out}
{_calls_section(calls)}
<p id="connection" class="error" hidden>与服务器的连接中断。
<span class="en">Connection to the server lost.</span></p>
<p>Server time {html.escape(fleet.server_time.isoformat())};
online = heartbeat within {fleet.online_after_s} s.</p>
{_fhir_line(link, owed, fleet.server_time.tzinfo)}
<table><thead><tr><th>Kiosk</th><th>State</th><th>Last heartbeat</th><th>Version</th>
<th>Uptime</th><th>Devices</th><th>Needs attention</th>
<th>诊断包 <span class="en">Diagnostics bundle</span></th></tr></thead>
<tbody>
{body}
</tbody></table>
<script src="/admin/assets/fleet.js" defer></script>""",
        refresh=True,
        # Its forms (确认, 请求诊断包) must carry this server's origin for ``same_origin``:
        # under the server's ``no-referrer`` a browser sends ``Origin: null``.
        headers={"content-security-policy": FLEET_PAGE_POLICY, "referrer-policy": "same-origin"},
    )


# --- routes ---------------------------------------------------------------------------------


_ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: documented_error("Admin token or session missing or wrong", ErrorCode.unauthorized),
    403: documented_error("No admin token set: loopback clients only", ErrorCode.forbidden),
}


@router.get(
    "/kiosks",
    response_model=KioskFleet,
    operation_id="getFleet",
    summary="Every kiosk's health (HTML page, or JSON with format=json)",
    responses={
        200: {"content": {"text/html": {}}, "description": "HTML table, or JSON with format=json"},
        303: {"description": "HTML asked for without a session: to the sign-in page"},
        **_ADMIN_ERRORS,
    },
)
def fleet(
    request: Request,
    conn: Conn,
    now: Now,
    format: Annotated[Literal["html", "json"], Query()] = "html",
) -> Response:
    """With an admin token set: ``Authorization: Bearer <token>`` or the session cookie of
    ``/admin/login``; without one, only loopback clients are served."""
    signed_in = admitted(request, now, page=format == "html")
    if isinstance(signed_in, RedirectResponse):
        return signed_in
    bundles = diagnostics.latest_by_kiosk(conn)
    statuses: list[KioskStatus] = [
        status.model_copy(update={"diagnostics": bundles.get(status.kiosk_id)})
        for status in queries.kiosk_statuses(conn, now, ONLINE_AFTER)
    ]
    fleet = KioskFleet(
        server_time=now, online_after_s=int(ONLINE_AFTER.total_seconds()), kiosks=statuses
    )
    if format == "json":
        return JSONResponse(fleet.model_dump(mode="json"))
    calls = StaffCallList(server_time=now, calls=staff_calls.open_calls(conn))
    remote: RemoteClinicalSource | None = request.app.state.clinical
    link = remote.link() if remote is not None else None
    owed = hospital_writes.waiting(conn) if remote is not None else (0, None)
    return _fleet_page(fleet, calls, signed_in=signed_in, link=link, owed=owed)


@router.get(
    "/staff-calls",
    response_model=StaffCallList,
    responses=_ADMIN_ERRORS,
    operation_id="listOpenStaffCalls",
    summary="Staff calls no one has answered yet",
)
def open_staff_calls(request: Request, conn: Conn, now: Now) -> StaffCallList:
    """The staff calls no one has acknowledged yet (the fleet page asks every few seconds)."""
    admitted(request, now, page=False)
    return StaffCallList(server_time=now, calls=staff_calls.open_calls(conn))


@router.post(
    "/staff-calls/{call_id}/acknowledge",
    response_model=StaffCall,
    operation_id="acknowledgeStaffCall",
    summary="A member of staff is on the way to the kiosk",
    responses={
        **_ADMIN_ERRORS,
        303: {"description": "From the fleet page's form: back to the fleet page"},
        404: documented_error("No such call", ErrorCode.not_found),
    },
)
def acknowledge_staff_call(
    call_id: Annotated[str, PathParam(max_length=64)], request: Request, conn: Conn, now: Now
) -> Response:
    """A staff member is on the way: the kiosk learns it at its next look. Acknowledging an
    answered or cancelled call changes nothing. A browser's form post must come from this
    server's own page (the fleet page's form), as the sign-in's does."""
    from_form = request.headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    )
    signed_in = admitted(request, now, page=from_form)
    if isinstance(signed_in, RedirectResponse):
        return signed_in
    if not same_origin(request):
        raise ApiError(403, ErrorCode.forbidden, "Acknowledge from this server's own page.")
    with write_transaction(conn):
        call = staff_calls.acknowledge_call(conn, call_id, now)
    if call is None:
        raise not_found("staff call", call_id)
    if from_form:
        return RedirectResponse("/admin/kiosks", status_code=303)
    return JSONResponse(call.model_dump(mode="json"))


def _requested_by(request: Request, signed_in: bool) -> str:
    """Who asked, as far as the server knows: admins share one token, so the way in and the
    address they came from."""
    how = (
        "admin session"
        if signed_in
        else "admin token (API)"
        if _admin_token(request)
        else "loopback (no admin token set)"
    )
    return f"{how} from {request.client.host}" if request.client is not None else how


@router.post(
    "/kiosks/{kiosk_id}/diagnostics-request",
    response_model=DiagnosticsBundleStatus,
    operation_id="requestDiagnosticsBundle",
    summary="Ask a kiosk for a diagnostics bundle at its next heartbeat",
    responses={
        **_ADMIN_ERRORS,
        303: {"description": "From the fleet page's form: back to the fleet page"},
        404: documented_error("No such kiosk", ErrorCode.not_found),
    },
)
def request_diagnostics_bundle(
    kiosk_id: Annotated[str, PathParam(max_length=64)], request: Request, conn: Conn, now: Now
) -> Response:
    """The kiosk's next heartbeat answer names the request and the kiosk uploads its bundle
    (``uploadDiagnosticsBundle``). While a request waits, asking again answers the same one.
    A browser's form post must come from this server's own page, as the sign-in's does."""
    from_form = request.headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    )
    signed_in = admitted(request, now, page=from_form)
    if isinstance(signed_in, RedirectResponse):
        return signed_in
    if not same_origin(request):
        raise ApiError(403, ErrorCode.forbidden, "Ask from this server's own page.")
    status = diagnostics.request_bundle(conn, kiosk_id, now, _requested_by(request, signed_in))
    if status is None:
        raise not_found("kiosk", kiosk_id)
    if from_form:
        return RedirectResponse("/admin/kiosks", status_code=303)
    return JSONResponse(status.model_dump(mode="json"))


@router.get(
    "/kiosks/{kiosk_id}/diagnostics-bundle",
    operation_id="downloadDiagnosticsBundle",
    summary="The kiosk's newest diagnostics bundle (a zip)",
    response_class=Response,
    responses={
        200: {
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            "description": "The zip the kiosk sent",
        },
        303: {"description": "A browser without a session: to the sign-in page"},
        **_ADMIN_ERRORS,
        404: documented_error("No bundle received from this kiosk yet", ErrorCode.not_found),
    },
)
def download_diagnostics_bundle(
    kiosk_id: Annotated[str, PathParam(max_length=64)], request: Request, conn: Conn, now: Now
) -> Response:
    """The zip as the kiosk sent it (``Content-Disposition: attachment``), for admins only."""
    signed_in = admitted(
        request, now, page="authorization" not in request.headers, next_page="/admin/kiosks"
    )
    if isinstance(signed_in, RedirectResponse):
        return signed_in
    found = diagnostics.newest_bundle(conn, kiosk_id)
    if found is None:
        raise not_found("diagnostics bundle of kiosk", kiosk_id)
    status, content = found
    stamp = (status.received_at or now).strftime("%Y%m%d-%H%M%S")
    name = quote(f"kiosk-{kiosk_id}-diagnostics-{stamp}.zip", safe="")
    return Response(
        content,
        media_type="application/zip",
        headers={
            "content-disposition": f"attachment; filename*=UTF-8''{name}",
            "cache-control": "no-store",
        },
    )


# The fleet page's script: rings while a call is open, keeps the waiting times current, and
# reloads the page when the open calls change. Without JavaScript the page still reloads
# itself every 15 s (meta refresh) and the 确认 buttons are plain forms.
FLEET_SCRIPT = f"""\
"use strict";
(function () {{
  var section = document.getElementById("staff-calls");
  if (!section) {{ return; }}
  var shown = section.getAttribute("data-calls") || "";
  var offset = Date.now() / 1000 - Number(section.getAttribute("data-server-time"));
  var sound = document.getElementById("call-sound");
  var blocked = document.getElementById("sound-blocked");
  var lost = document.getElementById("connection");
  function ring() {{
    if (!sound) {{ return; }}
    var playing = sound.play();
    if (playing && playing.catch) {{
      playing.catch(function () {{ blocked.hidden = false; }});
    }}
  }}
  if (blocked) {{
    document.getElementById("enable-sound").addEventListener("click", function () {{
      blocked.hidden = true;
      ring();
    }});
  }}
  function tick() {{
    var now = Date.now() / 1000 - offset;
    document.querySelectorAll("[data-called-at]").forEach(function (cell) {{
      var s = Math.max(0, Math.floor(now - Number(cell.getAttribute("data-called-at"))));
      var m = Math.floor(s / 60);
      cell.textContent = m + " 分 " + (s % 60) + " 秒 · " + m + " min " + (s % 60) + " s";
    }});
  }}
  function poll() {{
    fetch("/admin/staff-calls", {{credentials: "same-origin",
                                  headers: {{Accept: "application/json"}}}})
      .then(function (answer) {{
        if (!answer.ok) {{ throw new Error(String(answer.status)); }}
        return answer.json();
      }})
      .then(function (list) {{
        lost.hidden = true;
        var ids = list.calls.map(function (call) {{ return call.id; }}).join(" ");
        if (ids !== shown) {{ window.location.reload(); }}
      }})
      .catch(function () {{ lost.hidden = false; }});
  }}
  ring();
  tick();
  window.setInterval(tick, 1000);
  window.setInterval(poll, {STAFF_CALLS_POLL_S * 1000});
}})();
"""


@router.get("/assets/fleet.js", include_in_schema=False)
def fleet_script() -> Response:
    return Response(
        FLEET_SCRIPT,
        media_type="text/javascript",
        headers={"cache-control": "max-age=300"},
    )


@router.get(f"/assets/{STAFF_CALL_SOUND}", include_in_schema=False)
def staff_call_sound() -> Response:
    return FileResponse(
        assets_dir() / "sounds" / STAFF_CALL_SOUND,
        media_type="audio/wav",
        headers={"cache-control": "max-age=3600"},
    )


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(request: Request, next: str = "/admin/kiosks") -> HTMLResponse:
    if not _admin_token(request):
        return _page(
            "管理员登录 Admin sign-in",
            "<p>未设置管理员令牌：自助机列表只对本机开放。<br>"
            '<span class="en">No admin token is set: the fleet page is served to this '
            'machine (loopback) only.</span></p><p><a href="/admin/kiosks">/admin/kiosks</a></p>',
        )
    return _login_page(next_page=_next_page(next))


@router.post("/login", response_class=HTMLResponse, include_in_schema=False)
async def login(request: Request, now: Now) -> Response:
    admin_token = _admin_token(request)
    if not admin_token:
        raise ApiError(404, ErrorCode.not_found, "No admin token is set.")
    if not same_origin(request):
        raise ApiError(403, ErrorCode.forbidden, "Sign in from this server's own page.")
    body = await request.body()
    form = parse_qs(body[:_MAX_FORM_BYTES].decode("utf-8", "replace"), max_num_fields=4)
    presented = (form.get("token") or [""])[0].strip()
    next_page = _next_page((form.get("next") or [""])[0])
    if not presented or not hmac.compare_digest(presented.encode(), admin_token.encode()):
        return _login_page(
            '令牌不正确。<span class="en">Wrong token.</span>', next_page=next_page, status_code=401
        )
    response = RedirectResponse(next_page, status_code=303)
    session = issue_session(request.app.state.admin_session_key, now)
    for name, path in _SESSION_COOKIES:
        response.set_cookie(
            name,
            session,
            max_age=int(SESSION_LIFETIME.total_seconds()),
            path=path,
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="strict",
        )
    return response


@router.post("/logout", include_in_schema=False)
def logout() -> Response:
    response = RedirectResponse("/admin/login", status_code=303)
    for name, path in _SESSION_COOKIES:
        response.delete_cookie(name, path=path, httponly=True, samesite="strict")
    return response
