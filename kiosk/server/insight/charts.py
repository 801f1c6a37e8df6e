"""Server-side SVG charts for the insight pages: no script, nothing fetched, and readable in
grey-scale print: every bar and cell carries its number, series differ by dash and marker, not
by colour alone."""

from __future__ import annotations

import html
from collections.abc import Sequence

_FONT = 'font-family="system-ui, Noto Sans CJK SC, sans-serif"'
_INK = "#1b1f24"
_HATCH = (
    '<defs><pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="8" height="8" fill="#c9d6e3"/>'
    '<line x1="0" y1="0" x2="0" y2="8" stroke="#2f5d8a" stroke-width="3"/></pattern></defs>'
)


def _svg(width: int, height: int, label: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{html.escape(label)}" '
        f'{_FONT} font-size="14" fill="{_INK}">{body}</svg>'
    )


def bar_chart(label: str, bars: Sequence[tuple[str, float, str]], *, width: int = 640) -> str:
    """Horizontal bars (hatched), each with its name on the left and its value on the right."""
    if not bars:
        return ""
    row, name_w, value_w = 26, 190, 90
    top = max((value for _, value, _ in bars), default=0) or 1
    span = width - name_w - value_w
    parts = [_HATCH]
    for index, (name, value, shown) in enumerate(bars):
        y = index * row + 4
        length = max(1.0, span * value / top) if value else 0.0
        parts.append(
            f'<text x="{name_w - 8}" y="{y + 15}" text-anchor="end">{html.escape(name)}</text>'
            f'<rect x="{name_w}" y="{y}" width="{length:.1f}" height="{row - 8}" '
            f'fill="url(#hatch)" stroke="{_INK}"/>'
            f'<text x="{name_w + length + 6:.1f}" y="{y + 15}">{html.escape(shown)}</text>'
        )
    return _svg(width, len(bars) * row + 8, label, "".join(parts))


def line_chart(
    label: str,
    days: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    unit: str,
    width: int = 900,
    height: int = 260,
) -> str:
    """Up to three series over days: solid, dashed and dotted lines with circle, square and
    triangle markers, named in the legend on the right."""
    if not days:
        return ""
    left, right, top, bottom = 50, 220, 28, 30
    values = [v for _, points in series for v in points if v is not None]
    peak = max(values, default=0) or 1
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(days) - 1)

    def xy(index: int, value: float) -> tuple[float, float]:
        return left + index * step, top + plot_h * (1 - value / peak)

    parts = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        f'stroke="{_INK}"/><line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" '
        f'stroke="{_INK}"/>'
        f'<text x="{left - 6}" y="{top + 5}" text-anchor="end">{peak:.0f}</text>'
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>'
        f'<text x="{left}" y="{top - 6}">{html.escape(unit)}</text>'
    ]
    every = max(1, len(days) // 8)
    for index, day in enumerate(days):
        if index % every == 0 or index == len(days) - 1:
            x = left + index * step
            parts.append(
                f'<text x="{x:.1f}" y="{top + plot_h + 18}" text-anchor="middle">'
                f"{html.escape(day)}</text>"
            )
    styles = (("", "circle"), ("8 5", "square"), ("2 4", "triangle"))
    for rank, ((name, points), (dash, marker)) in enumerate(zip(series, styles, strict=False)):
        path: list[str] = []
        for index, value in enumerate(points):
            if value is None:
                continue
            x, y = xy(index, value)
            path.append(f"{'L' if path else 'M'}{x:.1f},{y:.1f}")
            parts.append(_marker(marker, x, y))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<path d="{" ".join(path)}" fill="none" stroke="{_INK}" stroke-width="2"{dash_attr}/>'
        )
        # The legend: a piece of the same line, its marker and the name.
        x, y = left + plot_w + 16, top + 12 + 22 * rank
        parts.append(
            f'<g><path d="M{x},{y} L{x + 36},{y}" stroke="{_INK}" '
            f'stroke-width="2"{dash_attr}/>{_marker(marker, x + 18, y)}'
            f'<text x="{x + 44}" y="{y + 5}">{html.escape(name)}</text></g>'
        )
    return _svg(width, height, label, "".join(parts))


def _marker(kind: str, x: float, y: float) -> str:
    if kind == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{_INK}"/>'
    if kind == "triangle":
        return (
            f'<path d="M{x:.1f},{y - 4.5:.1f} L{x + 4.5:.1f},{y + 3.5:.1f} '
            f'L{x - 4.5:.1f},{y + 3.5:.1f} Z" fill="white" stroke="{_INK}"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="white" stroke="{_INK}"/>'


def heatmap(
    label: str,
    rows: Sequence[str],
    columns: Sequence[str],
    cells: Sequence[Sequence[tuple[int, str]]],
) -> str:
    """A grid shaded by each cell's number (light to dark grey), the cell's text written in it
    (white on the dark cells) so the print needs no colour and no legend to be read."""
    if not rows or not columns:
        return ""
    name_w, cell_w, cell_h, head = 70, 62, 30, 24
    peak = max((value for line in cells for value, _ in line), default=0) or 1
    parts = []
    for c, column in enumerate(columns):
        parts.append(
            f'<text x="{name_w + c * cell_w + cell_w / 2:.0f}" y="16" text-anchor="middle">'
            f"{html.escape(column)}</text>"
        )
    for r, name in enumerate(rows):
        y = head + r * cell_h
        parts.append(
            f'<text x="{name_w - 8}" y="{y + 20}" text-anchor="end">{html.escape(name)}</text>'
        )
        for c, (value, text) in enumerate(cells[r]):
            shade = 245 - int(175 * value / peak)
            ink = "#ffffff" if shade < 150 else _INK
            x = name_w + c * cell_w
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="rgb({shade},{shade},{shade})"/>'
                f'<text x="{x + (cell_w - 2) / 2:.0f}" y="{y + 19}" text-anchor="middle" '
                f'font-size="12" fill="{ink}">{html.escape(text)}</text>'
            )
    width = name_w + len(columns) * cell_w + 4
    return _svg(width, head + len(rows) * cell_h + 4, label, "".join(parts))
