"""Type: the CJK font the sheets print with, and text measures in em and points.

Chinese text uses a CJK font (Debian ``fonts-droid-fallback``) behind DejaVu
Sans for Latin; a name in another script (Tibetan, Uyghur, Mongolian, Korean, …)
takes an installed font that draws it (:func:`sheet_fonts`).
"""

from __future__ import annotations

import unicodedata
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text

from ..errors import GridkitWarning, InputError

__all__ = ["PT_MM", "MissingGlyphs", "cjk_font", "fitting_size", "floor_sizes", "fmt_int", "glyph_check", "sheet_fonts",
           "text_em", "undrawable"]

_CJK_CANDIDATES = (
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
#: Families with Chinese glyphs an office's computer may have where those files are not (QGIS on Windows or
#: macOS, another Linux), best first.
_CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB",
                 "DengXian", "SimHei", "WenQuanYi Zen Hei", "Droid Sans Fallback", "Noto Sans SC", "SimSun")
#: Characters every sheet prints: a font drawing them all serves for Chinese when no family above is installed.
_CJK_PROBE = "网格社区街道户图例"
PT_MM = 25.4 / 72.0  # one point in millimetres


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """Register and return the family name of an installed CJK font.

    Debian's (the install script's) by its file; else a known Chinese family of Windows, macOS or another
    Linux; else any installed family that draws the characters every sheet prints.

    Raises
    ------
    InputError
        No CJK font is installed (the project's install script installs one).
    """
    for path in _CJK_CANDIDATES:
        if Path(path).exists():
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
    listed = {f.name for f in font_manager.fontManager.ttflist}
    for family in _CJK_FAMILIES:
        if family in listed:
            return family
    probe = {ord(ch) for ch in _CJK_PROBE}
    for family in sorted(listed):
        if probe <= _charmap(family):
            return family
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


class MissingGlyphs(GridkitWarning):
    """Text on a sheet has characters no font of the sheet draws: they print as empty boxes."""


@lru_cache(maxsize=None)
def _charmap(family: str) -> frozenset[int]:
    """The code points the installed font of ``family`` has glyphs for (none when it is not installed)."""
    try:
        path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    except ValueError:
        return frozenset()
    return frozenset(FT2Font(path).get_charmap())


def undrawable(texts: Iterable[str], families: Iterable[str]) -> str:
    """The characters of ``texts`` that none of the fonts ``families`` has, in order of first use
    (spaces and control characters aside: they draw nothing).

    Examples
    --------
    >>> undrawable(["Main St", "Main St"], ["DejaVu Sans"])
    ''
    """
    covered = frozenset().union(*(_charmap(f) for f in families))
    seen = dict.fromkeys(ch for text in texts for ch in text
                         if ord(ch) not in covered and not ch.isspace() and unicodedata.category(ch)[0] != "C")
    return "".join(seen)


def sheet_fonts(texts: Iterable[str]) -> list[str]:
    """The font families a sheet prints ``texts`` with, in the order matplotlib falls back through them.

    DejaVu Sans and the CJK font (:func:`cjk_font`) first; then, for characters neither draws (a Tibetan,
    Uyghur, Mongolian or Korean road name), installed families that draw them (Debian's ``fonts-noto-core``
    has one per script), in name order, each only if it draws a character the ones before it do not.
    Characters no installed font draws are left to :func:`glyph_check` to name.

    Examples
    --------
    >>> sheet_fonts(["北京东路", "Main St"])[0]
    'DejaVu Sans'
    """
    families = ["DejaVu Sans", cjk_font()]
    missing = {ord(ch) for ch in undrawable(texts, families)}
    for rescan in (False, True):
        if not missing or (rescan and not _register_installed()):
            break
        # Families with an upright regular face: matplotlib finds those without a word (no weight substituted).
        upright = {f.name for f in font_manager.fontManager.ttflist if f.weight in (400, "normal", "regular")
                   and f.style == "normal" and f.stretch == "normal"}
        for family in sorted(upright - set(families)):
            drawn = missing & _charmap(family)
            if drawn:
                families.append(family)
                missing -= drawn
                if not missing:
                    break
    return families


@lru_cache(maxsize=1)
def _register_installed() -> int:
    """Register the font files installed since matplotlib built its font list, and return how many.

    matplotlib lists the system's fonts once, into a cache it never rebuilds: a font installed after that
    (as :class:`MissingGlyphs` advises) would stay unseen in every later run. Once per process, and only when
    a sheet has characters no listed font draws.
    """
    known = {f.fname for f in font_manager.fontManager.ttflist}
    added = 0
    for path in font_manager.findSystemFonts():
        if path not in known:
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # a broken or unsupported font file: not ours to mend
                continue
            added += 1
    return added


@contextmanager
def glyph_check(families: list[str]) -> Iterator[Callable[[Figure], None]]:
    """Draw sheets inside: matplotlib's warning for each glyph a font lacks (one per character and
    drawing, dozens for one road name in Devanagari or Hangul) is held back; the figures passed to the
    yielded function are read for text no font of ``families`` draws, and one :class:`MissingGlyphs`
    warning names those characters at the end."""
    missing: list[str] = []
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font", category=UserWarning)
        yield lambda fig: missing.append(undrawable((t.get_text() for t in fig.findobj(Text)), families))
    chars = "".join(dict.fromkeys("".join(missing)))
    if chars:
        scripts = ", ".join(dict.fromkeys(unicodedata.name(ch, "?").split()[0] for ch in chars))
        warnings.warn(MissingGlyphs(
            f"{len(chars)} characters in names on the map ({scripts}: {chars[:12]}{'…' if len(chars) > 12 else ''}) are "
            "in no installed font and print as empty boxes: install a font that has them (e.g. Debian's "
            "fonts-noto-core) or edit those names"), stacklevel=3)
