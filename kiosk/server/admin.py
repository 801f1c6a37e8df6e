"""The fleet page ``/admin/kiosks`` and the admins' sign-in.

With an admin token set (``kiosk-server --admin-token-file`` or ``KIOSK_SERVER_ADMIN_TOKEN``)
the fleet page needs either ``Authorization: Bearer <token>`` (API use; the scheme in any
case, a bare token is refused) or the session cookie that ``POST /admin/login`` sets after the
token was typed into the sign-in form: a random session id signed with a per-process key and
an expiry, ``HttpOnly``, ``SameSite=Strict``, limited to ``/admin``. The token never travels
in a URL. Without an admin token, only clients connecting from loopback are served (the
client address of the connection: proxy headers are ignored unless the server was told which
proxies to trust).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import html
import ipaddress
import secrets
from typing import Annotated, Literal
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from kiosk.api.models import ErrorBody, ErrorCode, KioskFleet, KioskStatus
from kiosk.server import queries
from kiosk.server.deps import ERRORS, Conn, Now
from kiosk.server.errors import ApiError

# A kiosk counts as online in the fleet view when its last heartbeat is at most this old.
ONLINE_AFTER = dt.timedelta(minutes=2)  # a kiosk beats every 30 s; four missed = flagged
SESSION_COOKIE = "kiosk_admin"
SESSION_LIFETIME = dt.timedelta(hours=8)
_COOKIE_PATH = "/admin"
_MAX_FORM_BYTES = 4096

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
    cookie = request.cookies.get(SESSION_COOKIE)
    return cookie is not None and session_is_valid(request.app.state.admin_session_key, cookie, now)


# --- pages ----------------------------------------------------------------------------------

_STYLE = (
    "body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:2rem}"
    "table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px 8px;text-align:left}"
    "tr.flagged td{background:#fde2e1;color:#7a1212}.en{color:#4a5561}"
    "label,input,button{display:block;font-size:1.1rem;margin:.5rem 0}"
    ".error{color:#a4161a;font-weight:700}form.out{display:inline}"
)


def _page(title: str, body: str, *, status_code: int = 200, refresh: bool = False) -> HTMLResponse:
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
    )


def _login_page(message: str = "", *, status_code: int = 200) -> HTMLResponse:
    error = f'<p class="error">{message}</p>' if message else ""
    return _page(
        "管理员登录 Admin sign-in",
        '<h1>管理员登录 <span class="en">Admin sign-in</span></h1>'
        f"{error}"
        '<form method="post" action="/admin/login">'
        '<label for="token">管理员令牌 <span class="en">Admin token</span></label>'
        '<input id="token" name="token" type="password" autocomplete="current-password" '
        "required>"
        '<button type="submit">登录 Sign in</button></form>',
        status_code=status_code,
    )


def _fmt_uptime(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, _ = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h {minutes}m" if days else f"{hours}h {minutes}m"


def _fleet_page(fleet: KioskFleet, *, signed_in: bool) -> HTMLResponse:
    def cell(text: str) -> str:
        return f"<td>{html.escape(text)}</td>"

    rows = []
    for kiosk in fleet.kiosks:
        devices = "; ".join(
            f"{d.name} ({d.kind}): {d.state}" + (f" – {d.detail}" if d.detail else "")
            for d in kiosk.devices
        )
        flagged = ' class="flagged"' if kiosk.warnings else ""
        rows.append(
            f"<tr{flagged}>"
            + cell(kiosk.kiosk_id)
            + cell("online" if kiosk.online else "offline")
            + cell(kiosk.last_heartbeat_at.isoformat() if kiosk.last_heartbeat_at else "never")
            + cell(kiosk.version)
            + cell(_fmt_uptime(kiosk.uptime_s))
            + cell(devices)
            + cell("; ".join(kiosk.warnings))
            + "</tr>"
        )
    body = "\n".join(rows) or '<tr><td colspan="7">No kiosks registered.</td></tr>'
    sign_out = (
        '<form class="out" method="post" action="/admin/logout">'
        '<button type="submit">退出登录 Sign out</button></form>'
        if signed_in
        else ""
    )
    return _page(
        "自助机 Kiosk fleet",
        f"""<h1>自助机 <span class="en">Kiosk fleet</span></h1>{sign_out}
