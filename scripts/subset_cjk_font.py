"""Rebuild assets/fonts/ from Debian's fonts-noto-cjk (SIL Open Font License 1.1).

Why: the kiosk must render Chinese on a machine with no CJK fonts, and the packaged build
should stay small. We keep the Simplified Chinese face, restricted to what a hospital kiosk
shows: ASCII/Latin-1, punctuation, the whole GBK repertoire and every CJK Extension A/B
character the font has (rare names such as 𠮷 and 䶮 on ID cards).

Only the glyphs those characters reach in Simplified Chinese and English text stay: the
Japanese, Korean and Traditional Chinese forms (``locl`` for JAN/KOR/ZHT/ZHH), the vertical
forms and the alternates a kiosk never asks for (``aalt``, ``fwid``, ``hwid``, ``pwid``,
``ruby``, ``dlig``, ``hist``) took 19,000 of 50,000 glyphs and 5.5 MB of the package.
Horizontal positioning (``kern``, ``palt``, ``halt``, ``mark``) and ``ccmp``/``liga`` stay.

Needs `pip install fonttools`; takes about a minute per face.

Usage: python scripts/subset_cjk_font.py NotoSansCJK-Regular.ttc [NotoSansCJK-Bold.ttc]
       python scripts/subset_cjk_font.py assets/fonts/NotoSansCJKsc-Regular.otf  (re-subset)
"""

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

SIMPLIFIED_CHINESE_FACE = "Noto Sans CJK SC"
OUT_DIR = Path(__file__).resolve().parent.parent / "assets" / "fonts"
KEPT_LANGUAGE_SYSTEM = "ZHS "  # plus each script's default one
LAYOUT_FEATURES = ["ccmp", "liga", "locl", "kern", "mark", "palt", "halt"]
VERTICAL_TABLES = ["vhea", "vmtx", "VORG"]


def wanted_codepoints(cmap: dict[int, str]) -> set[int]:
    keep = set(range(0x20, 0x7F)) | set(range(0xA0, 0x180))
    keep |= set(range(0x2000, 0x2070)) | set(range(0x2100, 0x2200)) | set(range(0x2460, 0x2500))
    keep |= set(range(0x25A0, 0x2700)) | set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            try:
                keep.add(ord(bytes([lead, trail]).decode("gbk")))
            except UnicodeDecodeError:
                pass
    extensions = [(0x3400, 0x4DC0), (0x4E00, 0xA000), (0x20000, 0x2A6E0), (0x2A700, 0x2EBF0)]
    keep |= {cp for cp in cmap for start, end in extensions if start <= cp < end}
    return keep & set(cmap)


def simplified_chinese_face(path: str) -> TTFont:
    if path.lower().endswith((".ttc", ".otc")):
        collection = TTCollection(path)
        return next(
            f for f in collection.fonts if f["name"].getDebugName(1) == SIMPLIFIED_CHINESE_FACE
        )
    return TTFont(path)


def drop_other_languages(font: TTFont) -> None:
    """Only the default and Simplified Chinese language systems; the subsetter then drops
    the features and glyphs only the others reached."""
    for tag in ("GSUB", "GPOS"):
        if tag not in font:
            continue
        for record in font[tag].table.ScriptList.ScriptRecord:
            script = record.Script
            script.LangSysRecord = [
                lang for lang in script.LangSysRecord if lang.LangSysTag == KEPT_LANGUAGE_SYSTEM
            ]
            script.LangSysCount = len(script.LangSysRecord)


def main(paths: list[str]) -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for path in paths:
        font = simplified_chinese_face(path)
        drop_other_languages(font)
        options = subset.Options()
        options.layout_features = LAYOUT_FEATURES
        options.drop_tables += VERTICAL_TABLES
        options.name_IDs = ["*"]
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=wanted_codepoints(font.getBestCmap()))
        subsetter.subset(font)
        weight = "Bold" if "Bold" in Path(path).name else "Regular"
        out = OUT_DIR / f"NotoSansCJKsc-{weight}.otf"
        font.save(out)
        print(out, out.stat().st_size, len(font.getGlyphOrder()), "glyphs")


if __name__ == "__main__":
    main(sys.argv[1:])
