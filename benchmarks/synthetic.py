"""Generate a SYNTHETIC city for benchmarking gridkit.

Everything this module produces is made up. It is not map data and does not
describe any real place; the only real-world part is the coordinate reference
system (EPSG:32650, WGS 84 / UTM zone 50N), chosen so that distances are in
metres and the coordinates look like those of a city in eastern China
(around x=500000, y=3400000). The boundary has ``source="synthetic"``,
street and river names start with 合成 ("synthetic"), and compound names
such as 幸福小区 are picked from a short list of common words.

The generator builds, from one ``numpy.random.default_rng(seed)``:

1. A lattice of streets. Arterials (primary/secondary) run every 400-600 m in
   both directions; each strip between two arterials is cut by 2-3 local
   streets (tertiary/residential), so blocks are about 80-200 m across. The
   lattice nodes are jittered and the whole lattice is gently warped, so
   streets meet at irregular angles and bend slightly.
2. Irregularities: about one residential segment in ten is dropped (the two
   blocks merge and dead ends appear), and a few diagonal streets cut blocks
   in two along their diagonals.
3. One meandering river from the west edge to the east edge. Roads that cross
   it are split at it. About every 4th-5th major road (primary/secondary)
   crossing the river gets a bridge (a separate piece with ``bridge=True``);
   all the others stop at the river, i.e. end on the river line, so the river
   is a real barrier with a few crossings.
4. Compounds (小区) in some blocks: a service road or footway that enters the
   block from one street and ends inside it (dead end, bend or small loop),
   plus several named apartment buildings.
5. Buildings: rectangles, some rotated, some L-shaped, 100-2500 m², 0-15 per
   block. Each block is cut into a grid of slots with at most one building per
   slot, so buildings never overlap, and every building keeps a setback from
   the streets, the river and the compound roads.

The number of street blocks, i.e. the faces that ``shapely.polygonize`` finds
in the noded union of the primary..residential roads, the river and the
boundary ring (see :func:`count_blocks`), is within about ±5 % of the
requested number from 300 blocks up, and within ±25 % for tiny cities. The
boundary lies 20 m outside a closed ring road.

Both halves of a street that stops at the river end on the same river vertex.
An engine that builds a street graph without the ``barriers`` layer would join
them there; only ``bridge=True`` pieces really cross the river.

The output scales to 10^5 blocks (about 6*10^5 buildings) in seconds; the
city covers roughly 0.021 km² per block.

:func:`make_offices` cuts a city into SYNTHETIC street offices for
``gridkit batch``: unions of the faces between arterials, so no building
straddles two offices; named 合成N街道 with codes ``990100`` + serial.

Usage::

    python benchmarks/synthetic.py 10000 -o /tmp/city10k.gpkg --seed 0
    python benchmarks/synthetic.py 2000 -o /tmp/city.gpkg --offices 12   # plus an 'offices' layer
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

CRS = "EPSG:32650"
CENTRE = (500_000.0, 3_400_000.0)

HIGHWAY = np.array(
    ["primary", "secondary", "tertiary", "residential", "service", "footway"], dtype=object
)
PRIMARY, SECONDARY, TERTIARY, RESIDENTIAL, SERVICE, FOOTWAY = range(6)
BLOCK_CLASSES = ("primary", "secondary", "tertiary", "residential")

# Distance (m) that buildings keep from a road centre line: half the carriageway
# plus a pavement, so wider roads get larger setbacks.
SETBACK = np.array([12.0, 10.0, 7.0, 5.0, 2.5, 1.5])
# The river line is a centre line; the water itself is some 30-40 m wide.
RIVER_SETBACK = 25.0
# Buildings keep this distance from the edges of their slot, so two buildings
# are at least twice as far apart. It must exceed the service setback because
# compound roads run along slot edges.
GAP = 3.0

ARTERIAL_SPACING = (400.0, 600.0)
MIN_STREET_SPACING = 80.0
# Node jitter in metres. Kept below ~0.2 of the smallest street spacing, which
# keeps every block quadrilateral convex (the slot geometry relies on it).
JITTER = 14.0
WARP_AMPLITUDE = 35.0
ASPECT = 1.3  # width / height of the city
BOUNDARY_MARGIN = 20.0
RIVER_STEP = 10.0

P_DROP = 0.10
DIAGONAL_CELL_SHARE = 0.03
P_COMPOUND = 0.12
P_EMPTY_BLOCK = 0.08
MAX_PER_BLOCK = 15
SLOT_SIZE = 45.0
MIN_AREA, MAX_AREA = 100.0, 2500.0
BRIDGE_HALF_LENGTH = 15.0

COMPOUND_PREFIXES = ["幸福", "阳光", "锦绣", "和谐", "翠湖", "金桥", "春晖", "枫林", "华庭", "康乐", "紫荆", "海棠"]
COMPOUND_SUFFIXES = ["小区", "花园", "家园", "苑", "新村"]


# --------------------------------------------------------------------------- lattice


@dataclass
class _Lattice:
    """Street lattice: node coordinates, line classes and which edges exist.

    Attributes
    ----------
    nodes : numpy.ndarray
        ``(ny + 1, nx + 1, 2)`` node coordinates; row ``j`` runs west-east.
    col_cls, row_cls : numpy.ndarray
        Road class (index into :data:`HIGHWAY`) of every column / row line.
    col_keep : numpy.ndarray
        ``(ny, nx + 1)`` bool, edge from node ``(j, i)`` to ``(j + 1, i)`` exists.
    row_keep : numpy.ndarray
        ``(ny + 1, nx)`` bool, edge from node ``(j, i)`` to ``(j, i + 1)`` exists.
    """

    nodes: np.ndarray
    col_cls: np.ndarray
    row_cls: np.ndarray
    col_keep: np.ndarray
    row_keep: np.ndarray

    @property
    def nx(self) -> int:
        return self.nodes.shape[1] - 1

    @property
    def ny(self) -> int:
        return self.nodes.shape[0] - 1

    def cell_corners(self) -> np.ndarray:
        """Corners of every cell, ``(ny * nx, 4, 2)``, counter-clockwise from south-west."""
        n = self.nodes
        quad = np.stack([n[:-1, :-1], n[:-1, 1:], n[1:, 1:], n[1:, :-1]], axis=2)
        return quad.reshape(-1, 4, 2)


def _lattice_shape(n_blocks: int) -> tuple[int, int]:
    """Number of lattice cells along x and y for a requested block count.

    Dropped segments merge about 12 % of the cells and diagonals split about
    3 %, while the river adds about 1.2 blocks per lattice column (it cuts
    the cells it passes through; measured). Solves
    ``0.91 * nx * ny + 1.2 * nx = n`` with ``nx = ASPECT * ny``.
    """
    net = 1.0 - 0.12 + DIAGONAL_CELL_SHARE
    per_column = 1.2
    a = net / ASPECT
    nx = (-per_column + np.sqrt(per_column**2 + 4.0 * a * n_blocks)) / (2.0 * a)
    nx = max(3, int(round(nx)))
    ny = max(3, int(round((n_blocks - per_column * nx) / (net * nx))))
    return nx, ny


def _axis_lines(rng: np.random.Generator, n_cells: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions and classes of the parallel street lines along one axis.

    Parameters
    ----------
    rng : numpy.random.Generator
    n_cells : int
        Number of gaps between lines wanted.

    Returns
    -------
    pos : numpy.ndarray
        ``n_cells + 1`` increasing positions starting at 0 (metres).
    cls : numpy.ndarray
        Road class of each line. The first and last lines are arterials, so
        the city is closed by a ring road.
    """
    pos, art, tert = [0.0], [True], [False]
    while len(pos) - 1 < n_cells:
        span = rng.uniform(*ARTERIAL_SPACING)
        m = int(rng.integers(3, 5))
        # A concentrated Dirichlet keeps the local streets roughly evenly spaced
        # without making them a regular lattice.
        parts = np.maximum(span * rng.dirichlet(np.full(m, 8.0)), MIN_STREET_SPACING)
        tertiary_at = int(rng.integers(1, m)) if rng.random() < 0.5 else -1
        for k, part in enumerate(parts, start=1):
            pos.append(pos[-1] + part)
            art.append(k == m)
            tert.append(k == tertiary_at)
    pos, art, tert = np.array(pos[: n_cells + 1]), np.array(art[: n_cells + 1]), np.array(tert[: n_cells + 1])
    art[-1], tert[-1] = True, False
    cls = np.where(tert, TERTIARY, RESIDENTIAL)
    # Roughly one arterial in three is primary, the rest secondary.
    k = np.cumsum(art) + int(rng.integers(0, 3))
    cls[art] = np.where(k[art] % 3 == 0, PRIMARY, SECONDARY)
    return pos, cls


