"""Byte-exact ESC/POS tests against python-escpos's own ``Dummy`` printer."""

from __future__ import annotations

import re
from typing import Any

import pytest
from PIL import Image

from kiosk.devices.printing import raster
from kiosk.devices.printing.escpos_import import import_escpos
from kiosk.devices.printing.escpos_render import EscposRenderer, RenderOptions, render_escpos
from kiosk.devices.printing.layout import (
    PAPER_58,
    PAPER_80,
    Align,
    Cut,
    Feed,
    Paper,
    Qr,
    StyledLine,
    TicketLayout,
    Title,
    default_qr_module_dots,
    element_lines,
)
from kiosk.devices.printing.preview import render_image
from kiosk.devices.printing.samples import sample_layout, sample_ticket
from kiosk.devices.printing.templates import checkin_ticket
from tests.helpers.printing import parse_escpos

HOSPITAL = "示例市第一人民医院"
TEMPLATES = ["checkin", "registration", "receipt", "pharmacy", "test"]


def dummy() -> Any:
    return import_escpos().Dummy()


def qr_level_m() -> int:
    return int(import_escpos("escpos.constants").QR_ECLEVEL_M)


def chinese_mode_bytes(text: str, encoding: str) -> bytes:
    """The expected text bytes, built independently of the renderer."""
    out = b""
    for part in re.split(r"([^\x00-\x7f]+)", text):
        if not part:
            continue
        if ord(part[0]) >= 0x80:
            out += b"\x1c&" + part.encode(encoding) + b"\x1c."
        else:
            out += part.encode("ascii")
    return out


def reference_bytes(layout: TicketLayout, options: RenderOptions) -> bytes:
    """The same ticket assembled from Dummy calls, element by element."""
    d = dummy()
    d.hw("INIT")
    renderer = EscposRenderer(options)
    for element in layout.elements:
        if isinstance(element, Qr):
            module = element.module_dots or default_qr_module_dots(options.paper)
            d.set(align="center")
            d.qr(element.data, ec=qr_level_m(), size=module, native=True)
            d.set(align="left")
            continue
        if isinstance(element, Cut):
            d.cut()
            continue
        if isinstance(element, Feed):
            d.print_and_feed(element.lines)
            continue
        lines = element_lines(element, options.paper)
        first = lines[0]
        scaled = (first.width_scale, first.height_scale) != (1, 1)
        if scaled:
            d.set(custom_size=True, width=first.width_scale, height=first.height_scale)
        if first.bold:
            d.set(bold=True)
        if first.align is not Align.left:
            d.set(align=first.align.value)
        for line in lines:
            if renderer.prints_as_text(line.text):
                d._raw(chinese_mode_bytes(line.text, options.encoding) + b"\n")
            else:
                image, used = raster.render_line(line, options.paper)
                if line.align is not Align.left:
                    d.set(align="left")
                d.image(raster.crop_width(image, used))
                if line.align is not Align.left:
                    d.set(align=line.align.value)
        if first.align is not Align.left:
            d.set(align="left")
        if first.bold:
            d.set(bold=False)
        if scaled:
            d.set(custom_size=True, width=1, height=1)
    return bytes(d.output)


