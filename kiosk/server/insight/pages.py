"""``/insight``: waiting, satisfaction, kiosk use and before/after for hospital management
(质量监督), rendered on the server.

Who may see them is the fleet page's rule (``admin.admitted``: the admin session cookie or
``Bearer``; without an admin token, loopback only). Each page takes ``from``/``to`` (days,
both included; default the last ``DEFAULT_DAYS`` days) and ``department``; the before/after
page takes ``a_from``/``a_to``/``b_from``/``b_to``. Bad input is a 400 page that says what was
wrong. Every table is a ``Table`` and comes as CSV with ``?format=csv&table=<id>`` (the same
rows the page shows). The language is the staff page's rule: ``?lang=zh|en``, else
``Accept-Language``, else Chinese.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kiosk.server import admin
from kiosk.server.db import Connection, write_transaction
from kiosk.server.deps import Conn, Now
from kiosk.server.insight import charts
from kiosk.server.insight import figures as fig
from kiosk.server.insight.text import TEXT, WEEKDAYS, Language
from kiosk.server.security import WEB_PAGE_POLICY, same_origin
from kiosk.server.staffpage import REFERRER_POLICY, LanguageQuery, page_language

router = APIRouter(prefix="/insight", include_in_schema=False)

DEFAULT_DAYS = 28
_MAX_FORM_BYTES = 2048
PAGES = ("waiting", "satisfaction", "kiosks", "compare")
OPEN_HOURS = range(7, 19)  # the heatmap's and the kiosk table's columns: an outpatient day


_LANGUAGE_NAMES: tuple[tuple[Language, str], ...] = (("zh", "中文"), ("en", "English"))


def _language(request: Request) -> Language:
    """``?lang=zh|en``, else the staff page's rule (``Accept-Language``, else Chinese)."""
    asked = request.query_params.get("lang")
    return page_language(request, "zh" if asked == "zh" else "en" if asked == "en" else None)


class FilterError(Exception):
    """What was wrong with the filters, in the page's language."""


@dataclass(frozen=True)
class Table:
    """A table of a page, shown and exported as CSV from the same rows."""

    id: str
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]


# --- formatting ------------------------------------------------------------------------------


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _change(value: float | None) -> str:
    return "–" if value is None else f"{value:+.1f}%"


# --- filters ---------------------------------------------------------------------------------


def _day(text: dict[str, str], name: str, value: str | None, default: dt.date) -> dt.date:
    if value is None or value == "":
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise FilterError(text["bad_date"].format(name=name, value=value[:40])) from None


def _range(
    text: dict[str, str], query: dict[str, str], first: str, last: str, end: dt.date
) -> tuple[dt.date, dt.date]:
    stop = _day(text, last, query.get(last), end)
    start = _day(text, first, query.get(first), stop - dt.timedelta(days=DEFAULT_DAYS - 1))
    if start > stop:
        raise FilterError(text["inverted"].format(start=start, end=stop))
    if (stop - start).days >= fig.MAX_RANGE_DAYS:
        raise FilterError(text["too_long"].format(days=fig.MAX_RANGE_DAYS))
    return start, stop


def _department(text: dict[str, str], conn: Connection, value: str | None) -> str | None:
    if not value:
        return None
    if conn.execute("SELECT 1 FROM departments WHERE id = ?", (value,)).fetchone() is None:
        raise FilterError(text["unknown_department"].format(value=value[:40]))
    return value


def _departments(conn: Connection, language: Language) -> list[tuple[str, str]]:
    rows = conn.execute("SELECT id, name, name_en FROM departments ORDER BY sort, id").fetchall()
    return [(row["id"], row["name"] if language == "zh" else row["name_en"]) for row in rows]


# --- page frame ------------------------------------------------------------------------------


def _link(page: str, language: Language, query: dict[str, str], **changes: str) -> str:
    params = {k: v for k, v in {**query, **changes}.items() if v and k not in ("format", "table")}
    params["lang"] = language
    return f"/insight/{page}?{urlencode(params)}"