<p>Server time {html.escape(fleet.server_time.isoformat())};
online = heartbeat within {fleet.online_after_s} s.</p>
<table><thead><tr><th>Kiosk</th><th>State</th><th>Last heartbeat</th><th>Version</th>
<th>Uptime</th><th>Devices</th><th>Needs attention</th></tr></thead>
<tbody>
{body}
</tbody></table>""",
        refresh=True,
    )


# --- routes ---------------------------------------------------------------------------------


@router.get(
    "/kiosks",
    response_model=KioskFleet,
    responses={
        200: {"content": {"text/html": {}}, "description": "HTML table, or JSON with format=json"},
        303: {"description": "HTML asked for without a session: to the sign-in page"},
        401: {"model": ErrorBody, "description": "Admin token or session missing or wrong"},
        403: {"model": ErrorBody, "description": "No admin token set: loopback clients only"},
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
    admin_token = _admin_token(request)
    signed_in = False
    if admin_token:
        signed_in = _signed_in(request, now)
        if not signed_in and not _bearer_matches(request, admin_token):
            if format == "html" and "authorization" not in request.headers:
                return RedirectResponse("/admin/login", status_code=303)
            raise ApiError(
                401,
                ErrorCode.unauthorized,
                "The fleet page needs the admin token.",
                headers={"WWW-Authenticate": 'Bearer realm="admin"'},
            )
    elif not _is_loopback(request):
        raise ApiError(403, ErrorCode.forbidden, "The fleet page is only served on loopback.")
    statuses: list[KioskStatus] = queries.kiosk_statuses(conn, now, ONLINE_AFTER)
    fleet = KioskFleet(
        server_time=now, online_after_s=int(ONLINE_AFTER.total_seconds()), kiosks=statuses
    )
    if format == "json":
        return JSONResponse(fleet.model_dump(mode="json"))
    return _fleet_page(fleet, signed_in=signed_in)


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(request: Request) -> HTMLResponse:
    if not _admin_token(request):
        return _page(
            "管理员登录 Admin sign-in",
            "<p>未设置管理员令牌：自助机列表只对本机开放。<br>"
            '<span class="en">No admin token is set: the fleet page is served to this '
            'machine (loopback) only.</span></p><p><a href="/admin/kiosks">/admin/kiosks</a></p>',
        )
    return _login_page()


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc.lower() == request.headers.get("host", "").lower()


@router.post("/login", response_class=HTMLResponse, include_in_schema=False)
async def login(request: Request, now: Now) -> Response:
    admin_token = _admin_token(request)
    if not admin_token:
        raise ApiError(404, ErrorCode.not_found, "No admin token is set.")
    if not _same_origin(request):
        raise ApiError(403, ErrorCode.forbidden, "Sign in from this server's own page.")
    body = await request.body()
    form = parse_qs(body[:_MAX_FORM_BYTES].decode("utf-8", "replace"), max_num_fields=4)
    presented = (form.get("token") or [""])[0].strip()
    if not presented or not hmac.compare_digest(presented.encode(), admin_token.encode()):
        return _login_page('令牌不正确。<span class="en">Wrong token.</span>', status_code=401)
    response = RedirectResponse("/admin/kiosks", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        issue_session(request.app.state.admin_session_key, now),
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path=_COOKIE_PATH,
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return response


@router.post("/logout", include_in_schema=False)
def logout() -> Response:
    response = RedirectResponse("/admin/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=_COOKIE_PATH, httponly=True, samesite="strict")
    return response
