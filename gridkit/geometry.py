"""Geometric helpers the whole library shares: which polygon overlaps another
most, and the union of geometries by label.

Both work on whole arrays in one pass (an STRtree bulk query, vectorised
intersection areas, grouped unions inside GEOS), so their cost grows with the
number of geometries, not with the number of labels times the geometries.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = ["overlap_pairs", "largest_overlap", "dissolve_by_label", "polygonal", "convex_hull"]


def overlap_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair of ``a`` and ``b`` that intersect, and the area they share.

    Parameters
    ----------
    a, b : ndarray of geometries

    Returns
    -------
    ia, ib : ndarray of int
        Positions in ``a`` and ``b``, sorted by ``ia``.
    area : ndarray of float
        Area of the intersection (0 where they only touch, and for points).

    Examples
    --------
    >>> a = np.array([shapely.box(0, 0, 2, 2)])
    >>> b = np.array([shapely.box(1, 0, 3, 2), shapely.box(5, 5, 6, 6)])
    >>> ia, ib, area = overlap_pairs(a, b)
    >>> ia.tolist(), ib.tolist(), area.tolist()
    ([0], [0], [2.0])
    """
    ia, ib, inside = _pairs(a, b)
    return ia, ib, _shared_area(np.asarray(a, dtype=object), np.asarray(b, dtype=object), ia, ib, inside)


def _pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Intersecting pairs (sorted by ``ia``) and whether ``b`` contains ``a`` in each."""
    a = np.asarray(a, dtype=object)
    b = np.asarray(b, dtype=object)
    if len(a) == 0 or len(b) == 0:
        empty = np.array([], dtype=np.int64)
        return empty, empty, np.array([], dtype=bool)
    ia, ib = shapely.STRtree(b).query(a, predicate="intersects")
    shapely.prepare(b)
    return ia, ib, shapely.contains(b[ib], a[ia])


def _shared_area(a: np.ndarray, b: np.ndarray, ia: np.ndarray, ib: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Area of each pair's intersection, with an overlay only where it is needed.

    A geometry wholly inside its match shares all of its area, and one that only
    touches it (a neighbour along an edge: most pairs of a tiling) shares none;
    both are prepared predicates of ``b``, several times cheaper than an overlay.
    """
    area = np.zeros(len(ia))
    area[inside] = shapely.area(a[ia[inside]])
    rest = np.flatnonzero(~inside)
    rest = rest[~shapely.touches(b[ib[rest]], a[ia[rest]])]
    area[rest] = shapely.area(shapely.intersection(a[ia[rest]], b[ib[rest]]))
    return area


def largest_overlap(a: np.ndarray, b: np.ndarray, min_share: float = 0.0, *,
                    prefer: Literal["largest", "smallest"] = "largest") -> np.ndarray:
    """For each of ``a``, the position in ``b`` of the geometry it overlaps most (-1: none).

    Parameters
    ----------
    a : ndarray of geometries
        Polygons, or points (a point's share of a polygon is 1 inside it, 0 on
        or outside its boundary).
    b : ndarray of geometries
        Polygons.
    min_share : float
        Only matches covering at least this share of the ``a`` geometry's area
        count; with 0, a geometry that only touches some of ``b`` still gets one.
    prefer : {"largest", "smallest"}
        Of the matches that count, take the one sharing the largest area, or the
        smallest ``b`` geometry (the most specific one where polygons nest).
        Ties go to the lowest position in ``b``.

    Returns
    -------
    ndarray of int

    Examples
    --------
    >>> a = np.array([shapely.box(0, 0, 4, 1), shapely.Point(9, 9)])
    >>> b = np.array([shapely.box(-1, -1, 1, 2), shapely.box(1, -1, 5, 2)])
    >>> largest_overlap(a, b).tolist()
    [1, -1]
    >>> largest_overlap(a, b, 0.8).tolist()
    [-1, -1]
    >>> largest_overlap(a, b, prefer="smallest").tolist()
    [0, -1]
    """
    a = np.asarray(a, dtype=object)
    b = np.asarray(b, dtype=object)
    out = np.full(len(a), -1, dtype=np.int64)
    ia, ib, inside = _pairs(a, b)
    if len(ia) == 0:
        return out
    area = _shared_area(a, b, ia, ib, inside)
    own = shapely.area(a[ia])
    point = own == 0
    share = np.where(point, 0.0, area / np.where(point, 1.0, own))
    if point.any():
        share[point] = shapely.within(a[ia[point]], b[ib[point]]).astype(float)
    keep = share >= min_share if min_share > 0 else ~point | (share > 0)
    ia, ib, area = ia[keep], ib[keep], area[keep]
    if len(ia) == 0:
        return out
    rank = -area if prefer == "largest" else shapely.area(b[ib])
    order = np.lexsort((ib, rank, ia))
    ia, ib = ia[order], ib[order]
    first = np.r_[True, ia[1:] != ia[:-1]]
    out[ia[first]] = ib[first]
    return out


