"""Grid division maps (网格划分示意图): coloured grids, roads by class, labels,
title, legend, scale bar and north arrow.

Neighbouring grids never share a colour (a greedy colouring of the grid
adjacency graph). Labels that would collide are shrunk, then reduced to the
grid's serial, never drawn over each other.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.patches import FancyArrow, Rectangle  # noqa: E402

from .blocks import shared_edges  # noqa: E402
from .errors import InputError  # noqa: E402
from .io.write import atomic_path  # noqa: E402

__all__ = ["grid_colours", "draw_plan_map", "cjk_font"]

#: Soft fill colours, distinct side by side and readable under black text.
PALETTE = ("#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5",
           "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f")
_ROAD_STYLE = {  # class -> (line width in points, colour)
    "motorway": (3.2, "#b03a2e"), "trunk": (3.0, "#c0392b"), "primary": (2.6, "#d35400"),
    "secondary": (2.0, "#e67e22"), "tertiary": (1.5, "#7f8c8d"), "residential": (0.9, "#95a5a6"),
    "unclassified": (0.9, "#95a5a6"), "service": (0.5, "#bdc3c7"),
}
_NAMED_CLASSES = ("motorway", "trunk", "primary", "secondary")
_CJK_CANDIDATES = (
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)


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


def grid_colours(geoms: np.ndarray) -> np.ndarray:
    """A colour index per grid such that grids sharing an edge differ.

    Uses networkx's greedy colouring (largest first), which needs at most
    (max degree + 1) colours; the palette is extended when a map needs more.
    """
    graph = nx.Graph()
    graph.add_nodes_from(range(len(geoms)))
    left, right, _ = shared_edges(geoms)
    graph.add_edges_from(zip(left.tolist(), right.tolist(), strict=True))
    colouring = nx.greedy_color(graph, strategy="largest_first")
    return np.array([colouring[i] for i in range(len(geoms))], dtype=int)


def _colour(i: int) -> str:
    if i < len(PALETTE):
        return PALETTE[i]
    return matplotlib.colors.to_hex(plt.get_cmap("tab20")(i % 20))


def _draw_polys(ax, geoms, facecolors, edgecolor, linewidth, zorder) -> None:  # noqa: ANN001
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MPath

    patches = []
    for g in geoms:
        for poly in shapely.get_parts(g):
            rings = [poly.exterior, *poly.interiors]
            verts = np.concatenate([np.asarray(r.coords) for r in rings])
            codes = np.concatenate([[MPath.MOVETO] + [MPath.LINETO] * (len(r.coords) - 2) + [MPath.CLOSEPOLY]
                                    for r in rings])
            patches.append(PathPatch(MPath(verts, codes)))
    coll = PatchCollection(patches, facecolor=facecolors, edgecolor=edgecolor, linewidth=linewidth, zorder=zorder)
    ax.add_collection(coll)


def _expand_colours(geoms: np.ndarray, colours: list[str]) -> list[str]:
    """One colour per polygon part (PatchCollection draws parts separately)."""
    out = []
    for g, c in zip(geoms, colours, strict=True):
        out += [c] * len(shapely.get_parts(g))
    return out


def _scale_bar(ax, extent: tuple[float, float, float, float], font: list[str]) -> None:  # noqa: ANN001
    minx, miny, maxx, maxy = extent
    span = (maxx - minx) / 5
    nice = 10 ** np.floor(np.log10(span))
    length = max(n * nice for n in (1, 2, 5) if n * nice <= span)
    x0, y0 = minx + (maxx - minx) * 0.04, miny + (maxy - miny) * 0.04
    h = (maxy - miny) * 0.008
    ax.add_patch(Rectangle((x0, y0), length / 2, h, facecolor="black", zorder=20))
    ax.add_patch(Rectangle((x0 + length / 2, y0), length / 2, h, facecolor="white", edgecolor="black", zorder=20))
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(x0 + length / 2, y0 + 2.5 * h, label, ha="center", va="bottom", fontsize=8, family=font, zorder=20)


def _north_arrow(ax, extent: tuple[float, float, float, float], font: list[str]) -> None:  # noqa: ANN001
    minx, miny, maxx, maxy = extent
    x, y = maxx - (maxx - minx) * 0.05, maxy - (maxy - miny) * 0.12
    length = (maxy - miny) * 0.06
    ax.add_patch(FancyArrow(x, y, 0, length, width=length * 0.12, head_width=length * 0.35,
                            head_length=length * 0.35, color="black", zorder=20, length_includes_head=True))
    ax.text(x, y + length * 1.1, "N 北", ha="center", va="bottom", fontsize=9, family=font, zorder=20)


def _place_labels(ax, fig, geoms: np.ndarray, texts: list[str], short: list[str], font: list[str]) -> int:  # noqa: ANN001
    """Draw labels largest grid first; shrink or shorten to avoid collisions. Returns labels drawn."""
    renderer = fig.canvas.get_renderer()
    placed: list = []
    drawn = 0
    pts = shapely.point_on_surface(geoms)
    order = np.argsort(-shapely.area(geoms))
    for i in order:
        x, y = shapely.get_x(pts[i]), shapely.get_y(pts[i])
        for text, size in ((texts[i], 7.0), (texts[i], 5.5), (texts[i], 4.5), (short[i], 5.0), (short[i], 4.0)):
            t = ax.text(x, y, text, ha="center", va="center", fontsize=size, family=font, zorder=15,
                        linespacing=1.1)
            box = t.get_window_extent(renderer=renderer).expanded(1.05, 1.1)
            if not any(box.overlaps(b) for b in placed):
                placed.append(box)
                drawn += 1
                break
            t.remove()
    return drawn


def draw_plan_map(plan, path: str | Path, *, title: str | None = None, dpi: int = 200,  # noqa: ANN001
                  paper: tuple[float, float] = (16.54, 11.69)) -> Path:
    """Draw a plan's grid division map to PNG, PDF or SVG (written atomically).

    Parameters
    ----------
    plan : Plan
    path : str or Path
    title : str, optional
        Default: the area's name and "网格划分示意图".
    dpi : int
    paper : (width, height) in inches; default A3 landscape.

    Returns
    -------
    Path
    """
    path = Path(path)
    if path.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise InputError(f"{path}: map output must end in .png, .pdf or .svg")
    # Latin glyphs from DejaVu, Chinese from the CJK font (matplotlib falls back per glyph).
    font = ["DejaVu Sans", cjk_font()]
    plt.rcParams["pdf.fonttype"] = 42
    plt.rcParams["svg.fonttype"] = "none"
    grids = plan.grids
    geoms = grids.geometry.values.to_numpy()
    colours = [_colour(c) for c in grid_colours(geoms)]
    fig, ax = plt.subplots(figsize=paper)
    _draw_polys(ax, geoms, _expand_colours(geoms, colours), "#333333", 0.8, 2)
    roads = plan.roads
    if len(roads):
        for cls, (width, colour) in _ROAD_STYLE.items():
            sel = roads[roads["highway"].str.removesuffix("_link") == cls]
            for line in sel.geometry.values:
                xy = shapely.get_coordinates(line)
                ax.plot(xy[:, 0], xy[:, 1], color=colour, linewidth=width, zorder=5, solid_capstyle="round")
    if len(plan.barriers):
        for line in plan.barriers.geometry.values:
            xy = shapely.get_coordinates(line)
            ax.plot(xy[:, 0], xy[:, 1], color="#2e86c1", linewidth=2.5, zorder=6)
    area = shapely.union_all(plan.area.geometry.values.to_numpy())
    _draw_polys(ax, [area], ["none"], "black", 2.0, 8)
    minx, miny, maxx, maxy = area.bounds
    padx, pady = (maxx - minx) * 0.03, (maxy - miny) * 0.03
    ax.set_xlim(minx - padx, maxx + padx)
    ax.set_ylim(miny - pady, maxy + pady)
    ax.set_aspect("equal")
    ax.set_axis_off()
    extent = (minx - padx, miny - pady, maxx + padx, maxy + pady)
    _road_names(ax, roads, font)
    texts = [f"{r.name}\n{r.code}\n{int(r.households)}户" for r in grids.itertuples()]
    short = [str(r.code)[-3:] for r in grids.itertuples()]
    fig.canvas.draw()
    _place_labels(ax, fig, geoms, texts, short, font)
    _scale_bar(ax, extent, font)
    _north_arrow(ax, extent, font)
    name = plan.run_value("area_name") or Path(plan.run_value("input", "area")).stem
    ax.set_title(title or f"{name} 网格划分示意图", fontsize=16, family=font)
    created = plan.run_value("created", "")[:10] or dt.date.today().isoformat()
    footer = (f"{len(grids)} 个网格 · {int(grids['households'].sum())} 户 · 坐标系 {plan.run_value('crs_name')} · "
              f"数据来源: © OpenStreetMap contributors (ODbL) · gridkit {plan.run_value('gridkit_version')} · {created}")
    fig.text(0.5, 0.02, footer, ha="center", fontsize=8, family=font)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format=path.suffix.lstrip(".").lower())
    plt.close(fig)
    return path


def _road_names(ax, roads, font: list[str]) -> None:  # noqa: ANN001
    """Name each major road once, along its longest piece."""
    if len(roads) == 0 or "name" not in roads:
        return
    major = roads[roads["highway"].str.removesuffix("_link").isin(_NAMED_CLASSES) & (roads["name"].astype(str) != "")]
    if len(major) == 0:
        return
    lengths = shapely.length(major.geometry.values)
    major = major.assign(_len=lengths).sort_values("_len", ascending=False).drop_duplicates("name")
    for row in major.itertuples():
        line = row.geometry
        mid = line.interpolate(0.5, normalized=True)
        a = line.interpolate(max(0.0, 0.5 - 0.05), normalized=True)
        b = line.interpolate(min(1.0, 0.5 + 0.05), normalized=True)
        angle = np.degrees(np.arctan2(b.y - a.y, b.x - a.x))
        angle = angle - 180 if angle > 90 else angle + 180 if angle < -90 else angle
        ax.text(mid.x, mid.y, str(row.name), rotation=angle, rotation_mode="anchor", ha="center", va="center",
                fontsize=6, family=font, color="#6e2c00", zorder=12,
                bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.7})