def test_checkin_ticket_golden_bytes_80mm() -> None:
    """Every call spelled out: the standard Chinese check-in ticket on 80 mm paper."""
    ticket = sample_ticket()
    layout = checkin_ticket(ticket, hospital_name=HOSPITAL, language="zh_CN")
    d = dummy()
    cn = chinese_mode_bytes

    def line(text: str) -> None:
        d._raw(cn(text, "gb18030") + b"\n")

    def indented(text: str) -> None:  # left-aligned text starts after a 2-column margin
        line("  " + text)

    d.hw("INIT")
    d.set(custom_size=True, width=1, height=2)
    d.set(bold=True)
    d.set(align="center")
    line(HOSPITAL)
    d.set(align="left")
    d.set(bold=False)
    d.set(custom_size=True, width=1, height=1)
    d.set(align="center")
    line("门诊签到凭条")
    d.set(align="left")
    indented("-" * 44)
    d.set(align="center")
    line("排队号")
    d.set(align="left")
    d.set(custom_size=True, width=2, height=2)
    d.set(bold=True)
    d.set(align="center")
    line("A023")
    d.set(align="left")
    d.set(bold=False)
    d.set(custom_size=True, width=1, height=1)
    d.set(align="center")
    line("请前往")
    d.set(align="left")
    # Where to go, in double width and height: the largest line after the number.
    d.set(custom_size=True, width=2, height=2)
    d.set(bold=True)
    d.set(align="center")
    line("门诊楼 3楼 302诊室")
    d.set(align="left")
    d.set(bold=False)
    d.set(custom_size=True, width=1, height=1)
    d.set(align="center")
    line("乘电梯到3楼，出电梯右转。")  # how to get there, right under where
    d.set(align="left")
    for text in [
        "-" * 44,
        "科室：心血管内科",
        "医生：李明 主任医师",
        "预约时间：2025-03-18 09:00",
        "患者：张*丰",
        "前面还有：5 人",
        "预计等待：约 15 分钟",
        "签到时间：2025-03-18 08:42",
        "-" * 44,
    ]:
        indented(text)
    d.set(align="center")
    d.qr(ticket.status_url, ec=qr_level_m(), size=6, native=True)
    d.set(align="left")
    d.set(align="center")
    line("扫码查看排队进度")
    d.set(align="left")
    indented("请留意叫号；过号请到服务台重新排队。")
    d.cut()

    ours = render_escpos(layout, RenderOptions(PAPER_80))
    assert ours == d.output
    assert len(ours) <= 1500


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("paper", [PAPER_58, PAPER_80])
@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
def test_templates_match_dummy(template: str, paper: Paper, encoding: str) -> None:
    layout = sample_layout(template, hospital_name=HOSPITAL, language="zh_CN")
    options = RenderOptions(paper, encoding=encoding, font_coverage="gbk")
    assert render_escpos(layout, options) == reference_bytes(layout, options)


def test_decoded_checkin_ticket_has_chinese_only_in_chinese_mode() -> None:
    ticket = sample_ticket()
    layout = checkin_ticket(ticket, hospital_name=HOSPITAL, language="zh_CN")
    parsed = parse_escpos(render_escpos(layout, RenderOptions(PAPER_80)))
    assert parsed.rasters == []
    assert parsed.qr_data == [ticket.status_url]
    assert "  科室：心血管内科" in parsed.text_lines
    assert "A023" in parsed.text_lines
    assert "门诊楼 3楼 302诊室" in parsed.text_lines
    assert all(ord(c) >= 0x80 for run in parsed.chinese_runs for c in run)
    assert "？" not in "".join(parsed.text_lines)
    assert "?" not in "".join(parsed.text_lines)


def test_qr_is_native_gs_k_model_2_level_m_centred() -> None:
    data = render_escpos(TicketLayout((Qr("https://x.example/t/1"),)), RenderOptions(PAPER_80))
    expected = (
        b"\x1b@\x1ba\x01"
        b"\x1d(k\x04\x001A2\x00"
        b"\x1d(k\x03\x001C\x06"
        b"\x1d(k\x03\x001E1"
        b"\x1d(k\x18\x001P0https://x.example/t/1"
        b"\x1d(k\x03\x001Q0"
        b"\x1ba\x00"
    )
    assert data == expected


def test_raster_qr_when_native_qr_is_off() -> None:
    layout = TicketLayout((Qr("https://x.example/t/1"),))
    data = render_escpos(layout, RenderOptions(PAPER_58, native_qr=False))
    parsed = parse_escpos(data)
    assert parsed.qr_data == []
    assert len(parsed.rasters) == 1
    image, used = raster.centred(raster.qr_image("https://x.example/t/1", 5), PAPER_58)
    d = dummy()
    d.hw("INIT")
    d.image(raster.crop_width(image, used))
    assert data == d.output


# A hospital's public address can be long; the token is 24 characters (144 bits).
LONG_PHONE_PAGE = (
    "https://outpatient-queue.first-peoples-hospital-of-example-city.example"
    "/q/mV3kQ9xT2bLpW7nR4sYh8cJd"
)


@pytest.mark.parametrize("paper", [PAPER_58, PAPER_80])
def test_the_phone_page_qr_of_a_long_address_prints_whole_and_fits_the_paper(
    paper: Paper,
) -> None:
    ticket = sample_ticket().model_copy(update={"status_url": LONG_PHONE_PAGE})
    layout = checkin_ticket(ticket, hospital_name=HOSPITAL, language="zh_CN")
    native = parse_escpos(render_escpos(layout, RenderOptions(paper)))
    assert native.qr_data == [LONG_PHONE_PAGE]  # the printer draws it: a few bytes, no raster
    assert native.rasters == []
    # What the printer draws is as wide as the raster fallback: the code, its quiet zone and
    # modules of the renderer's size, inside the paper with room for a phone to focus.
    module = default_qr_module_dots(paper)
    image = raster.qr_image(LONG_PHONE_PAGE, module)
    assert image.width <= paper.dots * 0.75
    assert module / 203 * 25.4 >= 0.6  # modules of at least 0.6 mm at 203 dpi
    fallback = parse_escpos(render_escpos(layout, RenderOptions(paper, native_qr=False)))
    assert fallback.qr_data == []
    assert len(fallback.rasters) == 1


