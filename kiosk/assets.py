"""Where bundled files live, from source and inside a PyInstaller build."""

from __future__ import annotations

import sys
from pathlib import Path


def assets_dir() -> Path:
    """``assets/`` beside the package, or inside the one-folder build (``sys._MEIPASS``)."""
    bundle_root = getattr(sys, "_MEIPASS", None)
    if bundle_root is not None:
        return Path(bundle_root) / "assets"
    return Path(__file__).resolve().parent.parent / "assets"


def cjk_font_path() -> Path:
    """The open-licence Simplified Chinese font that screens, previews and raster lines use."""
    return assets_dir() / "fonts" / "NotoSansCJKsc-Regular.otf"


def translations_dir() -> Path:
    bundle_root = getattr(sys, "_MEIPASS", None)
    if bundle_root is not None:
        return Path(bundle_root) / "translations"
    return Path(__file__).resolve().parent.parent / "translations"