def _jittered_nodes(rng, xs, ys, col_cls, row_cls) -> np.ndarray:
    """Lattice nodes with random jitter and a smooth global warp.

    Arterials are jittered less across their direction than local streets so
    that they stay fairly straight; the ring road is jittered only along itself.
    """
    ny, nx = len(ys) - 1, len(xs) - 1
    x = np.broadcast_to(xs[None, :], (ny + 1, nx + 1)).copy()
    y = np.broadcast_to(ys[:, None], (ny + 1, nx + 1)).copy()
    jx = rng.uniform(-JITTER, JITTER, x.shape) * np.where(col_cls <= SECONDARY, 0.3, 1.0)[None, :]
    jy = rng.uniform(-JITTER, JITTER, y.shape) * np.where(row_cls <= SECONDARY, 0.3, 1.0)[:, None]
    jx[:, [0, -1]] = 0.0
    jy[[0, -1], :] = 0.0
    x, y = x + jx, y + jy
    wl = rng.uniform(2000.0, 3500.0, 2)
    phase = rng.uniform(0.0, 2 * np.pi, 2)
    wx = x + WARP_AMPLITUDE * np.sin(2 * np.pi * y / wl[0] + phase[0])
    wy = y + WARP_AMPLITUDE * np.sin(2 * np.pi * x / wl[1] + phase[1])
    nodes = np.stack([wx, wy], axis=-1)
    nodes -= (nodes.reshape(-1, 2).max(axis=0) + nodes.reshape(-1, 2).min(axis=0)) / 2.0
    return nodes + np.array(CENTRE)


def _make_lattice(rng: np.random.Generator, n_blocks: int) -> _Lattice:
    """Build the jittered street lattice and drop some residential segments."""
    nx, ny = _lattice_shape(n_blocks)
    xs, col_cls = _axis_lines(rng, nx)
    ys, row_cls = _axis_lines(rng, ny)
    nodes = _jittered_nodes(rng, xs, ys, col_cls, row_cls)
    col_keep = ~((col_cls == RESIDENTIAL)[None, :] & (rng.random((ny, nx + 1)) < P_DROP))
    row_keep = ~((row_cls == RESIDENTIAL)[:, None] & (rng.random((ny + 1, nx)) < P_DROP))
    return _Lattice(nodes, col_cls, row_cls, col_keep, row_keep)


def _boundary(lat: _Lattice) -> shapely.Polygon:
    """City boundary: the ring road pushed outwards by a small margin."""
    n = lat.nodes
    ring = np.concatenate([n[0, :], n[1:, -1], n[-1, -2::-1], n[-2:0:-1, 0]])
    return shapely.buffer(shapely.Polygon(ring), BOUNDARY_MARGIN, join_style="mitre")


# --------------------------------------------------------------------------- river


