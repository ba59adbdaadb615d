"""Hierarchical codes of communities, residents' groups and grids.

The layout follows GB/T 30428.1 unit grids: the 6-digit county (district)
administrative code, a 3-digit street office serial, a 3-digit community
serial, then a 3-digit grid serial within the community (residents' groups get
a 2-digit serial within the community, so the two never collide). Serials
run north-west to south-east in rows, so a re-run gives the same codes; codes
kept from an existing plan keep their serials and new units take the next
free ones.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import shapely

__all__ = ["spatial_order", "assign_codes", "new_codes", "COMMUNITY_WIDTH", "GROUP_WIDTH", "GRID_WIDTH"]

COMMUNITY_WIDTH = 3
GROUP_WIDTH = 2
GRID_WIDTH = 3


def spatial_order(geoms: np.ndarray) -> np.ndarray:
    """Order of ``geoms`` north-west to south-east, row by row.

    Rows are as tall as a typical unit, so units side by side share a row
    and are numbered west to east.
    """
    if len(geoms) == 0:
        return np.array([], dtype=np.int64)
    pts = shapely.point_on_surface(geoms)
    x, y = shapely.get_x(pts), shapely.get_y(pts)
    row_height = max(float(np.sqrt(np.median(shapely.area(geoms)))), 1.0)
    row = np.floor((y.max() - y) / row_height)
    return np.lexsort((x, row))


def assign_codes(geoms: np.ndarray, prefixes: np.ndarray, width: int, kept: np.ndarray | None = None) -> np.ndarray:
    """Codes ``prefix + serial`` for units, keeping valid existing codes.

    Parameters
    ----------
    geoms : ndarray of geometries
    prefixes : ndarray of str
        The parent's code of each unit.
    width : int
        Digits of the serial.
    kept : ndarray of str, optional
        A code to keep per unit ("" for none); kept only when it extends the
        unit's prefix by ``width`` digits and no other unit keeps it.

    Returns
    -------
    ndarray of str
    """
    n = len(geoms)
    codes = np.full(n, "", dtype=object)
    if kept is not None:
        seen: set[str] = set()
        for i, code in enumerate(kept):
            code = str(code or "")
            ok = (code.startswith(prefixes[i]) and len(code) == len(prefixes[i]) + width
                  and code[len(prefixes[i]):].isdigit() and code not in seen)
            if ok:
                codes[i] = code
                seen.add(code)
    # Serials kept under each prefix; a kept code always extends its own unit's prefix.
    used: dict[str, set[int]] = {}
    for j in np.flatnonzero(codes != ""):
        used.setdefault(prefixes[j], set()).add(int(codes[j][len(prefixes[j]):]))
    serial: dict[str, int] = {}
    for i in spatial_order(geoms):
        if codes[i]:
            continue
        prefix = prefixes[i]
        taken = used.get(prefix, set())
        s = serial.get(prefix, 0) + 1
        while s in taken:
            s += 1
        serial[prefix] = s
        codes[i] = f"{prefix}{s:0{width}d}"
    return codes


def new_codes(taken: Iterable[str], prefix: str, n: int, width: int = GRID_WIDTH) -> list[str]:
    """``n`` codes for new units under ``prefix``: the serials after the highest taken.

    For units made by hand (a grid split in the editing dock). Serials
    continue after the highest one under the prefix instead of filling gaps,
    so a code that was just deleted is not given to another place, which
    :func:`gridkit.changes.compare_plans` would read as the same unit.

    Parameters
    ----------
    taken : iterable of str
        Codes already in use (any prefix).
    prefix : str
        The parent's code.
    n : int
    width : int
        Digits of the serial (:data:`GRID_WIDTH` for grids).

    Returns
    -------
    list of str

    Examples
    --------
    >>> new_codes(["000000001001001", "000000001001004", "000000001002001"], "000000001001", 2)
    ['000000001001005', '000000001001006']
    >>> new_codes([], "000000001003", 1)
    ['000000001003001']
    """
    codes = {str(c) for c in taken}
    serials = [int(c[len(prefix):]) for c in codes
               if c.startswith(prefix) and len(c) == len(prefix) + width and c[len(prefix):].isdigit()]
    out: list[str] = []
    s = max(serials, default=0) + 1
    while len(out) < n:
        code = f"{prefix}{s:0{width}d}"
        if code not in codes:
            out.append(code)
        s += 1
    return out
