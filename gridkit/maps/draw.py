"""Drawing primitives: polygons and lines of shapely geometries onto matplotlib axes."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MPath
from shapely.geometry.base import BaseGeometry

__all__ = ["draw_lines", "fill_polygons", "rims"]


def _poly_patches(geoms: Iterable[BaseGeometry | None]) -> list[PathPatch]:
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


def fill_polygons(ax: Axes, geoms: np.ndarray, colours: list[str], zorder: float) -> None:
    """Fill polygons, each in its colour, without edges."""
    coll = PatchCollection(_poly_patches(geoms), facecolor=_expand_colours(np.asarray(geoms), colours),
                           edgecolor="none", linewidth=0, zorder=zorder)
    ax.add_collection(coll)


def _segments(lines: Iterable[BaseGeometry | None]) -> list[np.ndarray]:
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


def rims(geoms: Iterable[BaseGeometry | None]) -> np.ndarray:
    """Outer rings of polygons: a community's holes are the area's holes or other communities' rims."""
    return np.array([shapely.LinearRing(p.exterior) for g in geoms if g is not None
                     for p in shapely.get_parts(g) if shapely.get_type_id(p) == 3], dtype=object)


def draw_lines(ax: Axes, lines: Iterable[BaseGeometry | None], width: float, colour: str, zorder: float,
               dashed: bool = False, alpha: float = 1.0) -> None:
    """Draw lines (or polygon rings) ``width`` points wide."""
    coll = LineCollection(_segments(lines), colors=colour, linewidths=width, zorder=zorder, alpha=alpha,
                          capstyle="round", joinstyle="round", linestyles=(0, (3, 2)) if dashed else "solid")
    ax.add_collection(coll)