def _river(rng: np.random.Generator, boundary: shapely.Polygon) -> shapely.LineString:
    """A meandering river from the west edge of the boundary to the east edge.

    The river is ``y = f(x)`` (two superposed sines), so any roughly north-south
    street crosses it exactly once: its slope (at most about 1.7) stays below
    that of the north-south streets (at least about 2.5 after jitter).
    """
    minx, miny, maxx, maxy = boundary.bounds
    height = maxy - miny
    x = np.arange(minx - 200.0, maxx + 200.0 + RIVER_STEP, RIVER_STEP)
    amp = np.array([min(rng.uniform(150.0, 250.0), 0.15 * height), rng.uniform(30.0, 50.0)])
    wavelength = np.array([rng.uniform(1500.0, 2500.0), rng.uniform(500.0, 800.0)])
    phase = rng.uniform(0.0, 2 * np.pi, 2)
    y = miny + height * rng.uniform(0.4, 0.6)
    y = y + (amp[:, None] * np.sin(2 * np.pi * x[None, :] / wavelength[:, None] + phase[:, None])).sum(axis=0)
    clipped = shapely.line_merge(shapely.intersection(shapely.linestrings(x, y), boundary))
    if clipped.geom_type != "LineString":
        # Only possible for tiny cities where the meander leaves through the
        # north or south edge; keep the main stem.
        parts = shapely.get_parts(clipped)
        clipped = parts[np.argmax(shapely.length(parts))]
    return clipped


def _river_cells(corners: np.ndarray, river: shapely.LineString) -> np.ndarray:
    """Boolean mask of lattice cells touched by the river."""
    cells = shapely.polygons(corners)
    hit = shapely.STRtree(cells).query(river, predicate="intersects")
    mask = np.zeros(len(corners), dtype=bool)
    mask[hit] = True
    return mask


def _crossings(lat: _Lattice, river: shapely.LineString) -> tuple[dict, np.ndarray]:
    """Where the river crosses existing lattice edges.

    Returns
    -------
    extra : dict
        ``{("c", i) or ("r", j): {edge index: [(t, xy, True), ...]}}`` for
        column ``i`` / row ``j``; ``t`` is the position along the edge (0 at
        its start node, 1 at its end) and ``xy`` the crossing point. The
        format is shared with compound attachment points (flag False).
    points : numpy.ndarray
        ``(K, 2)`` all crossing points, to be inserted into the river.
    """
    n = lat.nodes
    ny, nx = lat.ny, lat.nx
    starts = np.concatenate([n[:-1, :].reshape(-1, 2), n[:, :-1].reshape(-1, 2)])
    ends = np.concatenate([n[1:, :].reshape(-1, 2), n[:, 1:].reshape(-1, 2)])
    keep = np.concatenate([lat.col_keep.ravel(), lat.row_keep.ravel()])
    edge_ids = np.flatnonzero(keep)
    segs = shapely.linestrings(np.stack([starts[edge_ids], ends[edge_ids]], axis=1))
    hit = np.sort(shapely.STRtree(segs).query(river, predicate="intersects"))
    pts, which = shapely.get_coordinates(shapely.intersection(segs[hit], river), return_index=True)
    eid = edge_ids[hit[which]]
    d = ends[eid] - starts[eid]
    t = np.einsum("ij,ij->i", pts - starts[eid], d) / np.einsum("ij,ij->i", d, d)
    extra: dict = {}
    n_col = ny * (nx + 1)
    for e, tt, xy in zip(eid.tolist(), t.tolist(), pts):
        if e < n_col:
            j, i = divmod(e, nx + 1)
            key, edge = ("c", i), j
        else:
            j, i = divmod(e - n_col, nx)
            key, edge = ("r", j), i
        extra.setdefault(key, {}).setdefault(edge, []).append((tt, xy, True))
    return extra, pts


def _insert_vertices(line: shapely.LineString, points: np.ndarray) -> shapely.LineString:
    """Add points lying on ``line`` to it as vertices.

    Roads that stop at the river then end exactly on a river vertex, so they
    touch it rather than cross or miss it by a rounding error.
    """
    xy = shapely.get_coordinates(line)
    along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
    at = shapely.line_locate_point(line, shapely.points(points))
    order = np.argsort(np.concatenate([along, at]), kind="stable")
    return shapely.LineString(np.concatenate([xy, points])[order])


