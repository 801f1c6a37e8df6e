"""The bundled CJK font (scripts/subset_cjk_font.py) draws everything the kiosk can show.

The package carries no other CJK font, and a kiosk has none of its own: a character missing
here is an empty box on screen and on the ticket. The subset keeps GBK (every CJK Unified
Ideograph up to U+9FA5, GB2312's 6,763 among them) and the Extension A/B characters of rare
names, but only the Simplified Chinese glyph forms.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

from kiosk.assets import cjk_font_path

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def font() -> Iterator[TTFont]:
    opened = TTFont(cjk_font_path(), lazy=True)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def cmap(font: TTFont) -> set[int]:
    return set(font.getBestCmap())


def gb2312() -> set[int]:
    codepoints = set()
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                codepoints.add(ord(bytes([lead, trail]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return codepoints


def shown(text: str) -> set[int]:
    return {ord(c) for c in text if not c.isspace() and ord(c) >= 0x20}


def test_every_gb2312_and_gbk_ideograph_is_there(cmap: set[int]) -> None:
    hanzi = {cp for cp in gb2312() if 0x4E00 <= cp <= 0x9FA5}
    assert len(hanzi) == 6763
    assert hanzi <= cmap
    assert set(range(0x4E00, 0x9FA6)) <= cmap  # GBK's 20,902


def test_rare_names_and_punctuation_are_there(cmap: set[int]) -> None:
    assert shown("𠮷龘䶮堃喆玥赟昇·，。、：；！？“”（）《》【】￥—…") <= cmap


def test_every_translated_string_and_seeded_name_can_be_drawn(cmap: set[int]) -> None:
    tree = ET.parse(ROOT / "translations" / "kiosk_zh_CN.ts")
    translated = "".join(node.text or "" for node in tree.iter("translation"))
    assert len(translated) > 1000
    seeds = (ROOT / "kiosk" / "server" / "seed_data.py").read_text(encoding="utf-8")
    chinese_in_seeds = "".join(re.findall(r"[\u3000-\u9fff\U00020000-\U0002ffff]+", seeds))
    missing = (shown(translated) | shown(chinese_in_seeds)) - cmap
    assert not {chr(cp) for cp in missing}


def test_only_the_simplified_chinese_forms_are_kept(font: TTFont, cmap: set[int]) -> None:
    for tag in ("GSUB", "GPOS"):
        for record in font[tag].table.ScriptList.ScriptRecord:
            assert {lang.LangSysTag for lang in record.Script.LangSysRecord} <= {"ZHS "}
    assert len(font.getGlyphOrder()) < len(cmap) * 1.02  # no alternates beyond the characters
    assert "vmtx" not in font