def _frame(
    language: Language,
    page: str,
    query: dict[str, str],
    body: str,
    *,
    scope: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    text = TEXT[language]
    tabs = "".join(
        f'<a href="{html.escape(_link(name, language, query))}"'
        f'{" aria-current=page" if name == page else ""} id="tab-{name}">'
        f"{html.escape(text['page_' + name])}</a>"
        for name in PAGES
    )
    switch = "".join(
        f'<a href="{html.escape(_link(page, code, query))}" lang="{code}"'
        f"{' aria-current=true' if code == language else ''}>{label}</a>"
        for code, label in _LANGUAGE_NAMES
    )
    title = f"{text['page_' + page]} · {text['title']}"
    return HTMLResponse(
        f"""<!DOCTYPE html>
<html lang="{"zh-CN" if language == "zh" else "en"}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="/web/insight.css"></head>
<body>
<header><h1>{html.escape(text["title"])}</h1>
<nav class="tabs" aria-label="{html.escape(text["title"])}">{tabs}</nav>
<nav class="lang" aria-label="Language">{switch}</nav></header>
<main id="page-{page}">
<p id="print-range" class="print-only">{html.escape(scope)}</p>
{body}
</main>
<footer><p>{html.escape(text["percentile_note"])}</p></footer>
</body></html>
""",
        status_code=status_code,
        headers={
            "content-security-policy": WEB_PAGE_POLICY,
            "cache-control": "no-store",
            "referrer-policy": REFERRER_POLICY,  # the targets form posts with its origin
        },
    )


def _filter_form(
    language: Language,
    page: str,
    query: dict[str, str],
    departments: list[tuple[str, str]],
    ranges: Sequence[tuple[str, str, str, dt.date, dt.date]],
    department: str | None,
) -> str:
    """The filter form (a plain GET form): one or two date ranges and the department."""
    text = TEXT[language]
    fields = []
    for legend, first, last, start, end in ranges:
        fields.append(
            f"<fieldset><legend>{html.escape(legend)}</legend>"
            + _date_input(text, "from", first, start)
            + _date_input(text, "to", last, end)
            + "</fieldset>"
        )
    options = [f'<option value="">{html.escape(text["all_departments"])}</option>']
    for key, name in departments:
        chosen = " selected" if key == department else ""
        options.append(f'<option value="{html.escape(key)}"{chosen}>{html.escape(name)}</option>')
    return (
        f'<form class="filters" method="get" action="/insight/{page}">'
        f"{''.join(fields)}"
        f'<label>{html.escape(text["department"])} <select name="department" id="department">'
        f"{''.join(options)}</select></label>"
        f'<input type="hidden" name="lang" value="{language}">'
        f'<button type="submit" id="apply">{html.escape(text["apply"])}</button></form>'
    )


def _date_input(text: dict[str, str], label: str, name: str, value: dt.date) -> str:
    """A day as year-month-day text: ``type=date`` would show it in the browser's own locale
    (MM/DD/YYYY on a Chinese page in an English Chromium), this reads the same everywhere."""
    hint = html.escape(text["date_format"])
    return (
        f'<label><span>{html.escape(text[label])} <small class="hint">{hint}</small></span>'
        f'<input type="text" name="{name}" id="{name}" value="{value.isoformat()}" '
        f'inputmode="numeric" pattern="[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}" maxlength="10" '
        f'size="10" placeholder="{hint}" title="{hint}" autocomplete="off"></label>'
    )


def _table_html(language: Language, page: str, query: dict[str, str], table: Table) -> str:
    text = TEXT[language]
    csv_link = _link(page, language, query) + "&" + urlencode({"format": "csv", "table": table.id})
    head = "".join(f"<th scope=col>{html.escape(h)}</th>" for h in table.headers)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
        for row in table.rows
    )
    if not table.rows:
        rows = f'<tr><td colspan="{len(table.headers)}">{html.escape(text["no_data"])}</td></tr>'
    return (
        f'<section class="table" id="section-{table.id}"><h2>{html.escape(table.title)}</h2>'
        f'<p class="export"><a href="{html.escape(csv_link)}" id="csv-{table.id}">'
        f"{html.escape(text['csv'])}</a></p>"
        f'<table id="table-{table.id}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></section>"
    )


