"""The side panel's tables (grids, communities): the largest type that fits, flowing
over side-by-side column sets."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.collections import PatchCollection
from matplotlib.patches import Rectangle

from .data import MapData
from .layout import Panel
from .text import PT_MM, floor_sizes, fmt_int, text_em

MIN_TABLE_PT = 3.4  # smallest table text


@dataclass
class TableFit:
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


def table_fit(w: float, h: float, columns: list[tuple[str, str]], rows: list[list[str]], f: float,
               truncate: bool) -> TableFit | None:
    """The largest type size (pt, from 8 f down to 3.6 f) at which ``rows`` fit in w x h mm, flowing
    over as many side-by-side column sets as needed; with ``truncate``, the rows that fit at the
    smallest size (and a note). None when nothing fits."""
    n = len(rows)
    if n == 0 or w <= 0 or h <= 0:
        return None
    ems = [max([text_em(hd)] + [text_em(r[c]) for r in rows]) + 1.6 for c, (hd, _) in enumerate(columns)]
    sizes = floor_sizes(tuple(base * f for base in _TABLE_SIZES), MIN_TABLE_PT)
    for k, size in enumerate(sizes):
        em = size * PT_MM
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
        return TableFit(size, widths, gap, row_h, title_h, per, used_cols, shown, height)
    return None


def draw_table(panel: Panel, x0: float, y_top: float, title: str, columns: list[tuple[str, str]],
           rows: list[list[str]], fit: TableFit) -> None:
    """Draw a table planned by :func:`table_fit` with its top left at (x0, y_top) mm."""
    size, em = fit.size, fit.size * PT_MM
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


def grid_rows(data: MapData, sel: np.ndarray) -> tuple[list[tuple[str, str]], list[list[str]]]:
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
        row = [g.code, g["name"], fmt_int(g.households), fmt_int(g.population)]
        if with_staff:
            people = data.staff.get(g.code, [])
            row.append("、".join(p["name"] + (f"({p['role']})" if p["role"] else "") for p in people))
            row.append(" / ".join(p["phone"] for p in people if p["phone"]))
        if staffing:
            lo, hi = int(g["grid_managers_min"]), int(g["grid_managers_max"])
            row.append(f"{lo}–{hi}" if lo != hi else f"{lo}")
        rows.append(row)
    return cols, rows


def community_rows(data: MapData) -> tuple[list[tuple[str, str]], list[list[str]]]:
    c = data.communities
    cols = [("社区编码", "text"), ("社区名称", "text"), ("网格", "num"), ("户数", "num"), ("人口", "num")]
    extra = [(k, h) for k, h in (("community_workers", "社区工作者"), ("office_m2", "办公用房㎡")) if k in c]
    cols += [(h, "num") for _, h in extra]
    rows = [[r.code, r["name"], fmt_int(r.grids), fmt_int(r.households), fmt_int(r.population)]
            + [fmt_int(r[k]) if pd.notna(r[k]) else "" for k, _ in extra] for _, r in c.iterrows()]
    return cols, rows
