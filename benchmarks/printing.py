"""Printing figures: ticket size in text mode and full raster, send time, build time."""

from __future__ import annotations

import statistics
import time

from kiosk.devices.printing.escpos_render import RenderOptions, render_escpos
from kiosk.devices.printing.layout import PAPER_80
from kiosk.devices.printing.samples import sample_ticket
from kiosk.devices.printing.templates import checkin_ticket

HOSPITAL = "示例市第一人民医院"
BUILD_REPEATS = 50


def _seconds_at(size: int, baud: int) -> float:
    # 8N1: ten bits on the wire per byte.
    return size * 10 / baud


def collect() -> list[tuple[str, float, str]]:
    """(name, value, unit) rows for the benchmark table."""
    layout = checkin_ticket(sample_ticket(), hospital_name=HOSPITAL, language="zh_CN")
    text_options = RenderOptions(PAPER_80)
    raster_options = RenderOptions(PAPER_80, raster_only=True)
    text_bytes = len(render_escpos(layout, text_options))
    raster_bytes = len(render_escpos(layout, raster_options))

    def build_ms(options: RenderOptions) -> float:
        render_escpos(layout, options)  # warm the font cache
        samples = []
        for _ in range(BUILD_REPEATS):
            started = time.perf_counter()
            render_escpos(layout, options)
            samples.append((time.perf_counter() - started) * 1000)
        return statistics.median(samples)

    return [
        ("check-in ticket with QR (80 mm, text mode)", float(text_bytes), "bytes"),
        ("same ticket, full raster", float(raster_bytes), "bytes"),
        ("raster / text size ratio", raster_bytes / text_bytes, "x"),
        ("text ticket at 9600 baud", _seconds_at(text_bytes, 9600), "s"),
        ("text ticket at 115200 baud", _seconds_at(text_bytes, 115200), "s"),
        ("raster ticket at 9600 baud", _seconds_at(raster_bytes, 9600), "s"),
        ("raster ticket at 115200 baud", _seconds_at(raster_bytes, 115200), "s"),
        ("build text ticket bytes (median of 50)", build_ms(text_options), "ms"),
        ("build raster ticket bytes (median of 50)", build_ms(raster_options), "ms"),
    ]


if __name__ == "__main__":
    for name, value, unit in collect():
        print(f"{name:55} {value:12.3f} {unit}")
