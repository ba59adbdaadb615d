"""Grid division maps (网格划分图): one wall-chart sheet for the street office and
one per community, as PNG, SVG or (multi-page) PDF.

Every sheet has the grids coloured so that no two neighbours share a colour
(:mod:`.colour`), community boundaries drawn heavier than grid boundaries,
roads by class with the names of the major ones along them, a label per grid
(name, code, households and, with a roster, the staff's name and phone) placed
without overlaps (:mod:`.labels`), a title, a legend, a scale bar with the
printed scale, a north arrow, the data source and dates, and a table of the
communities or grids (:mod:`.panel`, :mod:`.tables`), on an ISO A page laid out
to give the map the largest scale (:mod:`.layout`). :mod:`.sheet` draws one
sheet, :mod:`.output` writes files.

Drawing touches no global matplotlib state: figures are plain
:class:`matplotlib.figure.Figure` objects on an Agg canvas (pyplot and the
backend are never used), and the settings a sheet needs (TrueType fonts
embedded in PDFs so the text can be searched and copied) apply only inside
``matplotlib.rc_context``.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    # Debian's python3-matplotlib, seen through the venv's system site packages, brings an mpl_toolkits
    # that this matplotlib cannot load; maps need no 3D axes, so its warning at the first import of
    # matplotlib.figure is noise. catch_warnings restores the caller's filters afterwards.
    warnings.filterwarnings("ignore", message="Unable to import Axes3D", category=UserWarning)
    import matplotlib.figure  # noqa: F401

from .colour import PALETTE, ROAD_CLASSES, grid_colours, grid_fill_colours  # noqa: E402
from .layout import PAPERS_MM  # noqa: E402
from .output import draw_map, sheet_png  # noqa: E402
from .sheet import RC, sheet_figure  # noqa: E402
from .text import cjk_font  # noqa: E402

__all__ = [
    "PALETTE",
    "PAPERS_MM",
    "RC",
    "ROAD_CLASSES",
    "cjk_font",
    "draw_map",
    "grid_colours",
    "grid_fill_colours",
    "sheet_figure",
    "sheet_png",
]
