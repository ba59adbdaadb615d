"""Files: sheets to PNG, SVG or multi-page PDF, written atomically."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from matplotlib import rc_context
from matplotlib.backends.backend_pdf import PdfPages

from ..errors import InputError
from ..io.write import MADE_BY, atomic_path
from ..plan_units import find_community
from .data import MapData, map_data
from .layout import paper_size
from .sheet import RC, sheet_figure
from .text import glyph_check

if TYPE_CHECKING:
    from ..plan import Plan

__all__ = ["draw_map", "sheet_png"]

MAX_PIXELS = 180e6  # largest PNG drawn, so a mistyped --dpi cannot exhaust memory


def _sheets(data: MapData, community: str | None, all_sheets: bool) -> list[str | None]:
    if all_sheets:
        return [None, *data.communities["code"].astype(str)]
    if community is not None:
        return [find_community(data.communities, community)]
    return [None]


def draw_map(plan: Plan, path: str | Path, *, community: str | None = None, all_sheets: bool = False,
             paper: str | tuple[float, float] = "A3", dpi: int = 200, roster: pd.DataFrame | None = None,
             source: str | None = None, title: str | None = None) -> Path:
    """Draw map sheets to a PNG, SVG or PDF file (written atomically).

    Parameters
    ----------
    plan : Plan
    path : str or Path
        ``.png``, ``.svg`` or ``.pdf``.
    community : str, optional
        One community's sheet (code, name or serial) instead of the street office's.
    all_sheets : bool
        The street office's sheet and every community's, as pages of one PDF.
    paper : str or (width, height) in inches
        ``"A0"`` .. ``"A4"`` (default A3), landscape or portrait to suit the area.
    dpi : int
        Pixels per inch of PNG output.
    roster : DataFrame, optional
        Staff per grid (:func:`gridkit.roster.load_roster`).
    source : str, optional
        Data source line.
    title : str, optional
        Title of a single sheet.

    Returns
    -------
    Path

    Raises
    ------
    InputError
        Bad suffix, ``all_sheets`` with a single-page format, both
        ``community`` and ``all_sheets``, unknown community or paper, or too
        many pixels.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "pdf", "svg"):
        raise InputError(f"{path}: map output must end in .png, .pdf or .svg")
    if all_sheets and community is not None:
        raise InputError("give either --community or --all, not both")
    if all_sheets and fmt != "pdf":
        raise InputError(f"{path}: --all writes one multi-page PDF; give an output ending in .pdf")
    if not 30 <= int(dpi) <= 1200:
        raise InputError(f"dpi {dpi} is out of range (30..1200)")
    short, long, _ = paper_size(paper)
    if fmt == "png" and short * long / 645.16 * dpi * dpi > MAX_PIXELS:
        raise InputError(f"{paper} at {dpi} dpi is {short * long / 645.16 * dpi * dpi / 1e6:.0f} million pixels; "
                         "use a lower --dpi or PDF")
    data = map_data(plan, roster, source)
    sheets = _sheets(data, community, all_sheets)
    meta = {"Title": f"{data.name} 网格划分图", "Creator": MADE_BY, "Subject": "网格划分图"}
    with atomic_path(path) as tmp, rc_context(RC), glyph_check(data.font) as check:
        if fmt == "pdf":
            with PdfPages(tmp, metadata=meta) as pdf:
                for n, sheet in enumerate(sheets, 1):
                    fig = sheet_figure(plan, sheet, paper=paper, title=title if len(sheets) == 1 else None,
                                       page=(n, len(sheets)) if len(sheets) > 1 else None, _data=data)
                    pdf.savefig(fig)
                    check(fig)
        else:
            fig = sheet_figure(plan, sheets[0], paper=paper, title=title, _data=data)
            # Named as the maker, so a later run knows the file is its own to replace (io.write.made_by_gridkit).
            made = {"Title": meta["Title"], "Software": MADE_BY} if fmt == "png" else {"Creator": MADE_BY}
            fig.savefig(tmp, dpi=dpi, format=fmt, metadata=made)
            check(fig)
    return path


def sheet_png(plan: Plan, community: str | None = None, *, paper: str = "A3", dpi: int = 110,
              roster: pd.DataFrame | None = None, source: str | None = None,
              _data: MapData | None = None) -> bytes:
    """One sheet as PNG bytes (for embedding in reports)."""
    data = _data or map_data(plan, roster, source)
    buf = io.BytesIO()
    with rc_context(RC), glyph_check(data.font) as check:
        fig = sheet_figure(plan, community, paper=paper, _data=data)
        fig.savefig(buf, dpi=dpi, format="png")
        check(fig)
    return buf.getvalue()
