"""The embedded Japanese font: Noto Sans JP from the pip-installed justmytype-intl-cjk package.

The package ships a variable font whose default instance is Thin, and ReportLab embeds the default
instance, so a Regular (wght 400) instance is made once with fontTools and cached (≈12 s, 5.7 MB).
The font is registered with ReportLab once per process (per document it costs 7×, see
shared/notes/pdf-measurements.md). No Django here: worker processes use it directly.
"""

from __future__ import annotations

import fcntl
import functools
import os
from dataclasses import dataclass
from pathlib import Path

FONT_NAME = "NotoSansJP-Regular"
_INSTANCE_FILE = "NotoSansJP-Regular-wght400.ttf"


class FontError(RuntimeError):
    pass


def variable_font_path() -> Path:
    try:
        import justmytype_intl_cjk
    except ImportError as exc:  # pragma: no cover - install problem
        raise FontError("日本語フォント(justmytype-intl-cjk)がインストールされていません。") from exc
    path = Path(justmytype_intl_cjk.__file__).parent / "fonts" / "ofl" / "notosansjp" / "NotoSansJP[wght].ttf"
    if not path.exists():  # pragma: no cover - install problem
        raise FontError(f"日本語フォントが見つかりません: {path}")
    return path


def ensure_regular_font(cache_dir: Path) -> Path:
    """Path of the cached Regular instance; made on first use, safely across processes."""
    target = cache_dir / _INSTANCE_FILE
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / ".font.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():
            return target
        from fontTools.ttLib import TTFont as ToolsFont
        from fontTools.varLib import instancer

        font = instancer.instantiateVariableFont(ToolsFont(variable_font_path()), {"wght": 400}, updateFontNames=True)
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        font.save(tmp)
        os.replace(tmp, target)
    return target


@dataclass(frozen=True)
class RegisteredFont:
    name: str
    path: Path
    codepoints: frozenset[int]

    @functools.cached_property
    def characters(self) -> frozenset[str]:
        return frozenset(map(chr, self.codepoints))

    def missing(self, text: str) -> list[str]:
        """Characters of `text` the font cannot draw (they would print as boxes), in order."""
        if self.characters.issuperset(text):  # the common case, one set operation per sheet
            return []
        seen: list[str] = []
        for char in text:
            if ord(char) not in self.codepoints and not char.isspace() and char not in seen:
                seen.append(char)
        return seen


_registered: dict[Path, RegisteredFont] = {}


def _utf16_hex(codepoint: int) -> str:
    return chr(codepoint).encode("utf-16-be", "surrogatepass").hex().upper()


def _patch_to_unicode() -> None:
    """ReportLab writes ToUnicode entries above U+FFFF (𠮷) as bare hex, not UTF-16, so copy/paste and
    search give garbage; write a UTF-16 surrogate pair instead (same CMap otherwise)."""
    from reportlab.pdfbase import ttfonts

    original = ttfonts.makeToUnicodeCMap
    if getattr(original, "_tsunagu_patched", False):
        return

    def make_to_unicode_cmap(fontname: str, subset: list[int]) -> str:
        text: str = original(fontname, subset)
        for index, codepoint in enumerate(subset):
            if codepoint > 0xFFFF:
                text = text.replace(f"<{index:02X}> <{codepoint:04X}>", f"<{index:02X}> <{_utf16_hex(codepoint)}>")
        return text

    make_to_unicode_cmap._tsunagu_patched = True  # type: ignore[attr-defined]
    ttfonts.makeToUnicodeCMap = make_to_unicode_cmap


def register_font(cache_dir: Path) -> RegisteredFont:
    """Register the font with ReportLab once per process and return its glyph coverage."""
    path = ensure_regular_font(cache_dir)
    if path in _registered:
        return _registered[path]
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    _patch_to_unicode()
    font = TTFont(FONT_NAME, str(path))
    pdfmetrics.registerFont(font)
    info = RegisteredFont(FONT_NAME, path, frozenset(font.face.charToGlyph))
    _registered[path] = info
    return info


def describe_missing(chars: list[str]) -> str:
    return "、".join(f"「{c}」(U+{ord(c):04X})" for c in chars)