def _csv(table: Table) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    writer.writerows(table.rows)
    return Response(
        "\ufeff" + out.getvalue(),  # the BOM: Excel opens UTF-8 Chinese correctly
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="insight-{table.id}.csv"'},
    )


def _chart(title: str, svg: str) -> str:
    return f'<figure class="chart"><figcaption>{html.escape(title)}</figcaption>{svg}</figure>'


# --- pages -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Request:
    language: Language
    text: dict[str, str]
    query: dict[str, str]
    conn: Connection
    today: dt.date

    def filters(self) -> fig.Filters:
        start, end = _range(self.text, self.query, "from", "to", self.today)
        department = _department(self.text, self.conn, self.query.get("department"))
        return fig.Filters(start, end, department)


def _waiting(r: _Request) -> tuple[str, list[Table]]:
    text, filters = r.text, r.filters()
    departments = dict(_departments(r.conn, r.language))
    queues = {
        row["id"]: row["name"] if r.language == "zh" else row["name_en"] or row["name"]
        for row in r.conn.execute("SELECT id, name, name_en FROM queues").fetchall()
    }
    targets = fig.wait_targets(r.conn)
    queue_days = fig.queue_days(r.conn, filters)
    figure_headers = [
        text["arrivals"],
        text["called"],
        text["wait_p50"],
        text["wait_p90"],
        text["wait_max"],
        text["service_p50"],
        text["no_show_rate"],
        text["service_level"],
    ]

    def cells(f: fig.WaitFigures) -> list[str]:
        return [
            str(f.arrivals),
            str(f.called),
            _num(f.wait_p50_min),
            _num(f.wait_p90_min),
            _num(f.wait_max_min),
            _num(f.service_p50_min),
            _pct(f.no_show_rate),
            _pct(f.service_level),
        ]

    by_queue: dict[str, list[fig.QueueDay]] = {}
    by_day: dict[dt.date, list[fig.QueueDay]] = {}
    for queue_day in queue_days:
        by_queue.setdefault(queue_day.queue_id, []).append(queue_day)
        by_day.setdefault(queue_day.day, []).append(queue_day)
    room_rows = []
    for queue_id, group in sorted(by_queue.items()):
        department_id = group[0].department_id or ""
        target = targets.get(department_id, fig.DEFAULT_TARGET_MINUTES)
        room_rows.append(
            [
                departments.get(department_id, "–"),
                queues.get(queue_id, queue_id),
                str(target),
                *cells(fig.wait_figures(group, targets)),
            ]
        )
    days = [filters.start + dt.timedelta(days=n) for n in range(filters.days)]
    daily = {day: fig.wait_figures(by_day.get(day, []), targets) for day in days}
    day_rows = [[day.isoformat(), *cells(daily[day])] for day in days if daily[day].arrivals]
    arrivals, calls = fig.weekday_hour_counts(queue_days)
    heat_rows = [
        [WEEKDAYS[r.language][weekday]]
        + [f"{arrivals[(weekday, hour)]}/{calls[(weekday, hour)]}" for hour in OPEN_HOURS]
        for weekday in range(7)
    ]
    tables = [
        Table(
            "rooms",
            text["by_room"],
            [text["department"], text["room"], text["target"], *figure_headers],
            room_rows,
        ),
        Table("days", text["by_day"], [text["day"], *figure_headers], day_rows),
        Table(
            "heatmap",
            text["heatmap"],
            [text["weekday"], *(f"{hour}:00" for hour in OPEN_HOURS)],
            heat_rows,
        ),
    ]
    total = fig.wait_figures(queue_days, targets)
    shown_days = [day for day in days if daily[day].arrivals]
    trend = charts.line_chart(
        text["trend_wait"],
        [day.strftime("%m-%d") for day in shown_days],
        [
            ("p50", [daily[day].wait_p50_min for day in shown_days]),
            ("p90", [daily[day].wait_p90_min for day in shown_days]),
        ],
        unit=text["minutes"],
    )
    heat = charts.heatmap(
        text["heatmap"],
        list(WEEKDAYS[r.language]),
        [str(hour) for hour in OPEN_HOURS],
        [
            [
                (arrivals[(weekday, hour)], f"{arrivals[(weekday, hour)]}/{calls[(weekday, hour)]}")
                for hour in OPEN_HOURS
            ]
            for weekday in range(7)
        ],
    )
    target_form = _targets_form(r, targets)
    body = (
        _summary(
            text,
            [
                (text["arrivals"], str(total.arrivals)),
                (text["wait_p50"], _num(total.wait_p50_min)),
                (text["wait_p90"], _num(total.wait_p90_min)),
                (text["service_level"], _pct(total.service_level)),
                (text["no_show_rate"], _pct(total.no_show_rate)),
            ],
        )
        + f'<p class="definition">{html.escape(text["wait_definition"])}</p>'
        + _chart(text["trend_wait"], trend)
        + _table_html(r.language, "waiting", r.query, tables[0])
        + _table_html(r.language, "waiting", r.query, tables[1])
        + _chart(text["heatmap_legend"], heat)
        + _table_html(r.language, "waiting", r.query, tables[2])
        + target_form
    )
    return body, tables


