from __future__ import annotations

import pytest

from kiosk.api.models import Location
from kiosk.devices.printing.layout import (
    PAPER_58,
    PAPER_80,
    Align,
    BigNumber,
    Element,
    Emphasis,
    Field,
    Language,
    Paper,
    Row,
    Separator,
    Text,
    display_width,
    element_lines,
    paper_for,
    wrap,
)
from kiosk.devices.printing.samples import sample_layout, sample_ticket
from kiosk.devices.printing.templates import checkin_ticket


def test_paper_columns() -> None:
    assert (PAPER_58.dots, PAPER_58.columns) == (384, 32)
    assert (PAPER_80.dots, PAPER_80.columns) == (576, 48)
    assert paper_for(58) is PAPER_58
    with pytest.raises(ValueError, match="unsupported"):
        paper_for(76)


def test_display_width_counts_chinese_and_full_width_as_two() -> None:
    assert display_width("A023") == 4
    assert display_width("内科") == 4
    assert display_width("，。：") == 6
    assert display_width("𠮷") == 2


def test_wrap_never_exceeds_columns_and_keeps_words() -> None:
    text = "请留意叫号；过号请到服务台重新排队。Please listen for your number carefully."
    lines = wrap(text, 20)
    assert all(display_width(line) <= 20 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert any(line.endswith("Please") or line.startswith("Please") for line in lines)


def test_wrap_splits_words_longer_than_a_line() -> None:
    assert wrap("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_wrap_replaces_control_characters() -> None:
    assert wrap("a\x1b@b\tc", 10) == ["a @b c"]


def test_field_continuation_is_indented() -> None:
    lines = element_lines(Field("位置", "门诊楼 3楼 302诊室 " * 3), PAPER_58)
    assert lines[0].text.startswith(" 位置：")
    assert all(line.text.startswith(" " + "      ") for line in lines[1:])
    assert all(display_width(line.text) <= 32 - 1 for line in lines)


def test_row_puts_amount_flush_right_inside_the_margins() -> None:
    (line,) = element_lines(Row("血常规", "￥25.00"), PAPER_58)
    assert display_width(line.text) == 32 - 1
    assert line.text.startswith(" 血常规")
    assert line.text.endswith("￥25.00")


@pytest.mark.parametrize(("paper", "margin"), [(PAPER_58, 1), (PAPER_80, 2)])
def test_text_keeps_a_margin_from_both_edges(paper: Paper, margin: int) -> None:
    """Left-aligned text starts after the margin and stops before the other one."""
    elements: list[Element] = [
        Field("科室", "心血管内科" * 10),
        Row("药品" * 20, "￥9.00"),
        Text("请留意叫号" * 10),
        Separator(),
    ]
    for element in elements:
        for line in element_lines(element, paper):
            assert line.text.startswith(" " * margin), line.text
            assert not line.text.startswith(" " * (margin + 1)) or isinstance(element, Field)
            assert display_width(line.text) <= paper.columns - margin, line.text
    for line in element_lines(Text("扫码查看排队进度" * 4, Align.center), paper):
        assert display_width(line.text) <= paper.text_columns


def test_emphasis_is_double_size_centred_within_the_margins() -> None:
    lines = element_lines(Emphasis("Outpatient Building, floor 2, room 201"), PAPER_80)
    assert [line.text for line in lines] == ["Outpatient Building,", "floor 2, room 201"]
    for line in lines:
        assert (line.width_scale, line.height_scale, line.align) == (2, 2, Align.center)
        assert display_width(line.text) * 2 <= PAPER_80.text_columns


def test_big_number_is_double_size_centred() -> None:
    (line,) = element_lines(BigNumber("A023"), PAPER_80)
    assert (line.width_scale, line.height_scale, line.align) == (2, 2, Align.center)


def test_separator_fills_the_line_between_the_margins() -> None:
    assert element_lines(Separator("="), PAPER_58)[0].text == " " + "=" * 30


@pytest.mark.parametrize("template", ["checkin", "registration", "receipt", "pharmacy", "test"])
@pytest.mark.parametrize("paper", [PAPER_58, PAPER_80])
def test_every_template_line_fits(template: str, paper: Paper) -> None:
    layout = sample_layout(template, hospital_name="示例市第一人民医院", language="zh_CN")
    for element in layout.elements:
        for line in element_lines(element, paper):
            assert display_width(line.text) * line.width_scale <= paper.columns


def test_checkin_ticket_in_english_has_no_chinese_labels() -> None:
    layout = sample_layout("checkin", hospital_name="Demo Hospital", language="en")
    fields = [e for e in layout.elements if isinstance(e, Field)]
    assert fields[0].label == "Department"
    assert fields[0].value == "Cardiology"
    assert Emphasis("Outpatient Building, floor 3, room 302诊室") in layout.elements
    assert Field("Appointment", "2025-03-18 09:00") in layout.elements


def test_unknown_sample_template() -> None:
    with pytest.raises(ValueError, match="unknown template"):
        sample_layout("menu", hospital_name="x", language="en")


@pytest.mark.parametrize(
    ("room", "language", "printed"),
    [
        ("201", "zh_CN", "门诊楼 2楼 201室"),
        ("302诊室", "zh_CN", "门诊楼 2楼 302诊室"),
        ("201", "en", "Outpatient Building, floor 2, room 201"),
    ],
)
def test_a_room_number_reads_as_a_room(room: str, language: Language, printed: str) -> None:
    """A bare room number gets its 室 (the demo data's rooms are plain numbers)."""
    ticket = sample_ticket().model_copy(
        update={
            "location": Location(
                building="门诊楼", building_en="Outpatient Building", floor="2", room=room
            )
        }
    )
    layout = checkin_ticket(ticket, hospital_name="示例市第一人民医院", language=language)
    assert Emphasis(printed) in layout.elements
