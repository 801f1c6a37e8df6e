"""Rebuild assets/fonts/ from Debian's fonts-noto-cjk (SIL Open Font License 1.1).

Why: the kiosk must render Chinese on a machine with no CJK fonts, and the packaged build
should stay small. We keep the Simplified Chinese face, restricted to what a hospital kiosk
shows: ASCII/Latin-1, punctuation, the whole GBK repertoire and every CJK Extension A/B
character the font has (rare names such as 𠮷). Needs `pip install fonttools`.

Usage: python scripts/subset_cjk_font.py NotoSansCJK-Regular.ttc NotoSansCJK-Bold.ttc
"""

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SIMPLIFIED_CHINESE_FACE = "Noto Sans CJK SC"
OUT_DIR = Path(__file__).resolve().parent.parent / "assets" / "fonts"


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


def main(paths: list[str]) -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for path in paths:
        collection = TTCollection(path)
        font = next(
            f for f in collection.fonts if f["name"].getDebugName(1) == SIMPLIFIED_CHINESE_FACE
        )
        options = subset.Options()
        options.layout_features = ["*"]
        options.name_IDs = ["*"]
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=wanted_codepoints(font.getBestCmap()))
        subsetter.subset(font)
        weight = "Bold" if "Bold" in Path(path).name else "Regular"
        out = OUT_DIR / f"NotoSansCJKsc-{weight}.otf"
        font.save(out)
        print(out, out.stat().st_size)


if __name__ == "__main__":
    main(sys.argv[1:])
