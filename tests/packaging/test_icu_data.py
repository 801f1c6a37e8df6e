"""The package's smaller ICU data (packaging/icu_data.py) answers Qt as the full data does.

Qt Core is run twice in a fresh process: with PySide6's own libicudata and with the rebuilt
one put first on LD_LIBRARY_PATH (libQt6Core finds ICU through its RUNPATH, which
LD_LIBRARY_PATH overrides). Every ICU service Qt calls is asked, in the kiosk's two locales:
collation (pinyin order of names), case mapping, time-zone names and offsets, a date with
its zone, and the converters' names.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import PySide6
import pytest

# packaging/ is not a package (its name is the PyPI distribution's): load the file itself.
_SPEC = importlib.util.spec_from_file_location(
    "icu_data", Path(__file__).resolve().parents[2] / "packaging" / "icu_data.py"
)
assert _SPEC is not None
assert _SPEC.loader is not None
icu_data = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(icu_data)

LIBICUDATA = Path(PySide6.__file__).parent / "Qt" / "lib" / "libicudata.so.73"

PROBE = r"""
import functools, json
from PySide6.QtCore import QCollator, QDate, QDateTime, QLocale, QStringDecoder, QTime, QTimeZone

maps = open("/proc/self/maps").read().splitlines()
out = {"library": [line.split()[-1] for line in maps if "libicudata" in line][0]}
names = ["张伟", "王芳", "李娜", "刘洋", "陈静", "赵敏", "钱", "孙"]
names += ["Zhang", "apple", "Éclair", "zebra"]
for name in ("zh_CN", "en_US", "de_DE"):
    locale = QLocale(name)
    collator = QCollator(locale)
    out[f"{name} sorted"] = sorted(names, key=functools.cmp_to_key(collator.compare))
    out[f"{name} upper"] = locale.toUpper("straße ıi éclair")
    out[f"{name} lower"] = locale.toLower("İSTANBUL ÉCLAIR")
    for zone in ("Asia/Shanghai", "Asia/Urumqi", "Europe/Berlin", "America/New_York", "UTC"):
        tz = QTimeZone(zone.encode())
        moment = QDateTime(QDate(2026, 7, 1), QTime(12, 0), tz)
        out[f"{name} {zone}"] = [
            tz.isValid(),
            tz.displayName(moment, QTimeZone.NameType.LongName, locale),
            tz.displayName(moment, QTimeZone.NameType.ShortName, locale),
            tz.displayName(moment, QTimeZone.NameType.OffsetName, locale),
            locale.toString(moment, QLocale.FormatType.LongFormat),
            tz.offsetFromUtc(moment),
        ]
out["canonical"] = [
    bytes(QTimeZone(b"PRC").id()).decode(),
    QTimeZone.isTimeZoneIdAvailable(b"Asia/Chongqing"),
]
out["codecs"] = {
    codec: (QStringDecoder(codec).isValid(), QStringDecoder(codec).name())
    for codec in ("GB18030", "GBK", "GB2312", "UTF-8", "ISO-8859-1", "Big5")
}
print(json.dumps(out, ensure_ascii=False))
"""


def probe(library_dir: Path | None) -> dict[str, Any]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    if library_dir is not None:
        env["LD_LIBRARY_PATH"] = str(library_dir)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


@pytest.fixture(scope="module")
def small_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    for tool in ("icupkg", "genccode", "gcc", "nm", "readelf"):
        assert shutil.which(tool), f"{tool} is missing (scripts/ensure-system-deps.sh installs it)"
    library: Path = icu_data.build(LIBICUDATA, tmp_path_factory.mktemp("icu"))
    return library


def test_the_rebuilt_library_is_a_tenth_of_the_size_and_keeps_the_symbol(
    small_library: Path,
) -> None:
    assert small_library.name == "libicudata.so.73"
    assert small_library.stat().st_size < LIBICUDATA.stat().st_size / 5
    assert icu_data.data_symbol(small_library)[0] == icu_data.data_symbol(LIBICUDATA)[0]
    kept = (small_library.parent / "kept.txt").read_text().split()
    assert "coll/zh.res" in kept  # pinyin order
    assert not [item for item in kept if "/brkitr/" in item or "/translit/" in item]


def test_qt_answers_the_same_in_the_kiosk_locales(small_library: Path) -> None:
    full, small = probe(None), probe(small_library.parent)
    assert full["library"] == str(LIBICUDATA.resolve())
    assert small["library"] == str(small_library.resolve())
    kiosk_keys = [key for key in full if key.startswith(("zh_CN", "en_US"))]
    assert len(kiosk_keys) == 2 * 8
    for key in [*kiosk_keys, "canonical"]:
        assert small[key] == full[key], key
    assert small["zh_CN sorted"][:3] == ["陈静", "李娜", "刘洋"]  # pinyin: chen, li, liu
    assert small["zh_CN Asia/Shanghai"][1] == "中国标准时间"
    assert small["en_US Asia/Shanghai"][1] == "China Standard Time"


def test_other_locales_fall_back_to_root_and_the_chinese_encodings_stay(
    small_library: Path,
) -> None:
    full, small = probe(None), probe(small_library.parent)
    assert full["de_DE Asia/Shanghai"][1] == "Chinesische Normalzeit"
    assert small["de_DE Asia/Shanghai"][1] == "China Standard Time"  # root's names
    assert small["de_DE Asia/Shanghai"][5] == 8 * 3600  # the rules are all there
    codecs = small["codecs"]
    assert isinstance(codecs, dict)
    for codec in ("GB18030", "GBK", "GB2312", "UTF-8", "ISO-8859-1"):
        assert codecs[codec] == full["codecs"][codec], codec
    assert codecs["Big5"][0] is False  # dropped with the other non-Chinese tables
