"""Rebuild Qt's ``libicudata.so.73`` with only the ICU data the kiosk can reach (32 MB -> 3.8 MB).

    python packaging/icu_data.py SOURCE_LIBICUDATA OUT_DIR

Why: PySide6 ships the whole ICU data library (every locale, collation, converter, break
iterator and transliterator: 32 MB, the largest file of the package), but Qt Core calls only
a few ICU services (``nm -D --undefined-only libQt6Core.so.6``): case mapping
(``u_strToUpper``/``u_strToLower``, whose tables are compiled into libicuuc), collation
(``ucol_*``, QCollator), time-zone names and IDs (``ucal_*``, QTimeZone) and converters
(``ucnv_*``, QStringConverter for encodings beyond UTF-8/16/32 and Latin-1). No break
iterators (Qt breaks text with its own tables), no transliteration, no number spell-out.
The kiosk speaks zh_CN and English, so it keeps, for the root, English and Simplified
Chinese locales: the locale, zone-name and collation bundles (Qt asks for no currency, unit,
language or region names); the time-zone rules and metazones; the normalisation and property
data; the converter alias table and the Chinese encodings (GB18030, GBK, GB2312). Any other
locale falls back to root (as an unknown locale does with the full data).

How (Debian's icu-devtools and gcc, nothing downloaded): the common data is the
``icudt73_dat`` symbol of the library; ``icupkg`` lists and removes items; ``genccode``
turns the smaller package back into assembly with the same symbol, which gcc links into a
library with the same soname. Nothing else changes: libicuuc and libicui18n find the data
under the same symbol, as before.
"""

from __future__ import annotations

import argparse
import fnmatch
import re
import subprocess
import sys
from pathlib import Path

# The locales the kiosk can be set to, their parents, and the bundles every lookup starts from.
LOCALES = ("root", "en", "en_US", "en_US_POSIX", "zh", "zh_CN", "zh_Hans", "zh_Hans_CN")
INDEXES = ("pool", "res_index")
# Locale-dependent trees whose zh/en bundles are kept: the locale data (calendar, week), the
# zone names (ucal_getTimeZoneDisplayName) and the collations (ucol_open).
TREES = ("", "zone/", "coll/")
# Locale-independent items Qt can reach through ucal, ucol, ucnv, uloc and the property APIs.
SHARED = (
    "cnvalias.icu",  # converter name lookup (ucnv_open, ucnv_getStandardName)
    # The Chinese encodings, so QStringDecoder("GB18030"/"GBK"/"GB2312") stays valid.
    "gb18030.cnv",
    "windows-936-2000.cnv",  # GBK (CP936), an extension of ...
    "ibm-1386_P100-2001.cnv",  # ... this base table
    "ibm-1383_P110-1999.cnv",  # GB2312 (EUC-CN)
    "coll/ucadata.icu",  # the root collation table every collator starts from
    "*.nrm",  # normalisation (collation and case folding use NFKC/UTS46 data)
    "uemoji.icu",
    "ulayout.icu",
    "pnames.icu",  # property names
    "zoneinfo64.res",  # time-zone rules (ucal_open, canonical IDs)
    "timezoneTypes.res",
    "metaZones.res",  # zone display names go through metazones
    "windowsZones.res",
    "supplementalData.res",  # calendar and week data (ucal_open)
    "likelySubtags.res",  # locale fallback (zh -> zh_Hans_CN)
    "metadata.res",  # locale aliases (zh_CN -> zh_Hans_CN)
    "keyTypeData.res",  # locale keywords (@calendar=..., @collation=...)
    "langInfo.res",
    "plurals.res",
    "dayPeriods.res",
    "grammaticalFeatures.res",
    "genderList.res",
    "numberingSystems.res",
    "icustd.res",
    "icuver.res",
    "*/tzdbNames.res",
)


def kept(item: str, package: str) -> bool:
    """Whether the item ``package/path`` (as ``icupkg -l`` lists it) stays."""
    path = item.removeprefix(package + "/")
    for tree in TREES:
        for locale in (*LOCALES, *INDEXES):
            if path == f"{tree}{locale}.res":
                return True
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in SHARED)


# `readelf -S -W`: [Nr] Name Type Address Off Size ...
SECTION_LINE = r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)"


def data_symbol(library: Path) -> tuple[str, int, int]:
    """The common data's symbol name, file offset and size (``nm`` and ``readelf``)."""
    symbols = subprocess.run(
        ["nm", "-D", "-S", "--defined-only", str(library)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.search(r"^([0-9a-f]+) ([0-9a-f]+) R (icudt\d+_dat)$", symbols, re.MULTILINE)
    if found is None:
        raise SystemExit(f"{library}: no icudt*_dat symbol:\n{symbols}")
    address, size, name = int(found.group(1), 16), int(found.group(2), 16), found.group(3)
    sections = subprocess.run(
        ["readelf", "-S", "-W", str(library)], capture_output=True, text=True, check=True
    ).stdout
    for line in sections.splitlines():
        fields = re.match(SECTION_LINE, line)
        if fields:
            start, offset, length = (int(fields.group(i), 16) for i in (2, 3, 4))
            if start <= address and address + size <= start + length:
                return name, address - start + offset, size
    raise SystemExit(f"{library}: no section holds {name}")


def build(source: Path, out_dir: Path) -> Path:
    """Write ``out_dir/<soname>`` from ``source``; returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    symbol, offset, size = data_symbol(source)
    entry = symbol.removesuffix("_dat")  # icudt73
    package = f"{entry}l"  # little-endian ASCII: the name inside the data and the TOC prefix
    full = out_dir / "full" / f"{package}.dat"
    full.parent.mkdir(exist_ok=True)
    with source.open("rb") as file:
        file.seek(offset)
        full.write_bytes(file.read(size))
    listing = subprocess.run(
        ["icupkg", "-l", str(full)], capture_output=True, text=True, check=True
    ).stdout.split()
    removed = [item for item in listing if not kept(item, package)]
    if len(removed) == len(listing):
        raise SystemExit(f"{source}: the filter keeps nothing of {len(listing)} items")
    (out_dir / "removed.txt").write_text("\n".join(removed) + "\n", encoding="utf-8")
    (out_dir / "kept.txt").write_text(
        "\n".join(sorted(set(listing) - set(removed))) + "\n", encoding="utf-8"
    )
    small = out_dir / f"{package}.dat"
    small.unlink(missing_ok=True)
    subprocess.run(
        ["icupkg", "-r", str(out_dir / "removed.txt"), str(full), str(small)],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["genccode", "-a", "gcc", "-e", entry, "-d", str(out_dir), str(small)],
        check=True,
        capture_output=True,
    )
    assembly = out_dir / f"{package}_dat.S"
    soname = source.name  # libicudata.so.73
    library = out_dir / soname
    subprocess.run(
        [
            "gcc", "-shared", "-nostdlib", "-Wl,-z,noexecstack", f"-Wl,-soname,{soname}",
            "-o", str(library), str(assembly),
        ],
        check=True,
    )  # fmt: skip
    subprocess.run(["strip", "--strip-unneeded", str(library)], check=True)
    if data_symbol(library)[0] != symbol:
        raise SystemExit(f"{library}: lost the {symbol} symbol")
    return library


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="PySide6's Qt/lib/libicudata.so.NN")
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args(argv)
    library = build(args.source, args.out_dir)
    kept_count = len((args.out_dir / "kept.txt").read_text().split())
    print(
        f"{library}: {library.stat().st_size / 1e6:.1f} MB "
        f"({kept_count} data items; {args.source.stat().st_size / 1e6:.1f} MB before)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
