"""Type: the CJK font the sheets print with, and text measures in em and points.

Chinese text uses a CJK font (Debian ``fonts-droid-fallback``) behind DejaVu
Sans for Latin.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib import font_manager

from ..errors import InputError

__all__ = ["PT_MM", "cjk_font", "fitting_size", "floor_sizes", "fmt_int", "text_em"]

_CJK_CANDIDATES = (
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
PT_MM = 25.4 / 72.0  # one point in millimetres


def cjk_font() -> str:
    """Register and return the family name of an installed CJK font.

    Raises
    ------
    InputError
        No CJK font is installed (the project's install script installs one).
    """
    for path in _CJK_CANDIDATES:
        if Path(path).exists():
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
    for f in font_manager.fontManager.ttflist:
        if any(k in f.name for k in ("CJK", "WenQuanYi", "Droid Sans Fallback", "Noto Sans SC")):
            return f.name
    raise InputError("no CJK font found: install one, e.g. `apt-get install fonts-droid-fallback`")


def text_em(text: str) -> float:
    """Width of one line of text in em (CJK glyphs are one em, the rest at most about 0.64)."""
    return sum(1.0 if ord(ch) >= 0x2E80 else 0.64 for ch in text)


def fitting_size(text: str, size: float, width_mm: float) -> float:
    """``size`` (pt), or smaller so one line of ``text`` fits ``width_mm`` (a long area name in a title)."""
    return min(size, width_mm / max(text_em(text) * PT_MM, 1e-9))


def fmt_int(v: float) -> str:
    """A count rounded, with thousands separators."""
    return f"{round(float(v)):,}"


def floor_sizes(sizes: tuple[float, ...], least: float) -> tuple[float, ...]:
    """Sizes no smaller than ``least`` points (small sheets), without repeats."""
    out: list[float] = []
    for size in sizes:
        size = max(size, least)
        if not out or abs(out[-1] - size) > 1e-6:
            out.append(size)
    return tuple(out)