def convex_hull(geoms: np.ndarray) -> BaseGeometry:
    """The convex hull of all ``geoms`` together, from their vertices (no union of the geometries).

    Examples
    --------
    >>> import shapely
    >>> convex_hull(shapely.box([0, 10], 0, [1, 11], 1)).area
    11.0
    """
    return shapely.MultiPoint(shapely.get_coordinates(geoms)).convex_hull


def polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal parts of each geometry (overlays can return lines too).

    Examples
    --------
    >>> mixed = shapely.GeometryCollection([shapely.box(0, 0, 1, 1), shapely.LineString([(2, 2), (3, 3)])])
    >>> polygonal(np.array([mixed]))[0].wkt
    'MULTIPOLYGON (((1 0, 1 1, 0 1, 0 0, 1 0)))'
    """
    geoms = np.asarray(geoms, dtype=object)
    mixed = shapely.get_type_id(geoms) == 7
    if not mixed.any():
        return geoms
    out = geoms.copy()
    parts, index = shapely.get_parts(geoms[mixed], return_index=True)
    areal = shapely.get_type_id(parts) == 3
    grouped = np.full(int(mixed.sum()), None, dtype=object)
    if areal.any():
        made = shapely.multipolygons(parts[areal], indices=index[areal])
        grouped[: len(made)] = made
    has = np.bincount(index[areal], minlength=len(grouped)) > 0
    grouped[~has] = shapely.Polygon()
    out[mixed] = grouped
    return out


def dissolve_by_label(geoms: np.ndarray, labels: np.ndarray, n: int | None = None,
                      grid_size: float | None = None, *, coverage: bool = False) -> np.ndarray:
    """Union of ``geoms`` per label ``0..n-1``, snapped to ``grid_size`` when given.

    A label with one geometry keeps it as it is; a label with none gets an
    empty polygon. The unions run inside GEOS over rows of a padded array,
    labels grouped by size so the padding stays under half of the array.
    With ``coverage=True`` the geometries must form a valid coverage (no
    overlaps, neighbours share their vertices exactly, as Voronoi cells do):
    each row is then merged by :func:`shapely.coverage_union_all`, which only
    drops shared edges and is many times faster than an overlay union.

    Parameters
    ----------
    geoms : ndarray of geometries
    labels : ndarray of int
        Label of every geometry, in ``0..n-1``.
    n : int, optional
        Number of labels (default: ``labels.max() + 1``).
    grid_size : float, optional
        Precision grid of the unions (see :func:`shapely.union_all`); not
        used with ``coverage`` (a coverage union adds no new vertices).
    coverage : bool
        The geometries are a valid polygonal coverage.

    Returns
    -------
    ndarray of geometries, one per label

    Examples
    --------
    >>> geoms = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(5, 5, 6, 6)])
    >>> [g.area for g in dissolve_by_label(geoms, np.array([0, 0, 1]))]
    [2.0, 1.0]
    """
    geoms = np.asarray(geoms, dtype=object)
    labels = np.asarray(labels, dtype=np.int64)
    n = int(labels.max()) + 1 if n is None else n
    out = np.full(n, None, dtype=object)
    if len(geoms) == 0:
        out[:] = shapely.Polygon()
        return out
    order = np.argsort(labels, kind="stable")
    cuts = np.searchsorted(labels[order], np.arange(n + 1))
    size = np.diff(cuts)
    single = np.flatnonzero(size == 1)
    out[single] = geoms[order[cuts[single]]]
    many = np.flatnonzero(size > 1)
    if len(many):
        # Rows of similar length (powers of two) share one padded array.
        width = 2 ** np.ceil(np.log2(size[many])).astype(np.int64)
        for w in np.unique(width):
            rows = many[width == w]
            table = np.full((len(rows), int(w)), None, dtype=object)
            pos = _ranges(cuts[rows], size[rows])
            table[np.repeat(np.arange(len(rows)), size[rows]), pos - np.repeat(cuts[rows], size[rows])] = \
                geoms[order[pos]]
            if coverage:
                out[rows] = shapely.coverage_union_all(table, axis=1)
            else:
                out[rows] = shapely.union_all(table, grid_size=grid_size, axis=1)
    empty = shapely.is_missing(out)
    out[empty] = shapely.Polygon()
    return out


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + l)`` for every start and length."""
    total = int(lengths.sum())
    offsets = np.repeat(starts - np.r_[0, np.cumsum(lengths)[:-1]], lengths)
    return np.arange(total) + offsets
