"""The page: an ISO A sheet (A0..A4) turned and split between map and side panel
so the map is as large as the area's shape allows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from matplotlib.figure import Figure

from ..errors import InputError

__all__ = ["PAPERS_MM", "Layout", "Panel", "layout_options", "padded", "paper_size"]

#: ISO 216 sheets, (short side, long side) in millimetres.
PAPERS_MM = {"A0": (841.0, 1189.0), "A1": (594.0, 841.0), "A2": (420.0, 594.0), "A3": (297.0, 420.0),
             "A4": (210.0, 297.0)}


@dataclass
class Layout:
    """One way to lay a sheet out (millimetres on paper)."""

    width: float  # page, mm
    height: float
    scale: float  # mm on paper per metre on the ground
    map_rect: tuple[float, float, float, float]  # x, y, w, h in mm from the bottom left
    panel_rect: tuple[float, float, float, float]
    extra_rect: tuple[float, float, float, float] | None  # the strip the map leaves beside or below itself
    side: str  # "right" or "bottom"
    f: float  # type size factor against A3


def paper_size(paper: str | tuple[float, float]) -> tuple[float, float, str]:
    """(short side mm, long side mm, label) of an ISO name or a (width, height) in inches."""
    if isinstance(paper, str):
        key = paper.strip().upper()
        if key not in PAPERS_MM:
            raise InputError(f"paper '{paper}' is not one of {', '.join(PAPERS_MM)}")
        short, long = PAPERS_MM[key]
        return short, long, key
    w, h = (float(v) * 25.4 for v in paper)
    return min(w, h), max(w, h), f"{w:.0f}x{h:.0f} mm"


def layout_options(paper: str | tuple[float, float], bounds: tuple[float, float, float, float]) -> list[Layout]:
    """Every way to lay the sheet out: landscape or portrait, panel right or below, map at full or
    reduced scale (to make room for the tables). Ordered by preference among equals."""
    short, long, _ = paper_size(paper)
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
            out.append(Layout(w, h, scale, map_rect, panel_rect, extra, side, f))
    return out


def padded(bounds: tuple[float, ...], share: float, least: float) -> tuple[float, float, float, float]:
    """``bounds`` grown on every side by ``share`` of the longer side, at least ``least`` metres."""
    minx, miny, maxx, maxy = bounds
    pad = max(max(maxx - minx, maxy - miny) * share, least)
    return (minx - pad, miny - pad, maxx + pad, maxy + pad)


class Panel:
    """The side panel's axes, in millimetres from its bottom left."""

    def __init__(self, fig: Figure, layout: Layout, rect: tuple[float, float, float, float],
                 font: list[str]) -> None:
        x, y, w, h = rect
        self.w, self.h, self.f, self.font = w, h, layout.f, font
        self.ax = fig.add_axes((x / layout.width, y / layout.height, w / layout.width, h / layout.height))
        self.ax.set_xlim(0, w)
        self.ax.set_ylim(0, h)
        self.ax.set_axis_off()

    def text(self, x: float, y: float, s: str, size: float, **kw: Any) -> None:
        kw.setdefault("va", "baseline")
        self.ax.text(x, y, s, fontsize=size, family=self.font, **kw)
