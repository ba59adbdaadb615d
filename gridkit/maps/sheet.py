"""One sheet: the street office's or one community's map, title, panel and footer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..errors import InputError
from .colour import COMMUNITY_EDGE, CONTEXT_FILL, GRID_EDGE, ROAD_CLASSES, STREET_EDGE
from .data import MapData, map_data
from .draw import draw_lines, fill_polygons, rims
from .labels import Placer, label_areas, label_grids, label_roads
from .layout import Layout, padded, paper_size
from .panel import choose_layout, draw_panel, panel_content
from .text import fitting_size, fmt_int

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

    from ..plan import Plan

__all__ = ["RC", "sheet_figure"]

#: Settings every drawing and saving runs under (inside ``matplotlib.rc_context``, never set globally):
#: fonts embedded in PDFs as TrueType and kept as text in SVGs, so the text can be searched and copied.
RC: dict[RcKeyType, Any] = {"pdf.fonttype": 42, "svg.fonttype": "none"}

LAYOUT_DPI = 72.0  # figures are laid out at 72 dpi, so one pixel is one point


def _sheet_selection(data: MapData, community: str | None) -> np.ndarray:
    if community is None:
        return np.arange(len(data.grids))
    return np.flatnonzero((data.grids["community_code"] == community).to_numpy())


def sheet_figure(plan: Plan, community: str | None = None, *, paper: str | tuple[float, float] = "A3",
                 roster: pd.DataFrame | None = None, source: str | None = None, title: str | None = None,
                 page: tuple[int, int | None] | None = None, _data: MapData | None = None) -> Figure:
    """Draw one sheet: the street office (``community=None``) or one community, by code.

    The figure is not attached to pyplot (no backend is touched); save it under
    ``matplotlib.rc_context(RC)`` so PDF and SVG text stays searchable, as
    :func:`~gridkit.maps.draw_map` does.

    Parameters
    ----------
    plan : Plan
    community : str, optional
        A community code (see :func:`~gridkit.plan_units.find_community` to resolve names).
    paper : str or (width, height) in inches
        ``"A0"`` .. ``"A4"``; turned to suit the area's shape.
    roster : DataFrame, optional
        From :func:`gridkit.roster.load_roster`.
    source : str, optional
        The data source line (default: :func:`gridkit.maps.data.default_source`).
    title : str, optional
    page : (number, count), optional
        Printed in the footer of multi-page PDFs.

    Returns
    -------
    matplotlib.figure.Figure
        Laid out at 72 dpi, sized to the sheet.
    """
    data = _data or map_data(plan, roster, source)
    sel = _sheet_selection(data, community)
    if community is not None and len(sel) == 0:
        raise InputError(f"community '{community}' has no grids in this plan")
    with rc_context(RC):
        return _draw_sheet(data, community, sel, paper, title, page)


def _draw_sheet(data: MapData, community: str | None, sel: np.ndarray, paper: str | tuple[float, float],
                title: str | None, page: tuple[int, int | None] | None) -> Figure:
    if community is None:
        bounds = padded(data.area.bounds, 0.03, 20.0)
    else:
        comm_row = data.communities[data.communities["code"] == community].iloc[0]
        geom = comm_row.geometry if comm_row.geometry is not None else shapely.union_all(data.geoms[sel])
        bounds = padded(geom.bounds, 0.06, 30.0)
    view = shapely.box(*bounds)
    others = np.setdiff1d(np.arange(len(data.grids)), sel)
    others = others[shapely.intersects(data.geoms[others], view)] if len(others) else others
    legend_entries, stats, tables = panel_content(data, community, sel, len(others) > 0)
    layout, panel_plan = choose_layout(paper, bounds, legend_entries, stats, tables)
    fig = Figure(figsize=(layout.width / 25.4, layout.height / 25.4), dpi=LAYOUT_DPI)
    FigureCanvasAgg(fig)
    fig.patch.set_facecolor("white")
    mx, my, mw, mh = layout.map_rect
    ax = fig.add_axes((mx / layout.width, my / layout.height, mw / layout.width, mh / layout.height))
    minx, miny, maxx, maxy = bounds
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.8)
        spine.set_color("#333333")
    _draw_features(ax, data, sel, others, community, layout.f)
    fig.canvas.draw()  # fixes the axes' pixel box, which label placement measures in
    counts, placed = _draw_labels(fig, ax, data, sel, community, view, layout.f)
    # For tests and timing reports: how many labels of each kind, and what each grid's label says.
    fig._gridkit_label_counts = counts  # type: ignore[attr-defined]
    fig._gridkit_labels = placed  # type: ignore[attr-defined]
    _draw_titles(fig, layout, data, sel, community, title, page)
    draw_panel(fig, layout, data, panel_plan, tables, legend_entries, stats, paper_size(paper)[2])
    return fig


def _draw_features(ax: Axes, data: MapData, sel: np.ndarray, others: np.ndarray, community: str | None,
                   f: float) -> None:
    """Grids (the sheet's in colour, other communities' in grey), roads, barriers and the edges."""
    if len(others):
        fill_polygons(ax, data.geoms[others], [CONTEXT_FILL] * len(others), 1)
        draw_lines(ax, shapely.boundary(data.geoms[others]), 0.4 * f, "#b5b5b5", 1.5)
    fill_polygons(ax, data.geoms[sel], [data.colours[i] for i in sel], 2)
    for row, lines in data.roads:
        draw_lines(ax, lines, row[3] * f, row[4], 4 + 0.01 * ROAD_CLASSES.index(row), dashed=row[5])
    for key, _, lines in data.barriers:
        draw_lines(ax, lines, 1.6 * f, "#3498db" if key in ("waterway", "coastline") else "#555555", 4.5,
                   dashed=key == "railway")
    draw_lines(ax, shapely.boundary(data.geoms[sel]), 0.7 * f, GRID_EDGE, 6)
    comm_geoms = data.communities.geometry.values.to_numpy()
    if community is None:
        draw_lines(ax, rims(comm_geoms), 2.2 * f, COMMUNITY_EDGE, 7, alpha=0.9)
    else:
        own = (data.communities["code"] == community).to_numpy()
        draw_lines(ax, rims(comm_geoms[~own]), 1.2 * f, COMMUNITY_EDGE, 7, alpha=0.45)
        draw_lines(ax, rims(comm_geoms[own]), 2.2 * f, COMMUNITY_EDGE, 7.5, alpha=0.9)
    outer = [shapely.Polygon(p.exterior) for p in shapely.get_parts(data.area) if shapely.get_type_id(p) == 3]
    holes = [shapely.LinearRing(r) for p in shapely.get_parts(data.area) if shapely.get_type_id(p) == 3
             for r in p.interiors]
    draw_lines(ax, shapely.boundary(outer), 2.6 * f, STREET_EDGE, 8)
    if holes:  # pieces left out of the area: outlined, not as heavy as the edge
        draw_lines(ax, holes, 0.9 * f, STREET_EDGE, 8)


def _draw_labels(fig: Figure, ax: Axes, data: MapData, sel: np.ndarray, community: str | None,
                 view: shapely.Geometry, f: float) -> tuple[dict[str, int], dict[str, str]]:
    """Communities' names (street sheet), grids, neighbours' names, then roads; see :func:`label_grids`."""
    placer = Placer(fig, ax, data.font)
    comm_geoms = data.communities.geometry.values.to_numpy()
    major = [(row, lines) for row, lines in data.roads if row[0] in ("motorway", "trunk", "primary", "secondary")]
    if major:
        placer.keep_off(np.concatenate([lines for _, lines in major]), max(row[3] for row, _ in major) * f)
    placer.keep_off(rims(comm_geoms), 2.2 * f)
    placer.keep_off(np.array([shapely.boundary(data.area)]), 2.6 * f)
    if community is None and len(data.communities) > 1:
        label_areas(ax, placer, comm_geoms, list(data.communities["name"]), (13 * f, 11 * f, 9 * f, 7.5 * f),
                    COMMUNITY_EDGE)
    labelled = label_grids(ax, placer, data, sel, f, large=community is not None)
    if community is not None:
        near = data.communities[(data.communities["code"] != community)]
        geoms = [shapely.intersection(g, view) if g is not None else None for g in near.geometry.values]
        label_areas(ax, placer, geoms, list(near["name"]), (10 * f, 8 * f), "#7f7f7f", inside=0.98)
    label_roads(ax, placer, data, view, f, 1.0 if community is None else 1.25)
    return labelled


def _draw_titles(fig: Figure, layout: Layout, data: MapData, sel: np.ndarray, community: str | None,
                 title: str | None, page: tuple[int, int | None] | None) -> None:
    """Title and subtitle above the map, the footer (sources, CRS, dates) and the page number below."""
    f = layout.f
    if community is None:
        heading = title or f"{data.name} 网格划分图"
        sub = f"街道全图 · {len(data.communities)} 个社区 · {len(sel)} 个网格 · " \
              f"{fmt_int(data.grids['households'].sum())} 户"
    else:
        comm_name = data.communities.loc[data.communities["code"] == community, "name"].iloc[0]
        heading = title or f"{data.name} {comm_name} 网格划分图"
        sub = f"社区编码 {community} · {len(sel)} 个网格 · {fmt_int(data.grids['households'].iloc[sel].sum())} 户"
    top = layout.height - 8 * f
    fig.text(0.5, (top - 7 * f) / layout.height, heading, ha="center", va="baseline",
             fontsize=fitting_size(heading, 19 * f, layout.width - 16 * f), family=data.font)
    fig.text(0.5, (top - 13.5 * f) / layout.height, sub, ha="center", va="baseline", fontsize=8.5 * f,
             family=data.font, color="#333333")
    plan = data.plan
    created = plan.run_value("created", "")[:10] or "—"
    input_name = Path(plan.run_value("input", "")).name or "—"
    sources = "，".join(s for s in (input_name, data.source) if s)
    footer = (f"数据来源：{sources} · 坐标系 {plan.run_value('crs_name') or plan.run_value('crs')}"
              f" · 方案生成 {created} · 制图 {dt.date.today().isoformat()} · gridkit "
              f"{plan.run_value('gridkit_version')} · 本图为网格划分示意图，不作为权属界线依据")
    fig.text(8 * f / layout.width, 5 * f / layout.height, footer, ha="left", va="baseline", fontsize=6 * f,
             family=data.font, color="#333333")
    if page is not None:
        number = f"第 {page[0]} / {page[1]} 页" if page[1] else f"第 {page[0]} 页"
        fig.text(1 - 8 * f / layout.width, 5 * f / layout.height, number, ha="right", va="baseline",
                 fontsize=6 * f, family=data.font, color="#333333")