def _summary(text: dict[str, str], items: Sequence[tuple[str, str]]) -> str:
    cells = "".join(
        f'<div class="figure"><dt>{html.escape(name)}</dt><dd>{html.escape(value)}</dd></div>'
        for name, value in items
    )
    return f'<dl class="summary" aria-label="{html.escape(text["summary"])}">{cells}</dl>'


def _targets_form(r: _Request, targets: dict[str, int]) -> str:
    text = TEXT[r.language]
    rows = "".join(
        f'<label>{html.escape(name)} <input type="number" min="1" max="600" '
        f'name="{html.escape(key)}" id="target-{html.escape(key)}" '
        f'value="{targets.get(key, fig.DEFAULT_TARGET_MINUTES)}"></label>'
        for key, name in _departments(r.conn, r.language)
    )
    action = html.escape(_link("targets", r.language, r.query))
    return (
        f'<section class="targets no-print"><h2>{html.escape(text["targets"])}</h2>'
        f'<form method="post" action="{action}" id="targets">{rows}'
        f'<button type="submit" id="save-targets">{html.escape(text["save"])}</button>'
        "</form></section>"
    )


def _satisfaction(r: _Request) -> tuple[str, list[Table]]:
    text, filters = r.text, r.filters()
    s = fig.satisfaction(fig.ratings(r.conn, filters), fig.recent_comments(r.conn, filters))
    count_avg = [text["ratings"], text["average"]]
    tables = [
        Table(
            "distribution",
            text["distribution"],
            [text["stars"], text["ratings"]],
            [[str(star), str(s.distribution[star])] for star in range(5, 0, -1)],
        ),
        Table(
            "tags",
            text["tags"],
            [text["tag"], text["ratings"]],
            [[TEXT[r.language].get("tag_" + tag, tag), str(n)] for tag, n in s.tags],
        ),
        Table(
            "services",
            text["by_service"],
            [text["service"], *count_avg],
            [[_service_name(r, k), str(n), _num(a, 2)] for k, n, a in s.by_service],
        ),
        Table(
            "kiosks",
            text["by_kiosk"],
            [text["kiosk"], *count_avg],
            [[k, str(n), _num(a, 2)] for k, n, a in s.by_kiosk],
        ),
        Table(
            "trend",
            text["by_day"],
            [text["day"], *count_avg],
            [[d.isoformat(), str(n), _num(a, 2)] for d, n, a in s.by_day],
        ),
        Table(
            "comments",
            text["comments"],
            [text["day"], text["kiosk"], text["stars"], text["comment"]],
            [[d.isoformat(), k, str(n), c] for d, k, n, c in s.comments],
        ),
    ]
    distribution = charts.bar_chart(
        text["distribution"],
        [(f"{star} ★", n, str(n)) for star in range(5, 0, -1) for n in [s.distribution[star]]],
    )
    trend = charts.line_chart(
        text["by_day"],
        [d.strftime("%m-%d") for d, _, _ in s.by_day],
        [(text["average"], [a for _, _, a in s.by_day])],
        unit=text["stars"],
    )
    department_note = (
        f'<p class="note">{html.escape(text["no_department_filter"])}</p>'
        if filters.department_id
        else ""
    )
    body = (
        department_note
        + _summary(text, [(text["ratings"], str(s.count)), (text["average"], _num(s.average, 2))])
        + _chart(text["distribution"], distribution)
        + _table_html(r.language, "satisfaction", r.query, tables[0])
        + _chart(text["by_day"], trend)
        + "".join(_table_html(r.language, "satisfaction", r.query, t) for t in tables[1:5])
        + f'<p class="note">{html.escape(text["comments_note"])}</p>'
        + _table_html(r.language, "satisfaction", r.query, tables[5])
    )
    return body, tables


