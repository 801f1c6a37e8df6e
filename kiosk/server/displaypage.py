"""The waiting-room display (候诊屏): ``GET /display/{area_id}`` for a lobby TV, ``GET /display``
listing the areas.

The page is a frame in both languages at once; ``/web/display.js`` fills it from the area's
board (pushed by server-sent events, polled when they fail), keeps the clock, shows "connection
lost" with the numbers greyed when the server does not answer, and plays each new call's
announcement (see ``announce``) one after the other. Public: the board holds masked names only.
"""

from __future__ import annotations

import html

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from kiosk.api.models import API_PREFIX, WaitingArea
from kiosk.server import queue
from kiosk.server.deps import Conn
from kiosk.server.security import WEB_PAGE_POLICY

router = APIRouter(include_in_schema=False)


def page(
    title: str, head: str, body: str, *, status_code: int = 200, lang: str = "zh-CN"
) -> HTMLResponse:
    """A whole page with this server's policy: ``head`` links its script and style."""
    return HTMLResponse(
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<link rel="icon" href="data:,">\n'
        f"<title>{html.escape(title)}</title>\n{head}</head>\n{body}</html>\n",
        status_code=status_code,
        headers={"Content-Security-Policy": WEB_PAGE_POLICY},
    )


_HEAD = (
    '<link rel="stylesheet" href="/web/display.css">\n'
    '<script src="/web/display.js" defer></script>\n'
)


@router.get("/display", response_class=HTMLResponse)
def display_list(conn: Conn) -> HTMLResponse:
    """Every waiting area, each a link to its display (what IT opens on a new TV)."""
    links = "".join(
        f'<li><a href="/display/{html.escape(area.id)}">{html.escape(area.name)} '
        f'<span class="en">{html.escape(area.name_en)}</span></a></li>'
        for area in queue.areas(conn)
    )
    body = (
        '<body class="areas"><main><h2>候诊屏 <span class="en">Waiting-room displays</span></h2>'
        f'<ul id="areas">{links}</ul></main></body>'
    )
    return page(
        "候诊屏 Waiting-room displays", '<link rel="stylesheet" href="/web/display.css">', body
    )


def _not_found(area_id: str) -> HTMLResponse:
    body = (
        '<body class="areas"><main><h2>没有这个候诊区 <span class="en">No such waiting area'
        f"</span></h2><p>{html.escape(area_id)}</p>"
        '<p><a href="/display">全部候诊区 <span class="en">All waiting areas</span></a></p>'
        "</main></body>"
    )
    return page(
        "未找到 Not found", '<link rel="stylesheet" href="/web/display.css">', body, status_code=404
    )


def _area(conn: Conn, area_id: str) -> WaitingArea | None:
    return next((area for area in queue.areas(conn) if area.id == area_id), None)


@router.get("/display/{area_id}", response_class=HTMLResponse)
def display(area_id: str, conn: Conn) -> HTMLResponse:
    area = _area(conn, area_id)
    if area is None:
        return _not_found(area_id)
    api = f"{API_PREFIX}/areas/{html.escape(area.id)}"
    body = f"""<body data-board-url="{api}/board" data-events-url="{api}/events">
<header>
  <div class="area">{html.escape(area.name)}<span class="en">{html.escape(area.name_en)}</span>
  </div>
  <div class="status">
    <span id="speaking" hidden></span>
    <span id="voice-off" hidden>语音播报已关闭 <span class="en">Voice off</span></span>
    <div id="clock"></div>
  </div>
</header>
<div id="offline" hidden>连接中断
  <span class="en">Connection lost — numbers may be out of date</span></div>
<main>
  <section class="now">
    <h2>正在呼叫<span class="en">Now calling</span></h2>
    <div id="now-main" class="call-main">
      <div class="idle">正在连接…<span class="en">Connecting…</span></div>
    </div>
    <ul id="now-more"></ul>
  </section>
  <section class="recent">
    <h2>最近呼叫<span class="en">Recent calls</span></h2>
    <table id="recent-calls"></table>
  </section>
</main>
<section class="queues">
  <h2>下一位<span class="en">Next</span></h2>
  <div id="queues"></div>
</section>
<button id="enable-sound" type="button" hidden>点击开启声音 · Tap to enable sound</button>
<div id="sound"></div>
<noscript><p>此页需要 JavaScript。 This page needs JavaScript.</p></noscript>
</body>"""
    return page(f"{area.name} 候诊屏 · {area.name_en}", _HEAD, body)