def test_rare_name_line_is_raster_with_gbk_coverage_only_that_line() -> None:
    ticket = sample_ticket(rare_name=True)
    layout = checkin_ticket(ticket, hospital_name=HOSPITAL, language="zh_CN")
    options = RenderOptions(PAPER_80, font_coverage="gbk")
    data = render_escpos(layout, options)
    parsed = parse_escpos(data)
    assert len(parsed.rasters) == 1
    width, height = parsed.rasters[0]
    assert height == 30
    assert width < PAPER_80.dots  # only the dots the line uses
    assert not any("患者" in line for line in parsed.text_lines)
    assert "  科室：心血管内科" in parsed.text_lines
    name_line = StyledLine("  患者：𠮷*龘")
    image, used = raster.render_line(name_line, PAPER_80)
    d = dummy()
    d.image(raster.crop_width(image, used))
    assert d.output in data
    # The same ticket with GB18030 coverage prints the rare name as text.
    full = parse_escpos(render_escpos(layout, RenderOptions(PAPER_80)))
    assert full.rasters == []
    assert "  患者：𠮷*龘" in full.text_lines


def test_gb2312_coverage_keeps_full_width_punctuation_as_text() -> None:
    layout = TicketLayout((Title("全角标点：，。、；？！（）《》￥"), Title("龘")))
    parsed = parse_escpos(render_escpos(layout, RenderOptions(PAPER_80, font_coverage="gb2312")))
    assert parsed.text_lines == ["全角标点：，。、；？！（）《》￥"]
    assert len(parsed.rasters) == 1


def test_centred_raster_line_switches_alignment_off_around_the_image() -> None:
    data = render_escpos(TicketLayout((Title("龘"),)), RenderOptions(PAPER_80, "gbk", "gb2312"))
    start = data.index(b"\x1dv0")
    assert data[start - 3 : start] == b"\x1ba\x00"


def test_english_code_page_printer_rasters_chinese_lines() -> None:
    layout = sample_layout("checkin", hospital_name="Demo Hospital", language="en")
    data = render_escpos(layout, RenderOptions(PAPER_58, encoding="cp437"))
    assert data.startswith(b"\x1b@\x1bt\x00")
    parsed = parse_escpos(data, "cp437")
    assert parsed.chinese_runs == []
    assert " Department: Cardiology" in parsed.text_lines
    # The room (302诊室) and the patient's name hold Chinese: those two lines only are images.
    assert len(parsed.rasters) == 2
    assert not any(line.startswith("Patient") for line in parsed.text_lines)


def test_big5_printer() -> None:
    layout = TicketLayout((Title("醫院"), Title("医院")))
    parsed = parse_escpos(render_escpos(layout, RenderOptions(PAPER_80, encoding="big5")), "big5")
    assert parsed.text_lines == ["醫院"]
    assert len(parsed.rasters) == 1


def test_raster_only_mode_is_one_image_and_a_cut() -> None:
    layout = sample_layout("checkin", hospital_name=HOSPITAL, language="zh_CN")
    options = RenderOptions(PAPER_80, raster_only=True)
    data = render_escpos(layout, options)
    parsed = parse_escpos(data)
    assert parsed.text_lines == []
    assert parsed.qr_data == []
    assert parsed.chinese_runs == []
    assert all(width == 576 for width, _ in parsed.rasters)
    body = TicketLayout(tuple(e for e in layout.elements if not isinstance(e, Cut)))
    d = dummy()
    d.hw("INIT")
    d.image(render_image(body, PAPER_80, margins=False))
    d.cut()
    assert data == d.output
    assert len(data) > 20 * len(render_escpos(layout, RenderOptions(PAPER_80)))


def test_feed_and_unknown_options() -> None:
    data = render_escpos(TicketLayout((Feed(3),)), RenderOptions(PAPER_58))
    d = dummy()
    d.hw("INIT")
    d.print_and_feed(3)
    assert data == d.output
    with pytest.raises(ValueError, match="encoding"):
        RenderOptions(PAPER_58, encoding="shift_jis")


def test_raster_image_is_pure_black_and_white() -> None:
    image, _ = raster.render_line(StyledLine("𠮷", Align.center, True), PAPER_58)
    assert {value for value, count in enumerate(image.histogram()) if count} <= {0, 255}
    assert isinstance(image, Image.Image)