def _service_name(r: _Request, key: str) -> str:
    return TEXT[r.language].get("service_" + key, key)


def _kiosks(r: _Request) -> tuple[str, list[Table]]:
    text, filters = r.text, r.filters()
    use = fig.kiosk_use(fig.usage_events(r.conn, filters))
    kiosks = sorted({kiosk for kiosk, _ in use.visits_by_kiosk_hour})
    tables = [
        Table(
            "visits",
            text["visits_by_hour"],
            [text["kiosk"], *(f"{hour}:00" for hour in OPEN_HOURS), text["total"]],
            [
                [kiosk]
                + [str(use.visits_by_kiosk_hour[(kiosk, hour)]) for hour in OPEN_HOURS]
                + [str(sum(n for (k, _), n in use.visits_by_kiosk_hour.items() if k == kiosk))]
                for kiosk in kiosks
            ],
        ),
        Table(
            "completion",
            text["completion"],
            [
                text["service"],
                text["finished"],
                text["abandoned"],
                text["completion_rate"],
                text["ticket_p50"],
            ],
            [
                [
                    _service_name(r, key),
                    str(u.finished),
                    str(u.abandoned),
                    _pct(u.completion_rate),
                    _num(u.ticket_p50_s, 0),
                ]
                for key, u in use.by_service.items()
            ],
        ),
        Table(
            "funnel",
            text["funnel"],
            [text["service"], text["step"], text["reached"], text["left_idle"], text["left_home"]],
            [
                [_service_name(r, s), text.get("step_" + step, step), str(a), str(b), str(c)]
                for s, step, a, b, c in use.funnel
            ],
        ),
        Table(
            "faults",
            text["faults"],
            [text["kiosk"], text["fault"], text["count"]],
            [[k, text.get("fault_" + f, f), str(n)] for k, f, n in use.printer_faults],
        ),
        Table(
            "staff",
            text["staff_calls"],
            [text["step"], text["count"]],
            [[text.get("step_" + step, step), str(n)] for step, n in use.staff_calls],
        ),
        Table(
            "payments",
            text["payments"],
            [text["outcome"], text["count"]],
            [[outcome, str(n)] for outcome, n in use.payments],
        ),
    ]
    funnel_chart = charts.bar_chart(
        text["funnel_chart"],
        [
            (f"{_service_name(r, s)} · {text.get('step_' + step, step)}", b + c, str(b + c))
            for s, step, _, b, c in use.funnel
            if b + c
        ][:12],
        width=760,
    )
    department_note = (
        f'<p class="note">{html.escape(text["no_department_filter"])}</p>'
        if filters.department_id
        else ""
    )
    body = (
        department_note
        + _summary(
            text,
            [
                (text["visits"], str(use.visits)),
                (text["completion_rate"], _pct(use.completion_rate)),
                (text["ticket_p50"], _num(use.ticket_p50_s, 0)),
                (text["faults"], str(sum(n for _, _, n in use.printer_faults))),
                (text["staff_calls"], str(sum(n for _, n in use.staff_calls))),
            ],
        )
        + _table_html(r.language, "kiosks", r.query, tables[0])
        + _table_html(r.language, "kiosks", r.query, tables[1])
        + _chart(text["funnel_chart"], funnel_chart)
        + "".join(_table_html(r.language, "kiosks", r.query, t) for t in tables[2:])
    )
    return body, tables


