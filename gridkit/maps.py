"""Grid division maps (网格划分图): one wall-chart sheet for the street office and
one per community, as PNG, SVG or (multi-page) PDF.

Every sheet has the grids coloured so that no two neighbours share a colour
(a greedy colouring of the grid adjacency graph), community boundaries drawn
heavier than grid boundaries, roads by class with the names of the major ones
along them, a label per grid (name, code, households and, with a roster, the
staff's name and phone), a title, a legend, a scale bar with the printed
scale, a north arrow, the data source and dates, and a table of the
communities or grids.

The page is an ISO A sheet (A0..A4) turned and split between map and side
panel so the map is as large as the area's shape allows. Labels never overlap:
each is measured, tried at a few spots inside its grid at falling sizes and
shorter texts, and drawn only where it collides with nothing; a grid whose
label fits nowhere inside gets its serial beside it on a leader line. The
legend, scale bar and arrow sit in the side panel, outside the map frame that
labels are confined to. Chinese text uses a CJK font (Debian
``fonts-droid-fallback``) behind DejaVu Sans for Latin, embedded in PDFs as
TrueType (``pdf.fonttype`` 42) so the text can be searched and copied.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
# Debian's python3-matplotlib, seen through the venv's system site packages, brings an mpl_toolkits
# that this matplotlib cannot load; maps need no 3D axes, so its warning is noise.
warnings.filterwarnings("ignore", message="Unable to import Axes3D", category=UserWarning)

import geopandas as gpd  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.collections import LineCollection, PatchCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import PathPatch, Rectangle  # noqa: E402
from matplotlib.patches import Polygon as MPolygon
from matplotlib.path import Path as MPath  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from shapely.ops import substring  # noqa: E402

from .blocks import shared_edges  # noqa: E402
from .errors import InputError  # noqa: E402
from .io.write import atomic_path  # noqa: E402

__all__ = [
    "PALETTE",
    "PAPERS_MM",
    "ROAD_CLASSES",
    "area_name",
    "cjk_font",
    "draw_map",
    "draw_plan_map",
    "find_community",
    "grid_colours",
    "grid_fill_colours",
    "plan_communities",
    "sheet_figure",
    "sheet_png",
]

#: Soft fill colours, distinct side by side and readable under black text.
PALETTE = ("#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5",
           "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f")
#: ISO 216 sheets, (short side, long side) in millimetres.
PAPERS_MM = {"A0": (841.0, 1189.0), "A1": (594.0, 841.0), "A2": (420.0, 594.0), "A3": (297.0, 420.0),
             "A4": (210.0, 297.0)}
#: Road classes drawn: (key, legend label, OSM highway values, line width pt, colour, dashed).
ROAD_CLASSES = (
    ("motorway", "高速公路", ("motorway",), 3.2, "#a93226", False),
    ("trunk", "快速路", ("trunk",), 3.0, "#c0392b", False),
    ("primary", "主干路", ("primary",), 2.6, "#d35400", False),
    ("secondary", "次干路", ("secondary",), 2.0, "#e67e22", False),
    ("tertiary", "支路", ("tertiary",), 1.4, "#7b7d7d", False),
    ("residential", "街坊路", ("residential", "living_street", "unclassified", "road"), 0.9, "#979a9a", False),
    ("pedestrian", "步行街", ("pedestrian",), 0.9, "#a569bd", True),
    ("service", "内部道路", ("service",), 0.5, "#b3b6b7", False),
)
#: Classes whose names are written along the road, most important first.
_NAMED_CLASSES = ("motorway", "trunk", "primary", "secondary", "tertiary")
_CJK_CANDIDATES = (
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
_COMMUNITY_EDGE = "#7d3c98"
_STREET_EDGE = "#111111"
_GRID_EDGE = "#4d4d4d"
_CONTEXT_FILL = "#ececec"
_ROAD_LABEL = "#6e2c00"
_PT_MM = 25.4 / 72.0  # one point in millimetres
_LAYOUT_DPI = 72.0  # figures are laid out at 72 dpi, so one pixel is one point
_MAX_PIXELS = 180e6
_MIN_LABEL_PT = 3.2  # smallest grid label
_MIN_TABLE_PT = 3.4  # smallest table text
_DEFAULT_SOURCE = "道路与建筑 © OpenStreetMap 贡献者 (ODbL)"


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
    left, right, _ = shared_edges(np.asarray(geoms))
    graph.add_edges_from(zip(left.tolist(), right.tolist(), strict=True))
    colouring = nx.greedy_color(graph, strategy="largest_first")
    return np.array([colouring[i] for i in range(len(geoms))], dtype=int)


def _colour(i: int) -> str:
    if i < len(PALETTE):
        return PALETTE[i]
    return matplotlib.colors.to_hex(plt.get_cmap("tab20")(i % 20))


def grid_fill_colours(plan) -> dict[str, str]:  # noqa: ANN001 - Plan
    """Grid code → the fill colour its map uses (the same on every sheet)."""
    geoms = plan.grids.geometry.values.to_numpy()
    return {str(code): _colour(int(c)) for code, c in zip(plan.grids["code"], grid_colours(geoms), strict=True)}


# --------------------------------------------------------------------------- plan helpers


def _serial_name(code: str, unit: str) -> str:
    tail = code[-3:]
    return f"第{int(tail)}{unit}" if tail.isdigit() else code


def _drop_crumbs(geom, least_m2: float = 200.0):  # noqa: ANN001, ANN202
    """A union of grids without the pinholes and specks that precision leaves between them."""
    parts = []
    for poly in shapely.get_parts(geom):
        if shapely.get_type_id(poly) != 3 or poly.area < least_m2:
            continue
        holes = [r for r in poly.interiors if shapely.Polygon(r).area >= least_m2]
        parts.append(shapely.Polygon(poly.exterior, holes))
    if not parts:
        return geom
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def plan_communities(plan) -> gpd.GeoDataFrame:  # noqa: ANN001 - Plan
    """The plan's communities: its ``communities`` layer, or the grids dissolved on ``community_code``.

    Returns
    -------
    GeoDataFrame
        ``code``, ``name``, ``households``, ``population``, ``buildings``,
        ``grids``, ``area_m2``, any further columns of the layer (staffing),
        and the community polygon; sorted by code.
    """
    grids = plan.grids
    cc = grids["community_code"].fillna("").astype(str)
    agg = pd.DataFrame({
        "households": grids["households"].groupby(cc).sum(),
        "population": grids["population"].groupby(cc).sum(),
        "buildings": grids["buildings"].groupby(cc).sum(),
        "grids": grids["code"].groupby(cc).size(),
        "area_m2": grids.geometry.area.groupby(cc).sum().round(1),
    })
    geoms = {code: _drop_crumbs(shapely.union_all(grids.geometry.values[(cc == code).to_numpy()].to_numpy()))
             for code in agg.index}
    layer = getattr(plan, "communities", None)
    if layer is not None and len(layer):
        out = pd.DataFrame(layer).copy()
        out["code"] = out["code"].fillna("").astype(str)
        for col in ("households", "population", "buildings", "grids", "area_m2"):
            if col not in out:
                out[col] = out["code"].map(agg[col]).fillna(0)
        if "name" not in out:
            out["name"] = [_serial_name(c, "社区") for c in out["code"]]
        geom = out["geometry"] if "geometry" in out else pd.Series([None] * len(out), index=out.index)
        missing = geom.isna() | geom.map(lambda g: g is None or g.is_empty)
        geom = geom.where(~missing, out["code"].map(geoms))
        out = gpd.GeoDataFrame(out.drop(columns=["geometry"], errors="ignore"), geometry=list(geom),
                               crs=grids.crs)
    else:
        out = gpd.GeoDataFrame({
            "code": agg.index.astype(str),
            "name": [_serial_name(c, "社区") for c in agg.index],
            **{col: agg[col].to_numpy() for col in agg.columns},
        }, geometry=[geoms[c] for c in agg.index], crs=grids.crs)
    out["name"] = out["name"].fillna("").astype(str)
    out.loc[out["name"] == "", "name"] = [_serial_name(c, "社区") for c in out.loc[out["name"] == "", "code"]]
    return out.sort_values("code").reset_index(drop=True)


def area_name(plan) -> str:  # noqa: ANN001 - Plan
    """The divided area's name: ``area_name`` in the run table, else the input file's name."""
    name = plan.run_value("area_name") or plan.run_value("street_name")
    if name:
        return name
    return Path(plan.run_value("input", "area") or "area").stem


def find_community(communities: gpd.GeoDataFrame, key: str) -> str:
    """The code of the community ``key`` names: a code, a name, or the 3-digit serial at the code's end.

    Raises
    ------
    InputError
        No such community (the message lists the plan's communities).
    """
    key = str(key).strip()
    codes = communities["code"].astype(str)
    hits = [codes == key, communities["name"].astype(str) == key]
    if key.isdigit():
        hits.append(codes.str.endswith(key.zfill(3)))
    for hit in hits:
        if hit.sum() == 1:
            return str(codes[hit].iloc[0])
    listing = ", ".join(f"{c} {n}" for c, n in zip(codes[:12], communities["name"][:12], strict=True))
    more = f" and {len(codes) - 12} more" if len(codes) > 12 else ""
    raise InputError(f"community '{key}' is not in this plan; its communities are: {listing}{more}")


# --------------------------------------------------------------------------- data shared by sheets


@dataclass
class _MapData:
    """What every sheet of one plan draws, computed once."""

    plan: object
    grids: gpd.GeoDataFrame
    geoms: np.ndarray
    colours: list[str]
    communities: gpd.GeoDataFrame
    area: object
    name: str
    roads: list[tuple[tuple, np.ndarray]]  # (class row, lines)
    barriers: list[tuple[str, str, np.ndarray]]  # (kind, label, lines)
    named_roads: list[tuple[str, str, object]]  # (name, class key, merged line)
    staff: dict[str, list[dict[str, str]]]
    font: list[str]
    source: str
    staffing_cols: list[str]


def _prepare(plan, roster: pd.DataFrame | None = None, source: str | None = None) -> _MapData:  # noqa: ANN001
    from .roster import staff_by_grid

    grids = plan.grids.reset_index(drop=True).copy()
    grids["code"] = grids["code"].astype(str)
    grids["name"] = grids["name"].fillna("").astype(str)
    grids["community_code"] = grids["community_code"].fillna("").astype(str)
    for col in ("households", "population", "buildings"):
        grids[col] = pd.to_numeric(grids[col], errors="coerce").fillna(0)
    grids["flags"] = grids["flags"].fillna("").astype(str) if "flags" in grids else ""
    geoms = grids.geometry.values.to_numpy()
    colours = [_colour(int(c)) for c in grid_colours(geoms)]
    area_geoms = plan.area.geometry.values.to_numpy() if len(plan.area) else geoms
    area = shapely.union_all(area_geoms)
    roads = plan.roads
    road_layers, named = [], []
    if len(roads) and "highway" in roads:
        cls_of = roads["highway"].fillna("").astype(str).str.removesuffix("_link")
        for row in ROAD_CLASSES:
            sel = cls_of.isin(row[2]).to_numpy()
            if sel.any():
                road_layers.append((row, roads.geometry.values[sel].to_numpy()))
        if "name" in roads:
            names = roads["name"].fillna("").astype(str).str.strip()
            rank = {k: i for i, k in enumerate(_NAMED_CLASSES)}
            frame = pd.DataFrame({"name": names, "cls": cls_of, "geom": roads.geometry.values})
            frame = frame[(frame["name"] != "") & frame["cls"].isin(_NAMED_CLASSES)]
            for name, part in frame.groupby("name", sort=False):
                best = min(part["cls"], key=lambda c: rank[c])
                merged = shapely.line_merge(shapely.union_all(part["geom"].to_numpy()))
                for line in shapely.get_parts(merged):
                    named.append((str(name), best, line))
            named.sort(key=lambda t: (rank[t[1]], -t[2].length))
    barrier_layers = []
    if len(plan.barriers):
        kind = plan.barriers["barrier_type"].fillna("").astype(str) if "barrier_type" in plan.barriers \
            else pd.Series([""] * len(plan.barriers))
        for key, label in (("waterway", "河流水系"), ("coastline", "岸线"), ("railway", "铁路")):
            sel = (kind == key).to_numpy()
            if sel.any():
                barrier_layers.append((key, label, plan.barriers.geometry.values[sel].to_numpy()))
        other = ~kind.isin(["waterway", "coastline", "railway"]).to_numpy()
        if other.any():
            barrier_layers.append(("other", "分隔障碍", plan.barriers.geometry.values[other].to_numpy()))
    staffing = [c for c in ("responsible_persons", "grid_managers_min", "grid_managers_max",
                            "harmony_promoters_min", "harmony_promoters_max") if c in grids]
    return _MapData(plan=plan, grids=grids, geoms=geoms, colours=colours, communities=plan_communities(plan),
                    area=area, name=area_name(plan), roads=road_layers, barriers=barrier_layers,
                    named_roads=named, staff=staff_by_grid(roster), font=["DejaVu Sans", cjk_font()],
                    source=source or _DEFAULT_SOURCE, staffing_cols=staffing)


# --------------------------------------------------------------------------- page layout


@dataclass
class _Layout:
    width: float  # page, mm
    height: float
    scale: float  # mm on paper per metre on the ground
    map_rect: tuple[float, float, float, float]  # x, y, w, h in mm from the bottom left
    panel_rect: tuple[float, float, float, float]
    extra_rect: tuple[float, float, float, float] | None  # the strip the map leaves beside or below itself
    side: str  # "right" or "bottom"
    f: float  # type size factor against A3
    extent: tuple[float, float, float, float]  # ground metres shown


def _paper(paper: str | tuple[float, float]) -> tuple[float, float, str]:
    if isinstance(paper, str):
        key = paper.strip().upper()
        if key not in PAPERS_MM:
            raise InputError(f"paper '{paper}' is not one of {', '.join(PAPERS_MM)}")
        short, long = PAPERS_MM[key]
        return short, long, key
    w, h = (float(v) * 25.4 for v in paper)
    return min(w, h), max(w, h), f"{w:.0f}x{h:.0f} mm"


def _layout_options(paper: str | tuple[float, float], bounds: tuple[float, float, float, float]) -> list[_Layout]:
    """Every way to lay the sheet out: landscape or portrait, panel right or below, map at full or
    reduced scale (to make room for the tables). Ordered by preference among equals."""
    short, long, _ = _paper(paper)
    f = (short * long / (297.0 * 420.0)) ** 0.4
    margin, title_h, foot_h, gap = 8 * f, 17 * f, 8 * f, 5 * f
    panel_w, panel_h = 78 * f, 62 * f
    minx, miny, maxx, maxy = bounds
    ew, eh = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    out = []
    for w, h, side in ((long, short, "right"), (short, long, "right"), (long, short, "bottom"),
                       (short, long, "bottom")):
        bx, by, bw, bh = margin, margin + foot_h, w - 2 * margin, h - 2 * margin - title_h - foot_h
        mw, mh = (bw - gap - panel_w, bh) if side == "right" else (bw, bh - gap - panel_h)
        full = min(mw / ew, mh / eh)
        for shrink in (1.0, 0.93, 0.86, 0.8):
            scale = full * shrink
            mw, mh = ew * scale, eh * scale
            map_rect = (bx, by + bh - mh, mw, mh)
            extra = None
            if side == "right":
                panel_rect = (bx + mw + gap, by, bw - mw - gap, bh)
                if bh - mh - gap >= 28 * f:
                    extra = (bx, by, mw, bh - mh - gap)
            else:
                panel_rect = (bx, by, bw, bh - mh - gap)
                if bw - mw - gap >= 45 * f:
                    extra = (bx + mw + gap, by + bh - mh, bw - mw - gap, mh)
                else:
                    map_rect = (bx + (bw - mw) / 2, by + bh - mh, mw, mh)
            out.append(_Layout(w, h, scale, map_rect, panel_rect, extra, side, f, (minx, miny, maxx, maxy)))
    return out


def _padded(bounds: tuple[float, float, float, float], share: float, least: float) -> tuple[float, ...]:
    minx, miny, maxx, maxy = bounds
    pad = max(max(maxx - minx, maxy - miny) * share, least)
    return (minx - pad, miny - pad, maxx + pad, maxy + pad)


# --------------------------------------------------------------------------- drawing primitives


def _poly_patches(geoms) -> list[PathPatch]:  # noqa: ANN001
    patches = []
    for g in geoms:
        if g is None or g.is_empty:
            continue
        for poly in shapely.get_parts(g):
            if shapely.get_type_id(poly) != 3:
                continue
            rings = [poly.exterior, *poly.interiors]
            verts = np.concatenate([np.asarray(r.coords)[:, :2] for r in rings])
            codes = np.concatenate([[MPath.MOVETO] + [MPath.LINETO] * (len(r.coords) - 2) + [MPath.CLOSEPOLY]
                                    for r in rings])
            patches.append(PathPatch(MPath(verts, codes)))
    return patches


def _expand_colours(geoms: np.ndarray, colours: list[str]) -> list[str]:
    """One colour per polygon part (PatchCollection draws parts separately)."""
    out = []
    for g, c in zip(geoms, colours, strict=True):
        out += [c] * sum(1 for p in shapely.get_parts(g) if shapely.get_type_id(p) == 3)
    return out


def _fill(ax, geoms, colours, zorder: float) -> None:  # noqa: ANN001
    coll = PatchCollection(_poly_patches(geoms), facecolor=_expand_colours(np.asarray(geoms), colours),
                           edgecolor="none", linewidth=0, zorder=zorder)
    ax.add_collection(coll)


def _segments(lines) -> list[np.ndarray]:  # noqa: ANN001
    out = []
    for g in lines:
        if g is None or g.is_empty:
            continue
        for part in shapely.get_parts(g):
            if shapely.get_type_id(part) in (3,):
                out += [np.asarray(r.coords)[:, :2] for r in (part.exterior, *part.interiors)]
            elif shapely.get_type_id(part) in (1, 2):
                out.append(np.asarray(part.coords)[:, :2])
    return out


def _rims(geoms) -> np.ndarray:  # noqa: ANN001
    """Outer rings of polygons: a community's holes are the area's holes or other communities' rims."""
    return np.array([shapely.LinearRing(p.exterior) for g in geoms if g is not None
                     for p in shapely.get_parts(g) if shapely.get_type_id(p) == 3], dtype=object)


def _lines(ax, lines, width: float, colour: str, zorder: float, dashed: bool = False,  # noqa: ANN001
           alpha: float = 1.0) -> None:
    coll = LineCollection(_segments(lines), colors=colour, linewidths=width, zorder=zorder, alpha=alpha,
                          capstyle="round", joinstyle="round", linestyles=(0, (3, 2)) if dashed else "solid")
    ax.add_collection(coll)


def _text_em(text: str) -> float:
    """Width of one line of text in em (CJK glyphs are one em, the rest at most about 0.64)."""
    return sum(1.0 if ord(ch) >= 0x2E80 else 0.64 for ch in text)


def _fmt_int(v: float) -> str:
    return f"{round(float(v)):,}"


# --------------------------------------------------------------------------- label placement


class _Placer:
    """Places texts on the map without overlaps, in display pixels (one pixel = one point)."""

    def __init__(self, fig: Figure, ax, font: list[str]) -> None:  # noqa: ANN001
        self.fig, self.ax, self.font = fig, ax, font
        self.renderer = fig.canvas.get_renderer()
        box = ax.get_window_extent(self.renderer)
        x0, x1 = ax.get_xlim()
        y0 = ax.get_ylim()[0]
        self.k = box.width / (x1 - x0)  # pixels per metre
        self.ox, self.oy = box.x0 - x0 * self.k, box.y0 - y0 * self.k
        inset = 2.0
        self.frame = shapely.box(box.x0 + inset, box.y0 + inset, box.x1 - inset, box.y1 - inset)
        self.taken = np.empty(256, dtype=object)
        self.n = 0
        self._line_parts: list[np.ndarray] = []
        self.lines = None  # STRtree of heavy lines (pixels) that grid labels keep off
        self._size: dict[tuple[str, float], tuple[float, float]] = {}

    def size(self, text: str, fontsize: float, linespacing: float = 1.15) -> tuple[float, float]:
        """Width and height in pixels (measured once at 10 pt, scaled)."""
        key = (text, linespacing)
        if key not in self._size:
            t = Text(0, 0, text, fontsize=10, family=self.font, linespacing=linespacing, ha="center",
                     va="center", multialignment="center")
            t.set_figure(self.fig)
            ext = t.get_window_extent(self.renderer)
            self._size[key] = (ext.width / 10.0, ext.height / 10.0)
        w, h = self._size[key]
        return w * fontsize, h * fontsize

    def px(self, x: float, y: float) -> tuple[float, float]:
        return self.ox + x * self.k, self.oy + y * self.k

    def box_data(self, cx: float, cy: float, w: float, h: float):  # noqa: ANN201
        """Pixel box centred at (cx, cy) as a polygon in map metres."""
        return shapely.box((cx - w / 2 - self.ox) / self.k, (cy - h / 2 - self.oy) / self.k,
                           (cx + w / 2 - self.ox) / self.k, (cy + h / 2 - self.oy) / self.k)

    def free(self, shape, lines: bool = False) -> bool:  # noqa: ANN001
        if not self.frame.contains(shape):
            return False
        if self.n and shapely.intersects(shape, self.taken[:self.n]).any():
            return False
        return not (lines and self.lines is not None
                    and len(self.lines.query(shape, predicate="dwithin", distance=self._line_width / 2 + 0.5)))

    def keep_off(self, lines, width_pt: float) -> None:  # noqa: ANN001
        """Make grid labels keep off these lines (map metres), drawn ``width_pt`` wide."""
        geoms = shapely.transform(np.asarray(lines), lambda xy: xy * self.k + np.array([self.ox, self.oy]))
        polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
        geoms = np.concatenate([shapely.boundary(geoms[polygonal]), geoms[~polygonal]])
        xy, part = shapely.get_coordinates(shapely.get_parts(shapely.get_parts(geoms)), return_index=True)
        same = part[1:] == part[:-1]
        segs = shapely.linestrings(np.stack([xy[:-1][same], xy[1:][same]], axis=1))
        segs = segs[shapely.intersects(segs, self.frame.buffer(width_pt))]
        if len(segs):
            self._line_parts.append(segs)
            self._line_width = max(getattr(self, "_line_width", 0.0), width_pt)
            self.lines = shapely.STRtree(np.concatenate(self._line_parts))

    def take(self, shape) -> None:  # noqa: ANN001
        if self.n == len(self.taken):
            self.taken = np.concatenate([self.taken, np.empty(len(self.taken), dtype=object)])
        self.taken[self.n] = shape
        self.n += 1


def _candidates(geom, k: float) -> list[tuple[float, float]]:  # noqa: ANN001
    """Label spots in a polygon (metres): centroid if well inside, the inscribed circle's centre, and
    points along the polygon's long axis."""
    out: list[tuple[float, float]] = []
    mic = shapely.maximum_inscribed_circle(geom, max(math.sqrt(max(geom.area, 1.0)) / 200, 0.05))
    cx, cy = mic.coords[0]
    r = mic.length
    cen = geom.centroid
    if geom.contains(cen) and geom.boundary.distance(cen) >= 0.6 * r:
        out.append((cen.x, cen.y))
    out.append((cx, cy))
    rect = shapely.oriented_envelope(geom)
    if shapely.get_type_id(rect) == 3:
        xy = np.asarray(rect.exterior.coords)[:4]
        e1, e2 = xy[1] - xy[0], xy[2] - xy[1]
        axis = e1 if np.hypot(*e1) >= np.hypot(*e2) else e2
        mid = xy.mean(axis=0)
        inner = geom.buffer(-0.35 * r) if r > 0 else geom
        for t in (0.22, -0.22, 0.38, -0.38):
            x, y = mid + axis * t
            if inner.contains(shapely.Point(x, y)):
                out.append((float(x), float(y)))
    for dx, dy in ((0.5, 0), (-0.5, 0), (0, 0.5), (0, -0.5)):
        out.append((cx + dx * r, cy + dy * r))
    return out


def _try_inside(placer: _Placer, geom, spots, levels) -> tuple | None:  # noqa: ANN001
    """First (text, size, x, y, box, level) of ``levels`` that fits inside ``geom`` at one of ``spots``."""
    for level, (text, sizes, inside) in enumerate(levels):
        for size in sizes:
            w, h = placer.size(text, size)
            w, h = w * 1.04 + 1, h * 1.04 + 1
            for x, y in spots:
                px, py = placer.px(x, y)
                shape = shapely.box(px - w / 2, py - h / 2, px + w / 2, py + h / 2)
                if not placer.free(shape, lines=True):
                    continue
                data_box = placer.box_data(px, py, w - 2, h - 2)
                if inside >= 1.0:
                    ok = geom.contains(data_box)
                else:
                    ok = shapely.area(shapely.intersection(data_box, geom)) >= inside * data_box.area
                if ok:
                    return text, size, x, y, shape, level
    return None


def _leader(placer: _Placer, x: float, y: float, text: str, size: float) -> tuple | None:
    """A free spot near (x, y) for ``text``, with the leader line from (x, y) to it (pixels)."""
    w, h = placer.size(text, size)
    w, h = w + 3, h + 2
    px, py = placer.px(x, y)
    for dist in (1.0, 1.6, 2.4, 3.4, 4.6):
        for ang in range(0, 360, 30):
            a = math.radians(ang + 15 * (dist > 1.5))
            d = dist * (max(w, h) * 0.75 + 6)
            qx, qy = px + d * math.cos(a), py + d * math.sin(a)
            shape = shapely.box(qx - w / 2, qy - h / 2, qx + w / 2, qy + h / 2)
            if not placer.free(shape):
                continue
            line = shapely.LineString([(px, py), (qx, qy)])
            seg = line.difference(shape)
            if placer.n and shapely.intersects(seg, placer.taken[:placer.n]).any():
                continue
            return qx, qy, shape, seg
    return None


def _grid_levels(row, staff: list[dict[str, str]], f: float,  # noqa: ANN001
                 large: bool = False) -> list[tuple[str, tuple[float, ...], float]]:
    """Label texts from full to shortest, each with its sizes (pt) and the share that must lie inside.

    ``large`` (community sheets, drawn at a larger scale) first tries the full label bigger."""
    code, name = str(row["code"]), str(row["name"])
    hh = f"{_fmt_int(row['households'])}户"
    lines = [name or code, code, hh]
    people = [f"{p['name']} {p['phone']}".strip() for p in staff[:2]]
    if len(staff) > 2:
        people[-1] += f" 等{len(staff)}人"
    b = 7.0 * f
    big = (1.4 * b, 1.2 * b) if large else ()
    levels = []
    if people:
        levels.append(("\n".join(lines + people), (*big, b, 0.86 * b, 0.74 * b), 0.9))
        levels.append(("\n".join(lines + [p.split(" ")[0] for p in people]), (0.74 * b, 0.64 * b), 0.9))
    levels.append(("\n".join(lines), (*big, b, 0.86 * b, 0.74 * b, 0.64 * b), 0.9))
    levels.append((f"{lines[0]}\n{hh}", (0.74 * b, 0.62 * b), 0.95))
    serial = _serial(code)
    levels.append((f"{serial}\n{hh}", (0.74 * b, 0.62 * b), 0.95))
    levels.append((serial, (0.8 * b, 0.62 * b, 0.5 * b), 0.6))
    return [(text, _floor_sizes(sizes, _MIN_LABEL_PT), inside) for text, sizes, inside in levels]


def _floor_sizes(sizes: tuple[float, ...], least: float) -> tuple[float, ...]:
    """Sizes no smaller than ``least`` points (small sheets), without repeats."""
    out: list[float] = []
    for size in sizes:
        size = max(size, least)
        if not out or abs(out[-1] - size) > 1e-6:
            out.append(size)
    return tuple(out)


def _serial(code: str) -> str:
    tail = code[-3:]
    return str(int(tail)) if tail.isdigit() else code


def _draw_label(ax, placer: _Placer, x: float, y: float, text: str, size: float, colour: str = "#111111",  # noqa: ANN001
                zorder: float = 15, **kw) -> None:
    ax.text(x, y, text, ha="center", va="center", fontsize=size, family=placer.font, color=colour,
            linespacing=1.15, multialignment="center", zorder=zorder, **kw)


def _label_grids(ax, placer: _Placer, data: _MapData, idx: np.ndarray, f: float,  # noqa: ANN001
                 large: bool = False) -> dict[str, int]:
    """Place every grid's label: full, shortened, then serial on a leader line. Returns counts by kind."""
    counts = {"full": 0, "short": 0, "serial": 0, "leader": 0, "none": 0}
    placed: dict[str, str] = {}  # grid code -> the text drawn
    pending = []
    order = idx[np.argsort(shapely.area(data.geoms[idx]))]  # small grids first: they have the fewest spots
    for i in order:
        row = data.grids.iloc[i]
        geom = data.geoms[i]
        levels = _grid_levels(row, data.staff.get(row.code, []), f, large)
        spots = _candidates(geom, placer.k)
        hit = _try_inside(placer, geom, spots, levels)
        if hit is None:
            pending.append((i, spots))
            continue
        text, size, x, y, shape, level = hit
        placer.take(shape)
        _draw_label(ax, placer, x, y, text, size)
        counts["full" if level == 0 else "serial" if level == len(levels) - 1 else "short"] += 1
        placed[row.code] = text
    for i, spots in pending:
        row = data.grids.iloc[i]
        serial = _serial(row.code)
        size = 0.62 * 7.0 * f
        got = _leader(placer, spots[0][0], spots[0][1], serial, size)
        if got is None:
            counts["none"] += 1
            continue
        qx, qy, shape, seg = got
        placer.take(shape)
        placer.take(seg.buffer(0.6))
        x, y = (qx - placer.ox) / placer.k, (qy - placer.oy) / placer.k
        ax.plot([spots[0][0], x], [spots[0][1], y], color="#222222", linewidth=0.5, zorder=14)
        ax.plot([spots[0][0]], [spots[0][1]], marker="o", markersize=1.6, color="#222222", zorder=14)
        _draw_label(ax, placer, x, y, serial, size,
                    bbox={"boxstyle": "square,pad=0.08", "facecolor": "white", "edgecolor": "none"})
        counts["leader"] += 1
        placed[row.code] = serial
    ax.figure._gridkit_labels = placed  # for tests: what each grid's label says
    return counts


def _label_areas(ax, placer: _Placer, geoms, texts: list[str], sizes: tuple[float, ...], colour: str,  # noqa: ANN001
                 inside: float = 0.95) -> int:
    drawn = 0
    for geom, text in zip(geoms, texts, strict=True):
        if geom is None or geom.is_empty:
            continue
        hit = _try_inside(placer, geom, _candidates(geom, placer.k), [(text, sizes, inside)])
        if hit is None:
            continue
        text, size, x, y, shape, _ = hit
        placer.take(shape)
        _draw_label(ax, placer, x, y, text, size, colour=colour, zorder=16, alpha=0.9)
        drawn += 1
    return drawn


def _label_roads(ax, placer: _Placer, data: _MapData, view, f: float, scale: float = 1.0) -> int:  # noqa: ANN001
    """Write major road names along the roads, every ~160 mm of printed road, where free."""
    spacing = 160 * f / _PT_MM  # pixels
    drawn = 0
    per_name: dict[str, list[tuple[float, float]]] = {}
    for name, cls, line in data.named_roads:
        size = (6.6 if cls != "tertiary" else 5.6) * f * scale
        w, h = placer.size(name, size, 1.0)
        w, h = w + 0.5 * size, h + 0.3 * size  # the white box around the text
        clipped = shapely.intersection(line, view)
        for part in shapely.get_parts(clipped):
            if shapely.get_type_id(part) != 1:
                continue
            length_px = part.length * placer.k
            if length_px < 1.3 * w:
                continue
            half = w / 2 / placer.k
            n = max(1, int(length_px // spacing))
            near = per_name.setdefault(name, [])
            for j in range(n):
                base = (j + 0.5) / n * part.length
                for off in (0.0, 0.06, -0.06, 0.12, -0.12, 0.2, -0.2):
                    d = base + off * part.length
                    if d - half < 0 or d + half > part.length:
                        continue
                    a, b = part.interpolate(d - half), part.interpolate(d + half)
                    piece = substring(part, d - half, d + half)
                    chord = shapely.LineString([a, b])
                    if piece.hausdorff_distance(chord) > 0.35 * h / placer.k:
                        continue
                    ang = math.atan2(b.y - a.y, b.x - a.x)
                    if ang > math.pi / 2:
                        ang -= math.pi
                    elif ang <= -math.pi / 2:
                        ang += math.pi
                    mid = part.interpolate(d)
                    cx, cy = placer.px(mid.x, mid.y)
                    if any(math.hypot(cx - qx, cy - qy) < 0.6 * spacing for qx, qy in near):
                        continue
                    u = np.array([math.cos(ang), math.sin(ang)])
                    v = np.array([-u[1], u[0]])
                    corners = [np.array([cx, cy]) + sx * u * w / 2 + sy * v * h / 2
                               for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
                    shape = shapely.Polygon(corners)
                    if not placer.free(shape):
                        continue
                    placer.take(shape)
                    ax.text(mid.x, mid.y, name, rotation=math.degrees(ang), rotation_mode="anchor", ha="center",
                            va="center", fontsize=size, family=placer.font, color=_ROAD_LABEL, zorder=13,
                            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                                  "alpha": 0.8})
                    drawn += 1
                    near.append((cx, cy))
                    break
    return drawn


# --------------------------------------------------------------------------- side panel


class _Panel:
    """The side panel's axes, in millimetres from its bottom left."""

    def __init__(self, fig: Figure, layout: _Layout, rect: tuple[float, float, float, float],
                 font: list[str]) -> None:
        x, y, w, h = rect
        self.w, self.h, self.f, self.font = w, h, layout.f, font
        self.ax = fig.add_axes((x / layout.width, y / layout.height, w / layout.width, h / layout.height))
        self.ax.set_xlim(0, w)
        self.ax.set_ylim(0, h)
        self.ax.set_axis_off()

    def text(self, x: float, y: float, s: str, size: float, **kw) -> None:
        kw.setdefault("va", "baseline")
        self.ax.text(x, y, s, fontsize=size, family=self.font, **kw)


def _north_arrow(panel: _Panel, x: float, y: float) -> tuple[float, float]:
    f = panel.f
    w, h = 14 * f, 24 * f
    cx = x + w / 2
    tip, base, notch, half = y + h - 7 * f, y + 1.5 * f, y + 5 * f, 3.6 * f
    panel.ax.add_patch(MPolygon([(cx, tip), (cx - half, base), (cx, notch)], closed=True, facecolor="black",
                                edgecolor="black", linewidth=0.6))
    panel.ax.add_patch(MPolygon([(cx, tip), (cx + half, base), (cx, notch)], closed=True, facecolor="white",
                                edgecolor="black", linewidth=0.6))
    panel.text(cx, y + h - 5.6 * f, "N 北", 8.5 * f, ha="center", va="bottom")
    return w, h


def _nice_length(target_m: float) -> float:
    p = 10 ** math.floor(math.log10(max(target_m, 1e-6)))
    return max(n * p for n in (1, 2, 2.5, 5, 10) if n * p <= target_m * 1.0001)


def _scale_bar(panel: _Panel, x: float, y: float, scale: float, paper: str) -> tuple[float, float]:
    f = panel.f
    length_m = _nice_length(45 * f / scale)
    length = length_m * scale
    bar_y, bar_h = y + 9 * f, 1.6 * f
    for k in range(4):
        panel.ax.add_patch(Rectangle((x + k * length / 4, bar_y), length / 4, bar_h, linewidth=0.5,
                                     facecolor="black" if k % 2 == 0 else "white", edgecolor="black"))
    unit = (lambda v: f"{v / 1000:g}") if length_m >= 1000 else (lambda v: f"{v:g}")
    for k, v in ((0, 0.0), (2, length_m / 2), (4, length_m)):
        panel.text(x + k * length / 4, bar_y + bar_h + 1.0 * f, unit(v), 6 * f, ha="center")
    panel.text(x + length + 1.6 * f, bar_y, "km" if length_m >= 1000 else "m", 6 * f, ha="left")
    ratio = 1000.0 / scale
    mag = 10 ** (math.floor(math.log10(ratio)) - 1)
    panel.text(x, y + 2.5 * f, f"比例尺 1:{int(round(ratio / mag) * mag):,}（{paper} 打印）", 6.5 * f)
    return max(length + 8 * f, 50 * f), 16 * f


def _legend(panel: _Panel, x: float, y_top: float, entries: list[tuple], ncol: int) -> None:
    """Draw legend entries top-down from ``y_top`` in ``ncol`` columns."""
    f = panel.f
    size, row, sample = 6.8 * f, 4.6 * f, 9 * f
    panel.text(x, y_top - 4 * f, "图例", 8.5 * f)
    per_col = math.ceil(len(entries) / ncol)
    col_w = sample + 2 * f + max(_text_em(e[-1]) for e in entries) * size * _PT_MM + 4 * f
    for n, entry in enumerate(entries):
        cx = x + (n // per_col) * col_w
        cy = y_top - 6.5 * f - (n % per_col) * row - row / 2
        kind = entry[0]
        if kind == "line":
            _, width, colour, dashed, _ = entry
            panel.ax.plot([cx, cx + sample], [cy, cy], color=colour, linewidth=width, solid_capstyle="butt",
                          linestyle=(0, (3, 2)) if dashed else "-")
        elif kind == "patch":
            _, face, edge, lw, _ = entry
            panel.ax.add_patch(Rectangle((cx, cy - 1.5 * f), sample, 3 * f, facecolor=face, edgecolor=edge,
                                         linewidth=lw))
        elif kind == "grids":
            for j, c in enumerate(PALETTE[:3]):
                panel.ax.add_patch(Rectangle((cx + j * sample / 3, cy - 1.5 * f), sample / 3, 3 * f, facecolor=c,
                                             edgecolor=_GRID_EDGE, linewidth=0.5))
        panel.text(cx + sample + 2 * f, cy, entry[-1], size, va="center")


def _legend_entries(data: _MapData, context: bool) -> list[tuple]:
    entries: list[tuple] = [
        ("grids", None, None, None, "网格（相邻网格颜色不同）"),
        ("line", 0.7, _GRID_EDGE, False, "网格边界"),
        ("line", 2.2, _COMMUNITY_EDGE, False, "社区边界"),
        ("line", 2.6, _STREET_EDGE, False, "街道边界（划分范围）"),
    ]
    if context:
        entries.append(("patch", _CONTEXT_FILL, "#bbbbbb", 0.4, "其他社区的网格"))
    for row, _ in data.roads:
        entries.append(("line", row[3], row[4], row[5], row[1]))
    for key, label, _ in data.barriers:
        entries.append(("line", 1.6, "#3498db" if key in ("waterway", "coastline") else "#555555",
                        key == "railway", label))
    return entries


def _stats_lines(data: _MapData, sel: np.ndarray, communities: int) -> list[str]:
    g = data.grids.iloc[sel]
    hh = g["households"].to_numpy(dtype=float)
    lines = [
        (f"{communities} 个社区 · " if communities else "") + f"{len(g)} 个网格",
        f"{_fmt_int(hh.sum())} 户 · {_fmt_int(g['population'].sum())} 人 · {_fmt_int(g['buildings'].sum())} 栋",
        f"面积 {shapely.area(data.geoms[sel]).sum() / 1e6:.2f} km²",
    ]
    if len(g):
        lines.append(f"每网格 {_fmt_int(hh.min())}–{_fmt_int(hh.max())} 户，平均 {_fmt_int(hh.mean())} 户")
    flagged = int((g["flags"].astype(str) != "").sum())
    if flagged:
        lines.append(f"标记网格 {flagged} 个（见报告）")
    if "grid_managers_min" in g and "grid_managers_max" in g:
        lines.append(f"网格员 {_fmt_int(g['grid_managers_min'].sum())}–{_fmt_int(g['grid_managers_max'].sum())} 人")
    if data.staff:
        people = sum(len(data.staff.get(c, [])) for c in g["code"])
        lines.append(f"名册 {people} 人")
    return lines


def _stats(panel: _Panel, x: float, y_top: float, lines: list[str]) -> tuple[float, float]:
    f = panel.f
    size, row = 7 * f, 4.4 * f
    panel.text(x, y_top - 4 * f, "概况", 8.5 * f)
    for n, line in enumerate(lines):
        panel.text(x, y_top - 6.5 * f - (n + 0.7) * row, line, size)
    return max(_text_em(s) for s in lines) * size * _PT_MM + 4 * f, 6.5 * f + len(lines) * row + 1.5 * f


@dataclass
class _TableFit:
    size: float
    widths: list[float]
    gap: float
    row_h: float
    title_h: float
    per: int  # rows per column
    ncol: int
    shown: int
    height: float


_TABLE_SIZES = (8.0, 7.2, 6.5, 6.0, 5.5, 5.0, 4.6, 4.2, 3.9, 3.6)


def _table_fit(w: float, h: float, columns: list[tuple[str, str]], rows: list[list[str]], f: float,
               truncate: bool) -> _TableFit | None:
    """The largest type size (pt, from 8 f down to 3.6 f) at which ``rows`` fit in w x h mm, flowing
    over as many side-by-side column sets as needed; with ``truncate``, the rows that fit at the
    smallest size (and a note). None when nothing fits."""
    n = len(rows)
    if n == 0 or w <= 0 or h <= 0:
        return None
    ems = [max([_text_em(hd)] + [_text_em(r[c]) for r in rows]) + 1.6 for c, (hd, _) in enumerate(columns)]
    sizes = _floor_sizes(tuple(base * f for base in _TABLE_SIZES), _MIN_TABLE_PT)
    for k, size in enumerate(sizes):
        em = size * _PT_MM
        widths = [e * em for e in ems]
        gap, row_h, title_h = 2.5 * em, 1.5 * em, 2.9 * em
        set_w = sum(widths)
        per_col = int((h - title_h - row_h - 2.2 * em) // row_h)
        ncol = int((w + gap) // (set_w + gap))
        if per_col < 1 or ncol < 1:
            continue
        if ncol * per_col >= n:
            shown = n
        elif truncate and k == len(sizes) - 1:
            shown = ncol * per_col - 1
            if shown < 1:
                return None
        else:
            continue
        used_cols = math.ceil(shown / per_col)
        per = math.ceil(shown / used_cols)
        height = title_h + (per + 1) * row_h + (2.2 * em if shown < n else 0.0)
        return _TableFit(size, widths, gap, row_h, title_h, per, used_cols, shown, height)
    return None


def _table(panel: _Panel, x0: float, y_top: float, title: str, columns: list[tuple[str, str]],
           rows: list[list[str]], fit: _TableFit) -> None:
    """Draw a table planned by :func:`_table_fit` with its top left at (x0, y_top) mm."""
    size, em = fit.size, fit.size * _PT_MM
    row_h, set_w = fit.row_h, sum(fit.widths)
    xs = np.cumsum([0.0] + fit.widths)
    panel.text(x0, y_top - 2.0 * em, title, size * 1.25, va="baseline")
    top = y_top - fit.title_h
    backs, fills = [], []

    def cell(cx: float, c: int, y: float, value: str, kind: str) -> None:
        tx = cx + xs[c] + (fit.widths[c] - 0.8 * em if kind == "num" else 0.8 * em)
        panel.text(tx, y, value, size, va="center", ha="right" if kind == "num" else "left")

    for col in range(fit.ncol):
        cx = x0 + col * (set_w + fit.gap)
        backs.append(Rectangle((cx, top - row_h), set_w, row_h))
        fills.append("#d5d8dc")
        for c, (hd, kind) in enumerate(columns):
            cell(cx, c, top - row_h / 2, hd, kind)
        for r in range(fit.per):
            k = col * fit.per + r
            if k >= fit.shown:
                break
            ry = top - (r + 2) * row_h
            if r % 2 == 1:
                backs.append(Rectangle((cx, ry), set_w, row_h))
                fills.append("#f2f3f4")
            for c, (_, kind) in enumerate(columns):
                cell(cx, c, ry + row_h / 2, rows[k][c], kind)
    panel.ax.add_collection(PatchCollection(backs, facecolor=fills, edgecolor="none", zorder=0))
    if fit.shown < len(rows):
        panel.text(x0, top - (fit.per + 1) * row_h - 1.2 * em, f"… 另有 {len(rows) - fit.shown} 行未列出，"
                   "详见划分方案报告", size * 0.95, va="center", color="#555555")


def _grid_rows(data: _MapData, sel: np.ndarray) -> tuple[list[tuple[str, str]], list[list[str]]]:
    cols = [("网格编码", "text"), ("网格名称", "text"), ("户数", "num"), ("人口", "num")]
    with_staff = bool(data.staff)
    staffing = "grid_managers_min" in data.grids and "grid_managers_max" in data.grids
    if with_staff:
        cols += [("网格员", "text"), ("电话", "text")]
    if staffing:
        cols.append(("网格员配置", "num"))
    rows = []
    for i in sel:
        g = data.grids.iloc[i]
        row = [g.code, g["name"], _fmt_int(g.households), _fmt_int(g.population)]
        if with_staff:
            people = data.staff.get(g.code, [])
            row.append("、".join(p["name"] + (f"({p['role']})" if p["role"] else "") for p in people))
            row.append(" / ".join(p["phone"] for p in people if p["phone"]))
        if staffing:
            lo, hi = int(g["grid_managers_min"]), int(g["grid_managers_max"])
            row.append(f"{lo}–{hi}" if lo != hi else f"{lo}")
        rows.append(row)
    return cols, rows


def _community_rows(data: _MapData) -> tuple[list[tuple[str, str]], list[list[str]]]:
    c = data.communities
    cols = [("社区编码", "text"), ("社区名称", "text"), ("网格", "num"), ("户数", "num"), ("人口", "num")]
    extra = [(k, h) for k, h in (("community_workers", "社区工作者"), ("office_m2", "办公用房㎡")) if k in c]
    cols += [(h, "num") for _, h in extra]
    rows = [[r.code, r["name"], _fmt_int(r.grids), _fmt_int(r.households), _fmt_int(r.population)]
            + [_fmt_int(r[k]) if pd.notna(r[k]) else "" for k, _ in extra] for _, r in c.iterrows()]
    return cols, rows


def _flow(blocks: list[tuple[str, float, float]], w: float, h: float, gap: float,
          by_rows: bool) -> tuple[list[tuple[str, float, float, float, float]], list[float]]:
    """Place fixed-size blocks in a (w, h) box, in rows (the rest below) or in columns (the rest right).

    Returns the placements (name, x, y_top, w, h) and the rectangle left over [x, y, w, h].
    """
    placed = []
    if by_rows:
        x, y_top, row_h = 0.0, h, 0.0
        for name, bw, bh in blocks:
            if x > 0 and x + bw > w:
                x, y_top, row_h = 0.0, y_top - row_h - gap, 0.0
            placed.append((name, x, y_top, bw, bh))
            x += bw + gap
            row_h = max(row_h, bh)
        return placed, [0.0, 0.0, w, y_top - row_h - gap]
    x, y_top, col_w = 0.0, h, 0.0
    for name, bw, bh in blocks:
        if y_top < h and y_top - bh < 0:
            x, y_top, col_w = x + col_w + gap, h, 0.0
        placed.append((name, x, y_top, bw, bh))
        y_top -= bh + gap * 0.6
        col_w = max(col_w, bw)
    return placed, [x + col_w + gap, 0.0, w - x - col_w - gap, h]


@dataclass
class _PanelPlan:
    host: str  # "main" or "extra": where the arrow, scale bar, legend and statistics go
    blocks: list[tuple[str, float, float, float, float]]
    legend_cols: int
    tables: list[tuple[str, str, float, float, _TableFit]]  # key, panel, x, y_top, fit
    note_at: tuple[str, float, float] | None  # where to say the grid table is elsewhere
    complete: bool  # every table fits whole, at a readable size


def _legend_size(entries: list[tuple], max_h: float, f: float) -> tuple[float, float, int]:
    row = 4.6 * f
    rows_fit = max(1, int((max_h - 6.5 * f) // row))
    ncol = math.ceil(len(entries) / rows_fit)
    per_col = math.ceil(len(entries) / ncol)
    col_w = 11 * f + max(_text_em(e[-1]) for e in entries) * 6.8 * f * _PT_MM + 4 * f
    return ncol * col_w, 6.5 * f + per_col * row, ncol


def _plan_panel(layout: _Layout, legend_entries: list[tuple], stats: list[str],
                tables: list[tuple[str, str, list, list, bool, bool]]) -> _PanelPlan:
    """Where blocks and tables go. ``tables``: (key, title, columns, rows, truncate, required)."""
    f = layout.f
    gap = 5 * f
    rects = {"main": layout.panel_rect[2:]}
    if layout.extra_rect:
        rects["extra"] = layout.extra_rect[2:]

    def blocks_for(h: float) -> tuple[list[tuple[str, float, float]], int]:
        lw, lh, ncol = _legend_size(legend_entries, h, f)
        return [("arrow", 14 * f, 24 * f),
                ("scale", max(_nice_length(45 * f / layout.scale) * layout.scale + 8 * f, 50 * f), 16 * f),
                ("legend", lw, lh),
                ("stats", max(_text_em(s) for s in stats) * 7 * f * _PT_MM + 4 * f,
                 6.5 * f + len(stats) * 4.4 * f + 1.5 * f)], ncol
    host, by_rows = "main", layout.side == "right"
    if layout.side == "bottom" and "extra" in rects:
        ew, eh = rects["extra"]
        blocks, ncol = blocks_for(eh)
        placed, rest = _flow(blocks, ew, eh, gap, True)
        if rest[3] >= -1e-6 and all(x + bw <= ew + 1e-6 for _, x, _, bw, _ in placed):
            host = "extra"
    blocks, ncol = blocks_for(rects[host][1])
    placed, rest = _flow(blocks, *rects[host], gap, by_rows if host == "main" else True)
    areas = [[host, *rest]]
    other = "extra" if host == "main" else "main"
    if other in rects:
        areas.append([other, 0.0, 0.0, *rects[other]])
    areas = [a for a in areas if a[3] > 10 * f and a[4] > 10 * f]
    done: list[tuple[str, str, float, float, _TableFit]] = []
    complete = True
    note_at = None
    for key, _title, cols, rows, truncate, required in tables:
        if not rows:
            continue
        placed_ok = False
        for area in sorted(areas, key=lambda a: -a[3] * a[4]):
            fit = _table_fit(area[3], area[4], cols, rows, f, truncate=False)
            if fit is not None:
                done.append((key, area[0], area[1], area[2] + area[4], fit))
                area[4] -= fit.height + gap
                placed_ok = True
                complete &= fit.size >= max(4.2 * f, _MIN_TABLE_PT) - 1e-9
                break
        if placed_ok:
            continue
        complete = False
        if truncate and areas:
            area = max(areas, key=lambda a: a[3] * a[4])
            fit = _table_fit(area[3], area[4], cols, rows, f, truncate=True)
            if fit is not None:
                done.append((key, area[0], area[1], area[2] + area[4], fit))
                area[4] -= fit.height + gap
        elif required and areas:
            area = max(areas, key=lambda a: a[3] * a[4])
            note_at = (area[0], area[1], area[2] + area[4])
    return _PanelPlan(host, placed, ncol, done, note_at, complete)


def _choose_layout(paper: str | tuple[float, float], bounds: tuple[float, float, float, float],
                   legend_entries: list[tuple], stats: list[str], tables: list[tuple]) -> tuple[_Layout, _PanelPlan]:
    """The largest map whose panel still holds every table whole and readable, giving up at most a fifth
    of the scale for it; else the largest map."""
    options = _layout_options(paper, bounds)
    best = max(o.scale for o in options)
    plans = [(o, _plan_panel(o, legend_entries, stats, tables)) for o in options if o.scale >= 0.8 * best - 1e-9]
    good = [(o, p) for o, p in plans if p.complete]
    pool = good or [(o, p) for o, p in plans if o.scale >= 0.96 * best - 1e-9]
    top = max(o.scale for o, _ in pool)
    return next((o, p) for o, p in pool if o.scale >= 0.96 * top - 1e-9)


def _panel_tables(data: _MapData, community: str | None, sel: np.ndarray) -> list[tuple]:
    gcols, grows = _grid_rows(data, sel)
    if community is None:
        return [("grids", "网格一览", gcols, grows, False, True),
                ("communities", "社区一览", *_community_rows(data), True, False)]
    return [("grids", "网格一览", gcols, grows, True, True)]


def _draw_panel(fig: Figure, layout: _Layout, data: _MapData, plan: _PanelPlan, tables: list[tuple],
                legend_entries: list[tuple], stats: list[str], paper_label: str) -> None:
    f = layout.f
    panels = {"main": _Panel(fig, layout, layout.panel_rect, data.font)}
    if layout.extra_rect:
        panels["extra"] = _Panel(fig, layout, layout.extra_rect, data.font)
    host = panels[plan.host]
    for name, x, y_top, _w, h in plan.blocks:
        if name == "arrow":
            _north_arrow(host, x, y_top - h)
        elif name == "scale":
            _scale_bar(host, x, y_top - h, layout.scale, paper_label)
        elif name == "legend":
            _legend(host, x, y_top, legend_entries, plan.legend_cols)
        elif name == "stats":
            _stats(host, x, y_top, stats)
    spec = {t[0]: t for t in tables}
    for key, where, x, y_top, fit in plan.tables:
        _, title, cols, rows, _, _ = spec[key]
        _table(panels[where], x, y_top, title, cols, rows, fit)
    if plan.note_at is not None:
        where, x, y_top = plan.note_at
        panels[where].text(x, y_top - 4 * f, "网格明细见各社区分图与划分方案报告", 6.5 * f, color="#555555")


# --------------------------------------------------------------------------- one sheet


def _sheet_selection(data: _MapData, community: str | None) -> np.ndarray:
    if community is None:
        return np.arange(len(data.grids))
    return np.flatnonzero((data.grids["community_code"] == community).to_numpy())


def sheet_figure(plan, community: str | None = None, *, paper: str | tuple[float, float] = "A3",  # noqa: ANN001
                 roster: pd.DataFrame | None = None, source: str | None = None, title: str | None = None,
                 page: tuple[int, int | None] | None = None, _data: _MapData | None = None) -> Figure:
    """Draw one sheet: the street office (``community=None``) or one community, by code.

    Parameters
    ----------
    plan : Plan
    community : str, optional
        A community code (see :func:`find_community` to resolve names).
    paper : str or (width, height) in inches
        ``"A0"`` .. ``"A4"``; turned to suit the area's shape.
    roster : DataFrame, optional
        From :func:`gridkit.roster.load_roster`.
    source : str, optional
        The data source line (default: OpenStreetMap).
    title : str, optional
    page : (number, count), optional
        Printed in the footer of multi-page PDFs.

    Returns
    -------
    matplotlib.figure.Figure
        Laid out at 72 dpi, sized to the sheet.
    """
    data = _data or _prepare(plan, roster, source)
    plt.rcParams["pdf.fonttype"] = 42
    plt.rcParams["svg.fonttype"] = "none"
    sel = _sheet_selection(data, community)
    if community is not None and len(sel) == 0:
        raise InputError(f"community '{community}' has no grids in this plan")
    if community is None:
        bounds = _padded(data.area.bounds, 0.03, 20.0)
        comm_row = None
    else:
        comm_row = data.communities[data.communities["code"] == community].iloc[0]
        geom = comm_row.geometry if comm_row.geometry is not None else shapely.union_all(data.geoms[sel])
        bounds = _padded(geom.bounds, 0.06, 30.0)
    view = shapely.box(*bounds)
    others = np.setdiff1d(np.arange(len(data.grids)), sel)
    others = others[shapely.intersects(data.geoms[others], view)] if len(others) else others
    legend_entries = _legend_entries(data, len(others) > 0)
    stats = _stats_lines(data, sel, 0 if community is not None else len(data.communities))
    tables = _panel_tables(data, community, sel)
    layout, panel_plan = _choose_layout(paper, bounds, legend_entries, stats, tables)
    paper_label = _paper(paper)[2]
    fig = Figure(figsize=(layout.width / 25.4, layout.height / 25.4), dpi=_LAYOUT_DPI)
    FigureCanvasAgg(fig)
    fig.patch.set_facecolor("white")
    f = layout.f
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
    # Grids: the sheet's in colour, the rest (other communities) in grey.
    if len(others):
        _fill(ax, data.geoms[others], [_CONTEXT_FILL] * len(others), 1)
        _lines(ax, shapely.boundary(data.geoms[others]), 0.4 * f, "#b5b5b5", 1.5)
    _fill(ax, data.geoms[sel], [data.colours[i] for i in sel], 2)
    for row, lines in data.roads:
        _lines(ax, lines, row[3] * f, row[4], 4 + 0.01 * ROAD_CLASSES.index(row), dashed=row[5])
    for key, _, lines in data.barriers:
        _lines(ax, lines, 1.6 * f, "#3498db" if key in ("waterway", "coastline") else "#555555", 4.5,
               dashed=key == "railway")
    _lines(ax, shapely.boundary(data.geoms[sel]), 0.7 * f, _GRID_EDGE, 6)
    comm_geoms = data.communities.geometry.values.to_numpy()
    if community is None:
        _lines(ax, _rims(comm_geoms), 2.2 * f, _COMMUNITY_EDGE, 7, alpha=0.9)
    else:
        own = (data.communities["code"] == community).to_numpy()
        _lines(ax, _rims(comm_geoms[~own]), 1.2 * f, _COMMUNITY_EDGE, 7, alpha=0.45)
        _lines(ax, _rims(comm_geoms[own]), 2.2 * f, _COMMUNITY_EDGE, 7.5, alpha=0.9)
    outer = [shapely.Polygon(p.exterior) for p in shapely.get_parts(data.area) if shapely.get_type_id(p) == 3]
    holes = [shapely.LinearRing(r) for p in shapely.get_parts(data.area) if shapely.get_type_id(p) == 3
             for r in p.interiors]
    _lines(ax, shapely.boundary(outer), 2.6 * f, _STREET_EDGE, 8)
    if holes:  # pieces left out of the area: outlined, not as heavy as the edge
        _lines(ax, holes, 0.9 * f, _STREET_EDGE, 8)
    # Labels: communities (street sheet), grids, neighbours' names, then roads.
    fig.canvas.draw()  # fixes the axes' pixel box
    placer = _Placer(fig, ax, data.font)
    major = [(row, lines) for row, lines in data.roads if row[0] in ("motorway", "trunk", "primary", "secondary")]
    if major:
        placer.keep_off(np.concatenate([lines for _, lines in major]), max(row[3] for row, _ in major) * f)
    placer.keep_off(_rims(comm_geoms), 2.2 * f)
    placer.keep_off(np.array([shapely.boundary(data.area)]), 2.6 * f)
    if community is None and len(data.communities) > 1:
        _label_areas(ax, placer, comm_geoms, list(data.communities["name"]), (13 * f, 11 * f, 9 * f, 7.5 * f),
                     _COMMUNITY_EDGE)
    counts = _label_grids(ax, placer, data, sel, f, large=community is not None)
    if community is not None:
        near = data.communities[(data.communities["code"] != community)]
        geoms = [shapely.intersection(g, view) if g is not None else None for g in near.geometry.values]
        _label_areas(ax, placer, geoms, list(near["name"]), (10 * f, 8 * f), "#7f7f7f", inside=0.98)
    _label_roads(ax, placer, data, view, f, 1.0 if community is None else 1.25)
    fig._gridkit_label_counts = counts  # for tests and timing reports
    # Title, panel, footer.
    if community is None:
        heading = title or f"{data.name} 网格划分图"
        sub = f"街道全图 · {len(data.communities)} 个社区 · {len(sel)} 个网格 · " \
              f"{_fmt_int(data.grids['households'].sum())} 户"
    else:
        heading = title or f"{data.name} {comm_row['name']} 网格划分图"
        sub = f"社区编码 {community} · {len(sel)} 个网格 · {_fmt_int(data.grids['households'].iloc[sel].sum())} 户"
    top = layout.height - 8 * f
    fig.text(0.5, (top - 7 * f) / layout.height, heading, ha="center", va="baseline", fontsize=19 * f,
             family=data.font)
    fig.text(0.5, (top - 13.5 * f) / layout.height, sub, ha="center", va="baseline", fontsize=8.5 * f,
             family=data.font, color="#333333")
    _draw_panel(fig, layout, data, panel_plan, tables, legend_entries, stats, paper_label)
    plan_ = data.plan
    created = plan_.run_value("created", "")[:10] or "—"
    input_name = Path(plan_.run_value("input", "")).name or "—"
    footer = (f"数据来源：{input_name}，{data.source} · 坐标系 {plan_.run_value('crs_name') or plan_.run_value('crs')}"
              f" · 方案生成 {created} · 制图 {dt.date.today().isoformat()} · gridkit "
              f"{plan_.run_value('gridkit_version')} · 本图为网格划分示意图，不作为权属界线依据")
    fig.text(8 * f / layout.width, 5 * f / layout.height, footer, ha="left", va="baseline", fontsize=6 * f,
             family=data.font, color="#333333")
    if page is not None:
        fig.text(1 - 8 * f / layout.width, 5 * f / layout.height, f"第 {page[0]} / {page[1]} 页" if page[1] else f"第 {page[0]} 页", ha="right",
                 va="baseline", fontsize=6 * f, family=data.font, color="#333333")
    return fig


# --------------------------------------------------------------------------- files


def _sheets(data: _MapData, community: str | None, all_sheets: bool) -> list[str | None]:
    if all_sheets:
        return [None, *data.communities["code"].astype(str)]
    if community is not None:
        return [find_community(data.communities, community)]
    return [None]


def draw_map(plan, path: str | Path, *, community: str | None = None, all_sheets: bool = False,  # noqa: ANN001
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
    short, long, _ = _paper(paper)
    if fmt == "png" and short * long / 645.16 * dpi * dpi > _MAX_PIXELS:
        raise InputError(f"{paper} at {dpi} dpi is {short * long / 645.16 * dpi * dpi / 1e6:.0f} million pixels; "
                         "use a lower --dpi or PDF")
    data = _prepare(plan, roster, source)
    sheets = _sheets(data, community, all_sheets)
    meta = {"Title": f"{data.name} 网格划分图", "Creator": "gridkit", "Subject": "网格划分图"}
    with atomic_path(path) as tmp:
        if fmt == "pdf":
            from matplotlib.backends.backend_pdf import PdfPages

            with PdfPages(tmp, metadata=meta) as pdf:
                for n, sheet in enumerate(sheets, 1):
                    fig = sheet_figure(plan, sheet, paper=paper, title=title if len(sheets) == 1 else None,
                                       page=(n, len(sheets)) if len(sheets) > 1 else None, _data=data)
                    pdf.savefig(fig)
        else:
            fig = sheet_figure(plan, sheets[0], paper=paper, title=title, _data=data)
            kw = {"metadata": {"Title": meta["Title"]}} if fmt == "png" else {}
            fig.savefig(tmp, dpi=dpi, format=fmt, **kw)
    return path


def sheet_png(plan, community: str | None = None, *, paper: str = "A3", dpi: int = 110,  # noqa: ANN001
              roster: pd.DataFrame | None = None, source: str | None = None,
              _data: _MapData | None = None) -> bytes:
    """One sheet as PNG bytes (for embedding in reports)."""
    fig = sheet_figure(plan, community, paper=paper, roster=roster, source=source, _data=_data)
    buf = io.BytesIO()
    fig.savefig(buf, dpi=dpi, format="png")
    return buf.getvalue()


def draw_plan_map(plan, path: str | Path, *, title: str | None = None, dpi: int = 200,  # noqa: ANN001
                  paper: str | tuple[float, float] = "A3") -> Path:
    """The street office's sheet to PNG, PDF or SVG (see :func:`draw_map`); kept for ``gridkit demo``."""
    return draw_map(plan, path, paper=paper, dpi=dpi, title=title)