def _choose_bridges(rng, lat: _Lattice, extra: dict) -> set:
    """Pick about every 4th-5th major road that crosses the river as a bridge.

    Returns a set of ``("c", i)`` / ``("r", j)`` line keys.
    """
    crossed = sorted(extra)  # columns first (west to east), then rows
    cands = [k for k in crossed if (lat.col_cls if k[0] == "c" else lat.row_cls)[k[1]] <= SECONDARY]
    chosen = []
    k = int(rng.integers(0, 3))
    while k < len(cands):
        chosen.append(cands[k])
        k += int(rng.integers(4, 6))
    if not chosen and cands:
        chosen.append(cands[len(cands) // 2])
    return set(chosen)


# --------------------------------------------------------------------------- roads


def _way_ranges(rng, keep: np.ndarray) -> list[tuple[int, int]]:
    """Split one lattice line into OSM-like ways.

    A line breaks where a segment was dropped, and each unbroken run is further
    cut into ways of 2-10 segments, as OSM ways rarely span a whole street.

    Returns
    -------
    list of (a, b)
        Node index ranges; the way runs through nodes ``a..b`` inclusive.
    """
    padded = np.concatenate([[False], keep, [False]])
    change = np.flatnonzero(np.diff(padded.astype(np.int8)))
    ranges = []
    for a, b in zip(change[0::2], change[1::2]):
        cuts = np.cumsum(rng.integers(2, 11, size=(b - a) // 2 + 1)) + a
        bounds = np.concatenate([[a], cuts[cuts < b], [b]])
        ranges.extend(zip(bounds[:-1].tolist(), bounds[1:].tolist()))
    return ranges


def _split_way(pts: np.ndarray, a: int, b: int, extra: dict, bridge: bool) -> list[tuple[np.ndarray, bool]]:
    """Build the way through nodes ``a..b`` of a line, split at the river.

    Parameters
    ----------
    pts : numpy.ndarray
        Nodes of the whole line.
    a, b : int
        Node range of the way.
    extra : dict
        ``{edge index: [(t, xy, is_river), ...]}``: points inside the line's
        edges. River crossings split the way; other points (where compound
        roads attach) become plain vertices.
    bridge : bool
        If true, each river crossing becomes a separate short bridge piece;
        otherwise the road ends on the river on both sides.

    Returns
    -------
    list of (coords, is_bridge)
    """
    edges = [e for e in sorted(extra) if a <= e < b]
    if not edges:
        return [(pts[a : b + 1], False)]
    out, cur, last = [], [pts[a : a + 1]], a
    for e in edges:
        cur.append(pts[last + 1 : e + 1])
        p, q = pts[e], pts[e + 1]
        length = float(np.hypot(*(q - p)))
        marks = sorted(extra[e], key=lambda m: m[0])
        # Keep a bridge inside its edge and clear of neighbouring crossings.
        room = np.diff([0.0] + [m[0] for m in marks] + [1.0]) * length
        half = min(BRIDGE_HALF_LENGTH, 0.4 * float(room.min()))
        for k, (t, x, is_river) in enumerate(marks):
            if not is_river:
                # Two compounds facing each other may enter at the same point.
                if k == 0 or t != marks[k - 1][0]:
                    cur.append(x[None])
            elif bridge:
                d = (q - p) / length * half
                cur.append((x - d)[None])
                out.append((np.concatenate(cur), False))
                out.append((np.stack([x - d, x + d]), True))
                cur = [(x + d)[None]]
            else:
                cur.append(x[None])
                out.append((np.concatenate(cur), False))
                cur = [x[None]]
        last = e
    cur.append(pts[last + 1 : b + 1])
    out.append((np.concatenate(cur), False))
    return out


def _lattice_roads(rng, lat: _Lattice, extra: dict, bridges: set) -> pd.DataFrame:
    """All lattice streets as ways, split at the river, with bridge pieces."""
    coords, cls, names, is_bridge = [], [], [], []
    lines = [(("c", i), lat.nodes[:, i], lat.col_keep[:, i], lat.col_cls[i]) for i in range(lat.nx + 1)]
    lines += [(("r", j), lat.nodes[j, :], lat.row_keep[j, :], lat.row_cls[j]) for j in range(lat.ny + 1)]
    for number, (key, pts, keep, c) in enumerate(lines, start=1):
        for a, b in _way_ranges(rng, keep):
            for xy, br in _split_way(pts, a, b, extra.get(key, {}), key in bridges):
                coords.append(xy)
                cls.append(c)
                names.append(f"合成路{number}")
                is_bridge.append(br)
    return _roads_frame(coords, cls, names, is_bridge)


def _roads_frame(coords, cls, names, is_bridge) -> pd.DataFrame:
    """Vectorised construction of a road table from lists of coordinate arrays."""
    sizes = np.fromiter((len(c) for c in coords), dtype=np.int64, count=len(coords))
    flat = np.concatenate(coords) if coords else np.empty((0, 2))
    geom = shapely.linestrings(flat, indices=np.repeat(np.arange(len(coords)), sizes))
    return pd.DataFrame({
        "highway": HIGHWAY[np.asarray(cls, dtype=np.int64)],
        "name": pd.Series(names, dtype="str"),
        "bridge": np.asarray(is_bridge, dtype=bool),
        "geometry": geom,
    })


def _diagonals(rng, lat: _Lattice, blocked: np.ndarray, first_number: int):
    """Diagonal streets running corner to corner through a few cells each.

    A diagonal street passes through lattice nodes only, so it never crosses
    another street between nodes. Cells in ``blocked`` (river cells) are
    avoided, and a cell gets at most one diagonal.

    Returns
    -------
    roads : pandas.DataFrame
    diag : numpy.ndarray
        Boolean mask of cells that now contain a diagonal.
    """
    nx, ny = lat.nx, lat.ny
    used = blocked.reshape(ny, nx).copy()
    diag = np.zeros((ny, nx), dtype=bool)
    n_streets = max(1, int(round(DIAGONAL_CELL_SHARE * nx * ny / 4.0)))
    coords, names = [], []
    for _ in range(n_streets):
        j, i = int(rng.integers(0, ny)), int(rng.integers(0, nx))
        di = 1 if rng.random() < 0.5 else -1
        length = int(rng.integers(2, 7))
        path = []
        while len(path) < length and 0 <= j < ny and 0 <= i < nx and not used[j, i]:
            used[j, i] = diag[j, i] = True
            path.append((j, i))
            j, i = j + 1, i + di
        if not path:
            continue
        # Rising diagonals go SW->NE corners, falling ones SE->NW.
        js = np.array([p[0] for p in path] + [path[-1][0] + 1])
        i0 = np.array([p[1] for p in path])
        is_ = np.concatenate([i0, [i0[-1] + di]]) + (0 if di == 1 else 1)
        coords.append(lat.nodes[js, is_])
        names.append(f"合成路{first_number + len(names)}")
    roads = _roads_frame(coords, [RESIDENTIAL] * len(coords), names, [False] * len(coords))
    return roads, diag.ravel()


# --------------------------------------------------------------------------- slots


def _bilinear(corners: np.ndarray, cell: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Map unit-square coordinates ``(u, v)`` into cells.

    Lines of constant ``u`` or ``v`` are straight in a bilinear patch, so a
    grid in ``(u, v)`` cuts a cell into convex quadrilaterals that tile it
    exactly. Slots and compound roads rely on this.
    """
    c = corners[cell]
    u, v = u[:, None], v[:, None]
    return (1 - u) * (1 - v) * c[:, 0] + u * (1 - v) * c[:, 1] + u * v * c[:, 2] + (1 - u) * v * c[:, 3]


def _slot_grid(corners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Number of slots per cell along u and v (2-4 each, about 45 m apart)."""
    c = corners
    w = 0.5 * (np.linalg.norm(c[:, 1] - c[:, 0], axis=1) + np.linalg.norm(c[:, 2] - c[:, 3], axis=1))
    h = 0.5 * (np.linalg.norm(c[:, 3] - c[:, 0], axis=1) + np.linalg.norm(c[:, 2] - c[:, 1], axis=1))
    nu = np.clip(np.round(w / SLOT_SIZE), 2, 4).astype(np.int64)
    nv = np.clip(np.round(h / SLOT_SIZE), 2, 4).astype(np.int64)
    return nu, nv


def _cell_margins(lat: _Lattice) -> np.ndarray:
    """Setback on the south, east, north and west side of every cell, ``(C, 4)``.

    A dropped segment keeps the residential setback: a street that goes on
    beyond its end node would otherwise pass close to a corner building.
    """
    ny, nx = lat.ny, lat.nx
    row_m = np.where(lat.row_keep, SETBACK[lat.row_cls][:, None], SETBACK[RESIDENTIAL])
    col_m = np.where(lat.col_keep, SETBACK[lat.col_cls][None, :], SETBACK[RESIDENTIAL])
    m = np.stack([row_m[:-1, :], col_m[:, 1:], row_m[1:, :], col_m[:, :-1]], axis=-1)
    return m.reshape(ny * nx, 4)


def _merged_size(lat: _Lattice) -> np.ndarray:
    """For every cell, how many lattice cells its block spans after drops.

    Used to cap buildings per cell so that a merged block still holds at most
    :data:`MAX_PER_BLOCK` buildings.
    """
    ny, nx = lat.ny, lat.nx
    cid = np.arange(ny * nx).reshape(ny, nx)
    dc = ~lat.col_keep[:, 1:-1]
    dr = ~lat.row_keep[1:-1, :]
    a = np.concatenate([cid[:, :-1][dc], cid[:-1, :][dr]])
    b = np.concatenate([cid[:, 1:][dc], cid[1:, :][dr]])
    label = np.arange(ny * nx)
    while True:
        # Min-label propagation with pointer jumping; merged groups are small,
        # so this converges in a few rounds.
        low = np.minimum(label[a], label[b])
        new = label.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        new = new[new]
        if np.array_equal(new, label):
            return np.bincount(label, minlength=ny * nx)[label]
        label = new


# --------------------------------------------------------------------------- compounds


def _compound_paths(rng, nu: int, nv: int, from_top: bool):
    """Paths (in cell ``(u, v)`` coordinates) of one compound's internal roads.

    All vertices lie on slot-grid lines, so the paths run along slot edges and
    need no room of their own. The first path starts on the street at ``v=0``
    (or ``v=1``) and stops inside the block: straight dead end, a bend, or a
    dead end ending in a small loop (a separate closed way).
    """
    a = nu // 2
    u = a / nu
    side = [s for s in (a - 1, a + 1) if 1 <= s <= nu - 1]
    kind = int(rng.integers(0, 3))
    if kind == 2 and side and nv >= 3:
        b = int(rng.integers(1, nv - 1))
        s = side[int(rng.integers(0, len(side)))] / nu
        v0, v1 = b / nv, (b + 1) / nv
        paths = [[(u, 0.0), (u, v0)], [(u, v0), (s, v0), (s, v1), (u, v1), (u, v0)]]
    elif kind == 1 and side:
        b = int(rng.integers(1, nv))
        s = side[int(rng.integers(0, len(side)))] / nu
        paths = [[(u, 0.0), (u, b / nv), (s, b / nv)]]
    else:
        b = int(rng.integers(1, nv))
        paths = [[(u, 0.0), (u, b / nv)]]
    if from_top:
        paths = [[(pu, 1.0 - pv) for pu, pv in p] for p in paths]
    return paths


def _compounds(rng, lat: _Lattice, corners, nu, nv, eligible):
    """Place compounds: internal service roads/footways in some blocks.

    Returns
    -------
    roads : pandas.DataFrame
    compound : numpy.ndarray
        Per cell, index into ``names`` or -1.
    names : list of str
    attach : dict
        Entry points of the compound roads on the streets, in the format of
        :func:`_crossings`.
    """
    ny, nx = lat.ny, lat.nx
    south_kept = lat.row_keep[:-1, :].ravel()
    north_kept = lat.row_keep[1:, :].ravel()
    pick = eligible & (rng.random(ny * nx) < P_COMPOUND) & (south_kept | north_kept)
    cells = np.flatnonzero(pick)
    compound = np.full(ny * nx, -1)
    names, uv, cell_of, feat_of, cls, entries = [], [], [], [], [], []
    for c in cells.tolist():
        from_top = not south_kept[c]
        road_cls = SERVICE if rng.random() < 0.7 else FOOTWAY
        paths = _compound_paths(rng, int(nu[c]), int(nv[c]), from_top)
        j, i = divmod(c, nx)
        entries.append((("r", j + from_top), i, paths[0][0][0], len(uv)))
        for path in paths:
            uv.extend(path)
            cell_of.extend([c] * len(path))
            feat_of.extend([len(cls)] * len(path))
            cls.append(road_cls)
        prefix = COMPOUND_PREFIXES[int(rng.integers(0, len(COMPOUND_PREFIXES)))]
        suffix = COMPOUND_SUFFIXES[int(rng.integers(0, len(COMPOUND_SUFFIXES)))]
        compound[c] = len(names)
        names.append(prefix + suffix)
    uv = np.asarray(uv, dtype=float).reshape(-1, 2)
    xy = _bilinear(corners, np.asarray(cell_of, dtype=np.int64), uv[:, 0], uv[:, 1])
    geom = shapely.linestrings(xy, indices=np.asarray(feat_of, dtype=np.int64)) if cls else np.empty(0, object)
    # The street gets the entry point as a vertex, so the compound road is
    # connected to it exactly (see _split_way).
    attach: dict = {}
    for key, edge, t, vertex in entries:
        attach.setdefault(key, {}).setdefault(edge, []).append((t, xy[vertex], False))
    roads = pd.DataFrame({
        "highway": HIGHWAY[np.asarray(cls, dtype=np.int64)],
        "name": pd.Series([None] * len(cls), dtype="str"),
        "bridge": np.zeros(len(cls), dtype=bool),
        "geometry": geom,
    })
    return roads, compound, names, attach


# --------------------------------------------------------------------------- buildings


def _pick_slots(rng, nu, nv, n_wanted):
    """Choose ``n_wanted[c]`` distinct random slots in every cell.

    Returns
    -------
    cell, a, b : numpy.ndarray
        Cell of each chosen slot and its column ``a`` (along u) and row ``b``.
    """
    ns = nu * nv
    offsets = np.concatenate([[0], np.cumsum(ns)[:-1]])
    cell = np.repeat(np.arange(len(ns)), ns)
    local = np.arange(cell.size) - offsets[cell]
    order = np.lexsort((rng.random(cell.size), cell))
    rank = np.empty(cell.size, dtype=np.int64)
    rank[order] = np.arange(cell.size) - offsets[cell[order]]
    sel = rank < n_wanted[cell]
    cell, local = cell[sel], local[sel]
    return cell, local % nu[cell], local // nu[cell]


def _building_types(rng, in_compound: np.ndarray):
    """Building tag, levels, target area (m²) and aspect ratio per building."""
    n = in_compound.size
    r = rng.random(n)
    kind = np.where(in_compound | (r > 0.95), 1, np.where(r > 0.85, 2, 0))  # 0 yes, 1 apartments, 2 commercial
    tag = np.array(["yes", "apartments", "commercial"], dtype=object)[kind]
    levels = np.select(
        [kind == 0, kind == 2, in_compound],
        [1 + rng.binomial(5, 0.3, n), rng.integers(1, 13, n), rng.integers(6, 31, n)],
        rng.integers(4, 19, n),
    )
    # Log-uniform: many small houses and shops, few large ones.
    small = np.exp(rng.uniform(np.log(150.0), np.log(1000.0), n))
    shops = np.exp(rng.uniform(np.log(400.0), np.log(MAX_AREA), n))
    area = np.select([kind == 0, kind == 2], [small, shops], rng.uniform(400.0, 1400.0, n))
    aspect = np.where(kind == 1, rng.uniform(2.2, 4.0, n), rng.uniform(1.0, 2.2, n))
    return tag, levels.astype(np.int64), area, aspect


def _fit_scale(quad, margin, centre, offsets):
    """Largest scale (capped at 1) at which a shape fits inside its slot.

    Parameters
    ----------
    quad : numpy.ndarray
        ``(N, 4, 2)`` convex slot corners, counter-clockwise.
    margin : numpy.ndarray
        ``(N, 4)`` distance to keep from each slot edge (edge k runs from
        corner k to corner k+1).
    centre : numpy.ndarray
        ``(N, 2)`` shape centres.
    offsets : numpy.ndarray
        ``(N, 4, 2)`` corner offsets of the shape's bounding rectangle.

    Returns
    -------
    numpy.ndarray
        Scale factor, or 0 where the centre itself is too close to an edge.
        Because slots are convex, the shape fits when all its corners do.
    """
    scale = np.ones(len(quad))
    for k in range(4):
        d = quad[:, (k + 1) % 4] - quad[:, k]
        normal = np.stack([-d[:, 1], d[:, 0]], axis=1) / np.linalg.norm(d, axis=1)[:, None]
        room = np.einsum("ij,ij->i", centre - quad[:, k], normal) - margin[:, k]
        reach = -np.einsum("ikj,ij->ik", offsets, normal)  # how far each corner goes towards the edge
        with np.errstate(divide="ignore", invalid="ignore"):
            lim = np.where(reach > 0, room[:, None] / reach, np.inf).min(axis=1)
        scale = np.minimum(scale, np.where(room > 0, lim, 0.0))
    return scale


def _outline(rng, half_w, half_h, l_shaped):
    """Local vertex rings (6 vertices, closed by shapely) of rectangles and Ls.

    Rectangles repeat two vertices so both shapes share one array (see
    :func:`_rings_to_polygons`). An L is its rectangle minus one corner
    rectangle; mirrored Ls are reversed so every ring stays counter-clockwise.
    """
    n = half_w.size
    fa, fb = rng.uniform(0.35, 0.55, n), rng.uniform(0.35, 0.55, n)
    x0, x1, y0, y1 = -half_w, half_w, -half_h, half_h
    xc, yc = x1 - 2 * half_w * fa, y1 - 2 * half_h * fb
    rect = [(x0, y0), (x1, y0), (x1, y1), (x1, y1), (x0, y1), (x0, y1)]
    ell = [(x0, y0), (x1, y0), (x1, yc), (xc, yc), (xc, y1), (x0, y1)]
    pts = np.where(l_shaped[:, None, None],
                   np.stack([np.stack(p, axis=-1) for p in ell], axis=1),
                   np.stack([np.stack(p, axis=-1) for p in rect], axis=1))
    mirror = l_shaped & (rng.random(n) < 0.5)
    pts[mirror, :, 0] *= -1
    pts[mirror] = pts[mirror, ::-1]
    cut = np.where(l_shaped, fa * fb, 0.0)
    return pts, cut


def _buildings(rng, lat, corners, nu, nv, compound, compound_names):
    """Generate non-overlapping buildings inside the lattice cells.

    Each building gets its own slot and is shrunk until it keeps its margins
    from the slot edges, so buildings cannot overlap or reach a lattice street.

    Parameters
    ----------
    rng : numpy.random.Generator
    lat : _Lattice
    corners : numpy.ndarray
        ``(C, 4, 2)`` cell corners.
    nu, nv : numpy.ndarray
        Slot grid per cell.
    compound : numpy.ndarray
        Per cell, index into ``compound_names`` or -1.
    compound_names : list of str

    Returns
    -------
    geopandas.GeoDataFrame
        Buildings before the final clearance filter (no ``id`` yet).
    """
    n_cells = len(corners)
    in_compound_cell = compound >= 0
    wanted = np.where(in_compound_cell, rng.integers(4, 13, n_cells), rng.binomial(MAX_PER_BLOCK, 0.5, n_cells))
    wanted[(rng.random(n_cells) < P_EMPTY_BLOCK) & ~in_compound_cell] = 0
    wanted = np.minimum(wanted, MAX_PER_BLOCK // _merged_size(lat))
    # Sparsely built blocks get a coarse grid, which leaves room for big buildings.
    coarse = (wanted <= 4) & ~in_compound_cell
    nu, nv = np.where(coarse, 2, nu), np.where(coarse, 2, nv)
    cell, a, b = _pick_slots(rng, nu, nv, wanted)
    nuc, nvc = nu[cell], nv[cell]
    u0, u1, v0, v1 = a / nuc, (a + 1) / nuc, b / nvc, (b + 1) / nvc
    quad = np.stack([_bilinear(corners, cell, u, v) for u, v in ((u0, v0), (u1, v0), (u1, v1), (u0, v1))], axis=1)
    cm = _cell_margins(lat)[cell]
    margin = np.stack([
        np.where(b == 0, cm[:, 0], GAP), np.where(a == nuc - 1, cm[:, 1], GAP),
        np.where(b == nvc - 1, cm[:, 2], GAP), np.where(a == 0, cm[:, 3], GAP)], axis=1)

    n = cell.size
    in_compound = in_compound_cell[cell]
    tag, levels, area, aspect = _building_types(rng, in_compound)
    along, across = quad[:, 1] - quad[:, 0], quad[:, 3] - quad[:, 0]
    centre = quad.mean(axis=1) + rng.uniform(-0.12, 0.12, (n, 1)) * along + rng.uniform(-0.12, 0.12, (n, 1)) * across
    # Long side along the longer side of the slot, like buildings along a street.
    theta = np.arctan2(along[:, 1], along[:, 0])
    theta += np.where(np.linalg.norm(across, axis=1) > np.linalg.norm(along, axis=1), np.pi / 2, 0.0)
    rotated = rng.random(n) < 0.25
    theta += np.where(rotated, np.radians(rng.uniform(-40.0, 40.0, n)), np.radians(rng.normal(0.0, 1.5, n)))
    half_w, half_h = np.sqrt(area * aspect) / 2, np.sqrt(area / aspect) / 2
    l_shaped = rng.random(n) < np.where(in_compound, 0.2, 0.15)
    local, cut = _outline(rng, half_w, half_h, l_shaped)

    rot = np.stack([np.stack([np.cos(theta), -np.sin(theta)], -1), np.stack([np.sin(theta), np.cos(theta)], -1)], 1)
    corners_local = ((-half_w, -half_h), (half_w, -half_h), (half_w, half_h), (-half_w, half_h))
    box = np.stack([np.stack(p, -1) for p in corners_local], 1)
    scale = _fit_scale(quad, margin, centre, np.einsum("nij,nkj->nki", rot, box))
    final_area = area * scale**2 * (1.0 - cut)
    ok = final_area >= MIN_AREA

    world = centre[ok, None, :] + np.einsum("nij,nkj->nki", rot[ok], local[ok] * scale[ok, None, None])
    geom = _rings_to_polygons(world, l_shaped[ok])
    names = np.full(n, None, dtype=object)
    comp_idx = np.flatnonzero(in_compound)
    if comp_idx.size:
        # Number buildings 1, 2, ... within each compound.
        cc = cell[comp_idx]
        first = np.concatenate([[0], np.flatnonzero(np.diff(cc)) + 1])
        number = np.arange(cc.size) - np.repeat(first, np.diff(np.concatenate([first, [cc.size]])))
        names[comp_idx] = [f"{compound_names[compound[c]]}{k + 1}号楼" for c, k in zip(cc.tolist(), number.tolist())]
    return gpd.GeoDataFrame(
        {"building": tag[ok], "levels": levels[ok], "name": names[ok]}, geometry=geom, crs=CRS
    )


def _rings_to_polygons(world: np.ndarray, l_shaped: np.ndarray) -> np.ndarray:
    """Polygons from ``(N, 6, 2)`` rings; rectangles use vertices 0, 1, 2 and 4."""
    geom = np.empty(len(world), dtype=object)
    geom[~l_shaped] = shapely.polygons(world[~l_shaped][:, [0, 1, 2, 4]])
    geom[l_shaped] = shapely.polygons(world[l_shaped])
    return geom


def _clearance_filter(buildings, lines, distances):
    """Drop buildings within a given distance of lines not covered by slot margins.

    Slot margins already keep buildings off the lattice streets; diagonal
    streets, compound roads and the river cut through slots, so those are
    checked here.
    """
    tree = shapely.STRtree(buildings.geometry.values)
    bad = np.zeros(len(buildings), dtype=bool)
    for d in np.unique(distances):
        hit = tree.query(lines[distances == d], predicate="dwithin", distance=d)[1]
        bad[hit] = True
    return buildings[~bad].reset_index(drop=True)


# --------------------------------------------------------------------------- public


def make_city(n_blocks: int, *, seed: int = 0) -> dict[str, gpd.GeoDataFrame]:
    """Generate a synthetic city with about ``n_blocks`` street blocks.

    Parameters
    ----------
    n_blocks : int
        Wanted number of street blocks (at least 20). The result is within
        about ±10 % of it; the city's extent grows with it (roughly
        0.021 km² per block).
    seed : int, optional
        Seed for :func:`numpy.random.default_rng`. The same seed always gives
        identical output.

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        Layers in EPSG:32650:

        ``boundary``
            One polygon; ``name`` ("synthetic city N"), ``source`` ("synthetic").
        ``roads``
            LineStrings; ``highway`` (primary, secondary, tertiary,
            residential, service, footway), ``name``, ``bridge``.
        ``buildings``
            Polygons; ``id`` (unique int), ``building`` (yes, apartments,
            commercial), ``levels`` (1-30), ``name`` (mostly null).
        ``barriers``
            The river; ``barrier_type`` ("waterway"), ``kind`` ("river"),
            ``name`` ("合成河").
    """
    if n_blocks < 20:
        raise ValueError("n_blocks must be at least 20")
    rng = np.random.default_rng(seed)
    lat = _make_lattice(rng, n_blocks)
    boundary = _boundary(lat)
    river = _river(rng, boundary)
    corners = lat.cell_corners()
    river_cell = _river_cells(corners, river)

    extra, crossing_points = _crossings(lat, river)
    river = _insert_vertices(river, crossing_points)
    bridges = _choose_bridges(rng, lat, extra)
    diag_roads, diag_cell = _diagonals(rng, lat, river_cell, first_number=lat.nx + lat.ny + 3)
    nu, nv = _slot_grid(corners)
    comp_roads, compound, comp_names, attach = _compounds(rng, lat, corners, nu, nv, ~river_cell & ~diag_cell)
    for key, edges in attach.items():
        for edge, marks in edges.items():
            extra.setdefault(key, {}).setdefault(edge, []).extend(marks)
    street_roads = _lattice_roads(rng, lat, extra, bridges)
    roads = pd.concat([street_roads, diag_roads, comp_roads], ignore_index=True)
    roads = gpd.GeoDataFrame(roads, geometry="geometry", crs=CRS)

    buildings = _buildings(rng, lat, corners, nu, nv, compound, comp_names)
    river_parts = _segments(river)
    lines = np.concatenate([diag_roads.geometry.values, comp_roads.geometry.values, river_parts])
    dist = np.concatenate([
        np.full(len(diag_roads), SETBACK[RESIDENTIAL]),
        SETBACK[np.where(comp_roads["highway"].to_numpy() == "service", SERVICE, FOOTWAY)],
        np.full(len(river_parts), RIVER_SETBACK),
    ])
    buildings = _clearance_filter(buildings, lines, dist)
    buildings.insert(0, "id", np.arange(1, len(buildings) + 1, dtype=np.int64))

    return {
        "boundary": gpd.GeoDataFrame(
            {"name": [f"synthetic city {n_blocks}"], "source": ["synthetic"]}, geometry=[boundary], crs=CRS
        ),
        "roads": roads,
        "buildings": buildings,
        "barriers": gpd.GeoDataFrame(
            {"barrier_type": ["waterway"], "kind": ["river"], "name": ["合成河"]}, geometry=[river], crs=CRS
        ),
    }


#: County code of the synthetic offices (not a real county: real codes never start with 99).
OFFICE_COUNTY = "990100"


def make_offices(city: dict[str, gpd.GeoDataFrame], n_offices: int) -> gpd.GeoDataFrame:
    """Cut ``city`` into about ``n_offices`` SYNTHETIC street offices.

    Each office is a union of the faces between the arterials (primary and
    secondary roads) and the boundary, grouped by a coarse grid of the faces'
    centres, so office boundaries run along arterials and never through a
    building. Deterministic for a given city.

    Returns
    -------
    geopandas.GeoDataFrame
        ``code`` (``OFFICE_COUNTY`` + 3-digit serial, west to east in rows
        from the north), ``name`` (合成N街道), ``source`` ("synthetic").
    """
    roads = city["roads"]
    arterial = roads.geometry.values[roads["highway"].isin(["primary", "secondary"]).to_numpy()]
    ring = shapely.boundary(city["boundary"].geometry.values)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.unary_union(
        np.concatenate([arterial, ring])))))
    centres = shapely.get_coordinates(shapely.point_on_surface(faces))
    minx, miny, maxx, maxy = city["boundary"].total_bounds
    rows = max(1, int(round(np.sqrt(n_offices * (maxy - miny) / (maxx - minx)))))
    cols = max(1, int(round(n_offices / rows)))
    col = np.minimum(((centres[:, 0] - minx) / (maxx - minx) * cols).astype(int), cols - 1)
    row = np.minimum(((maxy - centres[:, 1]) / (maxy - miny) * rows).astype(int), rows - 1)
    cell = row * cols + col
    used = np.unique(cell)
    geoms = [shapely.union_all(faces[cell == c]) for c in used]
    serial = np.arange(1, len(used) + 1)
    return gpd.GeoDataFrame({"code": [f"{OFFICE_COUNTY}{i:03d}" for i in serial],
                             "name": [f"合成{i}街道" for i in serial], "source": "synthetic"},
                            geometry=geoms, crs=city["boundary"].crs)


def _segments(line: shapely.LineString) -> np.ndarray:
    """A line as its individual two-point segments (tight boxes for STRtree)."""
    xy = shapely.get_coordinates(line)
    return shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1))


def count_blocks(city: dict[str, gpd.GeoDataFrame]) -> int:
    """Number of street blocks of a city.

    Faces found by :func:`shapely.polygonize` in the noded union of the
    primary..residential roads, the barriers and the boundary ring; service
    roads and footways do not bound blocks.

    Parameters
    ----------
    city : dict of str to geopandas.GeoDataFrame
        Output of :func:`make_city`.

    Returns
    -------
    int
    """
    roads = city["roads"]
    lines = np.concatenate([
        roads.geometry.values[roads["highway"].isin(BLOCK_CLASSES).to_numpy()],
        city["barriers"].geometry.values,
        shapely.boundary(city["boundary"].geometry.values),
    ])
    faces = shapely.polygonize(shapely.get_parts(shapely.unary_union(lines)))
    return int(shapely.get_num_geometries(faces))


def write_gpkg(city: dict[str, gpd.GeoDataFrame], path: str) -> None:
    """Write all layers (and ``offices``, when there is one) into one GeoPackage, replacing the file."""
    if os.path.exists(path):
        os.remove(path)
    for layer in ("boundary", "roads", "buildings", "barriers", "offices"):
        if layer in city:
            city[layer].to_file(path, layer=layer, driver="GPKG", engine="pyogrio")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; see the module docstring."""
    parser = argparse.ArgumentParser(description="Write a SYNTHETIC benchmark city to a GeoPackage.")
    parser.add_argument("n_blocks", type=int, help="wanted number of street blocks")
    parser.add_argument("-o", "--output", required=True, help="output .gpkg (replaced if it exists)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--offices", type=int, default=0, help="also write an 'offices' layer of about N offices")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    city = make_city(args.n_blocks, seed=args.seed)
    if args.offices:
        city["offices"] = make_offices(city, args.offices)
    t1 = time.perf_counter()
    n_blocks = count_blocks(city)
    t2 = time.perf_counter()
    write_gpkg(city, args.output)
    t3 = time.perf_counter()
    offices = f", {len(city['offices'])} offices" if "offices" in city else ""
    print(f"synthetic city, seed {args.seed}: {n_blocks} blocks (asked {args.n_blocks}), "
          f"{len(city['roads'])} roads, {len(city['buildings'])} buildings{offices} -> {args.output}")
    print(f"time: generate {t1 - t0:.1f} s, count blocks {t2 - t1:.1f} s, write {t3 - t2:.1f} s, "
          f"total {t3 - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