@dataclass(frozen=True)
class Measures:
    """The figures the before/after page sets side by side, for one date range."""

    waiting: fig.WaitFigures
    days: int
    rating: float | None
    kiosk: fig.KioskUse


def measures(conn: Connection, filters: fig.Filters) -> Measures:
    return Measures(
        waiting=fig.wait_figures(fig.queue_days(conn, filters), fig.wait_targets(conn)),
        days=filters.days,
        rating=fig.average_rating(conn, filters),
        kiosk=fig.kiosk_use(fig.usage_events(conn, filters)),
    )


_COMPARED: tuple[
    tuple[str, Callable[[Measures], float | None], Callable[[float | None], str]], ...
] = (
    ("arrivals_per_day", lambda m: m.waiting.arrivals / m.days, _num),
    ("wait_p50", lambda m: m.waiting.wait_p50_min, _num),
    ("wait_p90", lambda m: m.waiting.wait_p90_min, _num),
    ("wait_max", lambda m: m.waiting.wait_max_min, _num),
    ("service_p50", lambda m: m.waiting.service_p50_min, _num),
    ("service_level", lambda m: m.waiting.service_level, _pct),
    ("no_show_rate", lambda m: m.waiting.no_show_rate, _pct),
    ("average", lambda m: m.rating, lambda v: _num(v, 2)),
    ("completion_rate", lambda m: m.kiosk.completion_rate, _pct),
    ("ticket_p50", lambda m: m.kiosk.ticket_p50_s, lambda v: _num(v, 0)),
)


def _compare(r: _Request) -> tuple[str, list[Table]]:
    text = r.text
    department = _department(text, r.conn, r.query.get("department"))
    b_start, b_end = _range(text, r.query, "b_from", "b_to", r.today)
    a_default_end = b_start - dt.timedelta(days=1)
    a_start, a_end = _range(text, r.query, "a_from", "a_to", a_default_end)
    before = measures(r.conn, fig.Filters(a_start, a_end, department))
    after = measures(r.conn, fig.Filters(b_start, b_end, department))
    rows = []
    bars = []
    for key, measure, shown in _COMPARED:
        a, b = measure(before), measure(after)
        change = fig.change_percent(a, b)
        rows.append([text[key], shown(a), shown(b), _change(change)])
        if change is not None:
            bars.append((text[key], abs(change), _change(change)))
    table = Table(
        "compare",
        text["page_compare"],
        [
            text["measure"],
            f"{text['before']} {a_start}–{a_end}",
            f"{text['after']} {b_start}–{b_end}",
            text["change"],
        ],
        rows,
    )
    body = (
        f'<p class="definition">{html.escape(text["compare_definition"])}</p>'
        + _table_html(r.language, "compare", r.query, table)
        + _chart(text["change_chart"], charts.bar_chart(text["change_chart"], bars, width=760))
    )
    return body, [table]


_BUILDERS: dict[str, Callable[[_Request], tuple[str, list[Table]]]] = {
    "waiting": _waiting,
    "satisfaction": _satisfaction,
    "kiosks": _kiosks,
    "compare": _compare,
}


def _ranges_of(r: _Request, page: str) -> list[tuple[str, str, str, dt.date, dt.date]]:
    """The filter form's ranges as asked (or their defaults), for the form to show."""
    text = r.text
    if page != "compare":
        start, end = _range(text, r.query, "from", "to", r.today)
        return [(text["range"], "from", "to", start, end)]
    b_start, b_end = _range(text, r.query, "b_from", "b_to", r.today)
    a_start, a_end = _range(text, r.query, "a_from", "a_to", b_start - dt.timedelta(days=1))
    return [
        (text["before"], "a_from", "a_to", a_start, a_end),
        (text["after"], "b_from", "b_to", b_start, b_end),
    ]


