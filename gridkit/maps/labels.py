"""Label placement: texts on the map that never overlap.

Each label is measured, tried at a few spots inside its grid at falling sizes
and shorter texts, and drawn only where it collides with nothing; a grid whose
label fits nowhere inside gets its serial beside it on a leader line. Major
road names are written along their roads.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from shapely import MultiPolygon, Polygon
from shapely.ops import substring

from .colour import ROAD_LABEL
from ..plan_units import FLAG_NAMES
from .data import MapData
from .text import PT_MM, floor_sizes, fmt_int

MIN_LABEL_PT = 3.2  # smallest grid label


class Placer:
    """Places texts on the map without overlaps, in display pixels (one pixel = one point)."""

    def __init__(self, fig: Figure, ax: Axes, font: list[str]) -> None:
        self.fig, self.ax, self.font = fig, ax, font
        canvas = fig.canvas
        assert isinstance(canvas, FigureCanvasAgg), "sheets are drawn on an Agg canvas"
        self.renderer = canvas.get_renderer()
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
        self._line_width = 0.0  # the widest line kept off, points
        self.lines: shapely.STRtree | None = None  # STRtree of heavy lines (pixels) that grid labels keep off
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

    def box_data(self, cx: float, cy: float, w: float, h: float) -> shapely.Polygon:
        """Pixel box centred at (cx, cy) as a polygon in map metres."""
        return shapely.box((cx - w / 2 - self.ox) / self.k, (cy - h / 2 - self.oy) / self.k,
                           (cx + w / 2 - self.ox) / self.k, (cy + h / 2 - self.oy) / self.k)

    def free(self, shape: shapely.Geometry, lines: bool = False) -> bool:
        """Whether ``shape`` (pixels) lies in the frame clear of every label placed (and, with ``lines``, of
        the heavy lines)."""
        if not self.frame.contains(shape):
            return False
        if self.n and shapely.intersects(shape, self.taken[:self.n]).any():
            return False
        return not (lines and self.lines is not None
                    and len(self.lines.query(shape, predicate="dwithin", distance=self._line_width / 2 + 0.5)))

    def keep_off(self, lines: np.ndarray, width_pt: float) -> None:
        """Make grid labels keep off these lines (map metres), drawn ``width_pt`` wide."""
        geoms = np.asarray(shapely.transform(np.asarray(lines), lambda xy: xy * self.k + np.array([self.ox, self.oy])))
        polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
        geoms = np.concatenate([shapely.boundary(geoms[polygonal]), geoms[~polygonal]])
        xy, part = shapely.get_coordinates(shapely.get_parts(shapely.get_parts(geoms)), return_index=True)
        same = part[1:] == part[:-1]
        segs = np.asarray(shapely.linestrings(np.stack([xy[:-1][same], xy[1:][same]], axis=1)))
        segs = segs[shapely.intersects(segs, self.frame.buffer(width_pt))]
        if len(segs):
            self._line_parts.append(segs)
            self._line_width = max(self._line_width, width_pt)
            self.lines = shapely.STRtree(np.concatenate(self._line_parts))

    def take(self, shape: shapely.Geometry) -> None:
        """Mark ``shape`` (pixels) as taken by a label."""
        if self.n == len(self.taken):
            self.taken = np.concatenate([self.taken, np.empty(len(self.taken), dtype=object)])
        self.taken[self.n] = shape
        self.n += 1


def _candidates(geom: Polygon | MultiPolygon, k: float) -> list[tuple[float, float]]:
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
    if isinstance(rect, shapely.Polygon):
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


def _try_inside(placer: Placer, geom: Polygon | MultiPolygon, spots: list[tuple[float, float]],
                levels: list[tuple[str, tuple[float, ...], float]]) -> tuple | None:
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
                    ok = bool(geom.contains(data_box))
                else:
                    ok = bool(shapely.area(shapely.intersection(data_box, geom)) >= inside * data_box.area)
                if ok:
                    return text, size, x, y, shape, level
    return None


def _leader(placer: Placer, x: float, y: float, text: str, size: float) -> tuple | None:
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


def _grid_levels(row: pd.Series, staff: list[dict[str, str]], f: float,
                 large: bool = False) -> list[tuple[str, tuple[float, ...], float]]:
    """Label texts from full to shortest, each with its sizes (pt) and the share that must lie inside.

    ``large`` (community sheets, drawn at a larger scale) first tries the full label bigger."""
    code, name = str(row["code"]), str(row["name"])
    # Why a grid holds no one or more than a grid may (a school's site, one tall block) is on the wall.
    why = [FLAG_NAMES[f] for f in str(row.get("flags", "")).split(",") if f in FLAG_NAMES]
    hh = f"{fmt_int(row['households'])}户" + (f"（{'、'.join(why)}）" if why else "")
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
    return [(text, floor_sizes(sizes, MIN_LABEL_PT), inside) for text, sizes, inside in levels]


def _serial(code: str) -> str:
    tail = code[-3:]
    return str(int(tail)) if tail.isdigit() else code


def _draw_label(ax: Axes, placer: Placer, x: float, y: float, text: str, size: float, colour: str = "#111111",
                zorder: float = 15, **kw: Any) -> None:
    ax.text(x, y, text, ha="center", va="center", fontsize=size, family=placer.font, color=colour,
            linespacing=1.15, multialignment="center", zorder=zorder, **kw)


def label_grids(ax: Axes, placer: Placer, data: MapData, idx: np.ndarray, f: float,
                large: bool = False) -> tuple[dict[str, int], dict[str, str]]:
    """Place every grid's label: full, shortened, then serial on a leader line.

    Returns the counts by kind, and what each grid's label says (by grid code)."""
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
    return counts, placed


def label_areas(ax: Axes, placer: Placer, geoms: Sequence[Polygon | MultiPolygon | None], texts: list[str],
                sizes: tuple[float, ...], colour: str,
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


def label_roads(ax: Axes, placer: Placer, data: MapData, view: shapely.Geometry, f: float, scale: float = 1.0) -> int:
    """Write major road names along the roads, every ~160 mm of printed road, where free."""
    spacing = 160 * f / PT_MM  # pixels
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
                            va="center", fontsize=size, family=placer.font, color=ROAD_LABEL, zorder=13,
                            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                                  "alpha": 0.8})
                    drawn += 1
                    near.append((cx, cy))
                    break
    return drawn
