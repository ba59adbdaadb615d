"""The side panel: north arrow, scale bar with the printed scale, legend,
statistics and tables, placed where they fit; the layout that gives the map
the largest scale while the tables stay whole and readable."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from matplotlib.figure import Figure
from matplotlib.patches import Polygon as MPolygon
from matplotlib.patches import Rectangle

from .colour import COMMUNITY_EDGE, CONTEXT_FILL, GRID_EDGE, PALETTE, STREET_EDGE
from .data import MapData
from .layout import Layout, Panel, layout_options
from .tables import MIN_TABLE_PT, TableFit, community_rows, draw_table, grid_rows, table_fit
from .text import PT_MM, fmt_int, text_em

__all__ = ["PanelPlan", "choose_layout", "draw_panel", "panel_content"]

#: Height (mm at f = 1) of the line that says the grid table is on the community sheets, drawn where the
#: table did not fit: the tables placed after it start below it.
NOTE_MM = 5.0


def _north_arrow(panel: Panel, x: float, y: float) -> tuple[float, float]:
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


def _scale_bar(panel: Panel, x: float, y: float, scale: float, paper: str) -> tuple[float, float]:
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


def _legend(panel: Panel, x: float, y_top: float, entries: list[tuple], ncol: int) -> None:
    """Draw legend entries top-down from ``y_top`` in ``ncol`` columns."""
    f = panel.f
    size, row, sample = 6.8 * f, 4.6 * f, 9 * f
    panel.text(x, y_top - 4 * f, "图例", 8.5 * f)
    per_col = math.ceil(len(entries) / ncol)
    col_w = sample + 2 * f + max(text_em(e[-1]) for e in entries) * size * PT_MM + 4 * f
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
                                             edgecolor=GRID_EDGE, linewidth=0.5))
        panel.text(cx + sample + 2 * f, cy, entry[-1], size, va="center")


def _legend_entries(data: MapData, context: bool) -> list[tuple]:
    entries: list[tuple] = [
        ("grids", None, None, None, "网格（相邻网格颜色不同）"),
        ("line", 0.7, GRID_EDGE, False, "网格边界"),
        ("line", 2.2, COMMUNITY_EDGE, False, "社区边界"),
        ("line", 2.6, STREET_EDGE, False, "街道边界（划分范围）"),
    ]
    if context:
        entries.append(("patch", CONTEXT_FILL, "#bbbbbb", 0.4, "其他社区的网格"))
    for row, _ in data.roads:
        entries.append(("line", row[3], row[4], row[5], row[1]))
    for key, label, _ in data.barriers:
        entries.append(("line", 1.6, "#3498db" if key in ("waterway", "coastline") else "#555555",
                        key == "railway", label))
    return entries


def _stats_lines(data: MapData, sel: np.ndarray, communities: int) -> list[str]:
    g = data.grids.iloc[sel]
    hh = g["households"].to_numpy(dtype=float)
    lines = [
        (f"{communities} 个社区 · " if communities else "") + f"{len(g)} 个网格",
        f"{fmt_int(hh.sum())} 户 · {fmt_int(g['population'].sum())} 人 · {fmt_int(g['buildings'].sum())} 栋",
        f"面积 {shapely.area(data.geoms[sel]).sum() / 1e6:.2f} km²",
    ]
    if len(g):
        lines.append(f"每网格 {fmt_int(hh.min())}–{fmt_int(hh.max())} 户，平均 {fmt_int(hh.mean())} 户")
    flagged = int((g["flags"].astype(str) != "").sum())
    if flagged:
        lines.append(f"标记网格 {flagged} 个（见报告）")
    if "grid_managers_min" in g and "grid_managers_max" in g:
        lines.append(f"网格员 {fmt_int(g['grid_managers_min'].sum())}–{fmt_int(g['grid_managers_max'].sum())} 人")
    if data.staff:
        people = sum(len(data.staff.get(c, [])) for c in g["code"])
        lines.append(f"名册 {people} 人")
    return lines


def _stats(panel: Panel, x: float, y_top: float, lines: list[str]) -> tuple[float, float]:
    f = panel.f
    size, row = 7 * f, 4.4 * f
    panel.text(x, y_top - 4 * f, "概况", 8.5 * f)
    for n, line in enumerate(lines):
        panel.text(x, y_top - 6.5 * f - (n + 0.7) * row, line, size)
    return max(text_em(s) for s in lines) * size * PT_MM + 4 * f, 6.5 * f + len(lines) * row + 1.5 * f


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
class PanelPlan:
    host: str  # "main" or "extra": where the arrow, scale bar, legend and statistics go
    blocks: list[tuple[str, float, float, float, float]]
    legend_cols: int
    tables: list[tuple[str, str, float, float, TableFit]]  # key, panel, x, y_top, fit
    note_at: tuple[str, float, float] | None  # where to say the grid table is elsewhere
    complete: bool  # every table fits whole, at a readable size


@dataclass
class _Room:
    """Free room in a panel for tables: which panel, bottom left (mm), size (mm)."""

    where: str
    x: float
    y: float
    w: float
    h: float


def _legend_size(entries: list[tuple], max_h: float, f: float) -> tuple[float, float, int]:
    row = 4.6 * f
    rows_fit = max(1, int((max_h - 6.5 * f) // row))
    ncol = math.ceil(len(entries) / rows_fit)
    per_col = math.ceil(len(entries) / ncol)
    col_w = 11 * f + max(text_em(e[-1]) for e in entries) * 6.8 * f * PT_MM + 4 * f
    return ncol * col_w, 6.5 * f + per_col * row, ncol


def _plan_panel(layout: Layout, legend_entries: list[tuple], stats: list[str],
                tables: list[tuple[str, str, list, list, bool, bool]]) -> PanelPlan:
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
                ("stats", max(text_em(s) for s in stats) * 7 * f * PT_MM + 4 * f,
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
    areas = [_Room(host, *rest)]
    other = "extra" if host == "main" else "main"
    if other in rects:
        areas.append(_Room(other, 0.0, 0.0, *rects[other]))
    areas = [a for a in areas if a.w > 10 * f and a.h > 10 * f]
    done: list[tuple[str, str, float, float, TableFit]] = []
    complete = True
    note_at: tuple[str, float, float] | None = None
    for key, _title, cols, rows, truncate, required in tables:
        if not rows:
            continue
        placed_ok = False
        for area in sorted(areas, key=lambda a: -a.w * a.h):
            fit = table_fit(area.w, area.h, cols, rows, f, truncate=False)
            if fit is not None:
                done.append((key, area.where, area.x, area.y + area.h, fit))
                area.h -= fit.height + gap
                placed_ok = True
                complete &= fit.size >= max(4.2 * f, MIN_TABLE_PT) - 1e-9
                break
        if placed_ok:
            continue
        complete = False
        if truncate and areas:
            area = max(areas, key=lambda a: a.w * a.h)
            fit = table_fit(area.w, area.h, cols, rows, f, truncate=True)
            if fit is not None:
                done.append((key, area.where, area.x, area.y + area.h, fit))
                area.h -= fit.height + gap
        elif required and areas:
            area = max(areas, key=lambda a: a.w * a.h)
            note_at = (area.where, area.x, area.y + area.h)
            # The tables after it go below the note, not over it.
            area.h -= NOTE_MM * f + gap
    return PanelPlan(host, placed, ncol, done, note_at, complete)


def choose_layout(paper: str | tuple[float, float], bounds: tuple[float, float, float, float],
                   legend_entries: list[tuple], stats: list[str], tables: list[tuple]) -> tuple[Layout, PanelPlan]:
    """The largest map whose panel still holds every table whole and readable, giving up at most a fifth
    of the scale for it; else the largest map."""
    options = layout_options(paper, bounds)
    best = max(o.scale for o in options)
    plans = [(o, _plan_panel(o, legend_entries, stats, tables)) for o in options if o.scale >= 0.8 * best - 1e-9]
    good = [(o, p) for o, p in plans if p.complete]
    pool = good or [(o, p) for o, p in plans if o.scale >= 0.96 * best - 1e-9]
    top = max(o.scale for o, _ in pool)
    return next((o, p) for o, p in pool if o.scale >= 0.96 * top - 1e-9)


def panel_content(data: MapData, community: str | None, sel: np.ndarray,
                  context: bool) -> tuple[list[tuple], list[str], list[tuple]]:
    """The legend entries, statistics lines and tables of a sheet showing grids ``sel`` (with other
    communities' grids around them when ``context``)."""
    gcols, grows = grid_rows(data, sel)
    if community is None:
        tables = [("grids", "网格一览", gcols, grows, False, True),
                  ("communities", "社区一览", *community_rows(data), True, False)]
    else:
        tables = [("grids", "网格一览", gcols, grows, True, True)]
    stats = _stats_lines(data, sel, 0 if community is not None else len(data.communities))
    return _legend_entries(data, context), stats, tables


def draw_panel(fig: Figure, layout: Layout, data: MapData, plan: PanelPlan, tables: list[tuple],
                legend_entries: list[tuple], stats: list[str], paper_label: str) -> None:
    f = layout.f
    panels = {"main": Panel(fig, layout, layout.panel_rect, data.font)}
    if layout.extra_rect:
        panels["extra"] = Panel(fig, layout, layout.extra_rect, data.font)
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
        draw_table(panels[where], x, y_top, title, cols, rows, fit)
    if plan.note_at is not None:
        where, x, y_top = plan.note_at
        panels[where].text(x, y_top - 4 * f, "网格明细见各社区分图与划分方案报告", 6.5 * f, color="#555555")