def _render(request: Request, conn: Connection, now: dt.datetime, page: str) -> Response:
    signed_in = admin.admitted(request, now, page=True, next_page=request.url.path)
    if isinstance(signed_in, RedirectResponse):
        return signed_in
    query = {key: value for key, value in request.query_params.items()}
    language = _language(request)
    r = _Request(language, TEXT[language], query, conn, now.date())
    try:
        body, tables = _BUILDERS[page](r)
        form = _filter_form(
            language,
            page,
            query,
            _departments(conn, language),
            _ranges_of(r, page),
            query.get("department") or None,
        )
    except FilterError as error:
        message = f'<p class="error" id="error" role="alert">{html.escape(str(error))}</p>'
        back = (
            f'<p><a href="/insight/{page}?lang={language}">{html.escape(r.text["reset"])}</a></p>'
        )
        return _frame(language, page, {}, message + back, status_code=400)
    if query.get("format") == "csv":
        chosen = [table for table in tables if table.id == query.get("table")]
        if not chosen:
            message = r.text["unknown_table"].format(value=query.get("table", "")[:40])
            return _frame(
                language,
                page,
                {},
                f'<p class="error" id="error">{html.escape(message)}</p>',
                status_code=404,
            )
        return _csv(chosen[0])
    return _frame(language, page, query, form + body, scope=_scope(r, page))


def _scope(r: _Request, page: str) -> str:
    """What the filters chose, in words: the print shows it instead of the form."""
    ranges = " · ".join(
        f"{legend} {start} – {end}" for legend, _, _, start, end in _ranges_of(r, page)
    )
    names = dict(_departments(r.conn, r.language))
    department = names.get(r.query.get("department") or "", r.text["all_departments"])
    return f"{ranges} · {r.text['department']} {department}"


@router.get("")
def insight_home(lang: LanguageQuery = None) -> Response:
    suffix = f"?lang={lang}" if lang else ""
    return RedirectResponse(f"/insight/waiting{suffix}", status_code=303)


@router.get("/{page}")
def insight_page(
    page: Annotated[str, "one of PAGES"], request: Request, conn: Conn, now: Now
) -> Response:
    if page not in _BUILDERS:
        return RedirectResponse("/insight/waiting", status_code=303)
    return _render(request, conn, now, page)


@router.post("/targets")
async def save_targets(request: Request, conn: Conn, now: Now) -> Response:
    """The departments' wait targets from the waiting page's form (same origin only)."""
    signed_in = admin.admitted(request, now, page=True, next_page="/insight/waiting")
    if isinstance(signed_in, RedirectResponse):
        return signed_in
    language = _language(request)
    text = TEXT[language]
    if not same_origin(request):
        return _frame(
            language,
            "waiting",
            {},
            f'<p class="error">{html.escape(text["same_origin"])}</p>',
            status_code=403,
        )
    body = (await request.body())[:_MAX_FORM_BYTES].decode("utf-8", "replace")
    form = {key: values[0] for key, values in parse_qs(body, max_num_fields=64).items()}
    known = {key for key, _ in _departments(conn, language)}
    chosen: dict[str, int] = {}
    for key, value in form.items():
        if key not in known:
            continue
        if not value.isdigit() or not 1 <= int(value) <= 600:
            message = text["bad_target"].format(value=value[:10])
            return _frame(
                language,
                "waiting",
                {},
                f'<p class="error" id="error">{html.escape(message)}</p>',
                status_code=400,
            )
        chosen[key] = int(value)
    with write_transaction(conn):
        for key, minutes in chosen.items():
            fig.set_wait_target(conn, key, minutes)
    query = {key: value for key, value in request.query_params.items()}
    return RedirectResponse(_link("waiting", language, query), status_code=303)
