"""Street blocks: the smallest units a plan is made of.

Blocks are the faces of the noded network of block-bounding roads, barriers
and the boundary. A block holding too many households for grids to be packed
is cut along its inner roads (service roads first, then footways), and then
along the gaps between buildings (a tessellation of the footprints). Every
building ends up wholly inside one block: blocks give up the footprints of
buildings they do not own and take in the whole footprint of those they do.
Slivers without buildings merge into the neighbour they share most edge with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .area import Area
from .geometry import (SPECK_M2, dissolve_by_label, largest_overlap, overlap_pairs, pair_lengths, pair_lines,
                       polygonal, prepared, reduce_by_label, shared_segments)
from .lines import split_barriers
from .profile import Profile

__all__ = ["Blocks", "make_blocks"]


@dataclass(frozen=True)
class Blocks:
    """Blocks of an area and the block of every building.

    Attributes
    ----------
    blocks : GeoDataFrame
        ``block_id``, ``households``, ``population``, ``buildings``, ``origin``
        (``street``, ``inner``, ``gap``), geometry.
    building_block : ndarray of int
        Position in ``blocks`` of each building (in the buildings' order).
    log : list of (str, str)
    """

    blocks: gpd.GeoDataFrame
    building_block: np.ndarray
    log: list[tuple[str, str]]


def _clusters(geoms: np.ndarray) -> np.ndarray:
    """Label footprints that overlap (positive area) into clusters."""
    n = len(geoms)
    left, right, area = overlap_pairs(geoms)
    keep = area > 1e-4
    left, right = left[keep], right[keep]
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def _polygonize(lines: np.ndarray, line_of: np.ndarray, within: np.ndarray,
                grid: float) -> tuple[np.ndarray, np.ndarray]:
    """Faces of the lines of each of ``within`` plus its outline, inside it.

    ``line_of`` gives the position in ``within`` of each line (sorted). Returns the faces and the
    position in ``within`` of each, grouped by it; one whose lines make no face is its own. Each step
    runs on all of ``within`` at once (the noding and polygonizing over rows of a padded array), and
    gives each what the same calls give it alone.
    """
    with prepared(within):
        hit = shapely.intersects(lines, within[line_of])
        lines, line_of = lines[hit], line_of[hit]
        clipped = shapely.intersection(lines, within[line_of], grid_size=grid)
        outline = shapely.set_precision(shapely.boundary(within), grid)
        edge_of = np.concatenate([line_of, np.arange(len(within))])
        order = np.argsort(edge_of, kind="stable")
        noded = reduce_by_label(np.concatenate([clipped, outline])[order], edge_of[order], len(within),
                                lambda t: shapely.union_all(t, grid_size=grid, axis=1))
        parts, part_of = shapely.get_parts(noded, return_index=True)
        # polygonize is a reduction over the last axis like union_all (types-shapely lists no axis for it).
        made = reduce_by_label(parts, part_of, len(within),
                               lambda t: shapely.polygonize(t, axis=1))  # type: ignore[call-overload]
        faces, face_of = shapely.get_parts(made, return_index=True)
        inside = shapely.contains_properly(within[face_of], shapely.point_on_surface(faces))
    keep = inside & (shapely.area(faces) > 0)
    none = np.flatnonzero(np.bincount(face_of, minlength=len(within)) == 0)
    faces = np.concatenate([shapely.set_precision(faces[keep], grid), within[none]])
    face_of = np.concatenate([face_of[keep], none])
    order = np.argsort(face_of, kind="stable")
    return faces[order], face_of[order]


def _tessellate(faces: np.ndarray, clusters: np.ndarray, cluster_face: np.ndarray, spacing: float, grid: float,
                straighten: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Cut each of ``faces`` into one cell per footprint cluster along the gaps between them.

    ``cluster_face`` gives each cluster's position in ``faces`` (-1: none). Returns the cells and the
    face each was cut from, grouped by face in order (a face with fewer than two clusters is its own cell).

    Each face's cells are the Voronoi cells of points along its clusters' outlines, merged per cluster.
    The cells' shared edges are simplified together by ``straighten`` (m, Visvalingam-Whyatt, the
    face's outline kept): a Voronoi edge between footprints zigzags round every corner, a boundary a
    resident walks along runs straight. A cell that then clips a footprint's corner is harmless: each
    face takes its clusters' whole footprints later (:func:`_own_buildings`). Every step runs on all
    faces' arrays at once, in batches of about :data:`_TESSELLATE_SITES` sites; each face's cells are
    what the steps give for that face alone.
    """
    # Clusters grouped by face, in cluster order within a face.
    held = np.flatnonzero(cluster_face >= 0)
    held = held[np.argsort(cluster_face[held], kind="stable")]
    count = np.bincount(cluster_face[held], minlength=len(faces))
    cut = np.flatnonzero(count >= 2)
    alone = np.flatnonzero(count < 2)
    pieces, piece_of = [faces[alone]], [alone]
    # About as many sites per face as its clusters' vertices and outline lengths in spacings.
    sites = np.bincount(cluster_face[held], minlength=len(faces),
                        weights=shapely.get_num_coordinates(clusters[held]) + shapely.length(clusters[held]) / spacing)
    batch = (np.cumsum(sites[cut]) // _TESSELLATE_SITES).astype(np.int64)
    for b in np.unique(batch):
        cells, cell_of = _gap_cells(faces, cut[batch == b], clusters, held[np.isin(cluster_face[held], cut[batch == b])],
                                    cluster_face, spacing, grid, straighten)
        pieces.append(cells)
        piece_of.append(cell_of)
    pieces_all, of_all = np.concatenate(pieces), np.concatenate(piece_of)
    order = np.argsort(of_all, kind="stable")
    return pieces_all[order], of_all[order]


def _gap_cells(faces: np.ndarray, cut: np.ndarray, clusters: np.ndarray, mine: np.ndarray, cluster_face: np.ndarray,
               spacing: float, grid: float, straighten: float) -> tuple[np.ndarray, np.ndarray]:
    """The cells of :func:`_tessellate` of the faces ``cut`` (sorted), whose clusters ``mine`` holds grouped by
    face, and the face of each cell."""
    # Position among the cut faces of each cluster (``label``: its cell's label) and each site.
    of = np.searchsorted(cut, cluster_face[mine])
    rings = shapely.segmentize(shapely.boundary(clusters[mine]), spacing)
    coords, label = shapely.get_coordinates(rings, return_index=True)
    coords = np.round(coords / grid) * grid
    # Voronoi needs distinct sites; a shared wall point goes to the face's first footprint.
    order = np.lexsort((coords[:, 1], coords[:, 0], of[label]))
    dup = (of[label][order][1:] == of[label][order][:-1]) & (coords[order][1:] == coords[order][:-1]).all(axis=1)
    first = np.sort(order[np.r_[True, ~dup]])
    coords, label = coords[first], label[first]
    diagrams = shapely.voronoi_polygons(shapely.multipoints(coords, indices=of[label]), extend_to=faces[cut],
                                        ordered=True)
    cells, cell_of = shapely.get_parts(diagrams, return_index=True)
    polygons = np.bincount(cell_of, weights=shapely.get_type_id(cells) != 3, minlength=len(cut)) == 0
    # Voronoi cells are an exact coverage: merge them per cluster first (no overlay), then clip only
    # the merged cells that reach past the face (one snap-rounded overlay per cluster, not per cell).
    exact = polygons[cell_of]
    merged = dissolve_by_label(cells[exact], label[exact], len(mine), coverage=True)
    valid = _all_by(shapely.is_valid(merged), of, len(cut)) & polygons
    if straighten > 0:
        # Each face's cells are one coverage: one collection per face, simplified in one call of the ufunc
        # (the public wrapper takes all it is given as one coverage).
        mine_valid = valid[of]
        coverages = shapely.geometrycollections(merged[mine_valid],
                                                indices=np.searchsorted(np.flatnonzero(valid), of[mine_valid]))
        merged[mine_valid] = shapely.get_parts(shapely.lib.coverage_simplify(coverages, straighten, False))
        valid &= _all_by(shapely.is_valid(merged), of, len(cut))
    clip = valid[of]
    with prepared(faces[cut[valid]]):
        outside = clip & ~shapely.contains(faces[cut[of]], merged)
    merged[outside] = shapely.intersection(merged[outside], faces[cut[of[outside]]], grid_size=grid)
    inside = clip & ~outside
    merged[inside] = shapely.set_precision(merged[inside], grid)
    pieces, piece_of = [polygonal(merged[clip])], [cut[of[clip]]]
    # A degenerate diagram (evenly spaced sites: cells with zero-length lines, vertices off by an ulp) is
    # no exact coverage: clip its cells and union them by overlay.
    for k in np.flatnonzero(~valid):
        own = np.flatnonzero(of == k)
        face_cells = polygonal(cells[cell_of == k])
        outside = ~shapely.within(face_cells, faces[cut[k]])
        face_cells[outside] = shapely.intersection(face_cells[outside], faces[cut[k]], grid_size=grid)
        face_cells = shapely.set_precision(polygonal(face_cells), grid)
        pieces.append(polygonal(dissolve_by_label(face_cells, label[cell_of == k] - own[0], len(own), grid)))
        piece_of.append(np.full(len(own), cut[k]))
    return np.concatenate(pieces), np.concatenate(piece_of)


def _all_by(flags: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """Whether every flag of each group ``0..n-1`` holds."""
    return np.bincount(group, weights=~flags, minlength=n) == 0


def _merge_slivers(faces: np.ndarray, has_building: np.ndarray, min_area: float, min_width: float,
                   grid: float, barriers: np.ndarray,
                   cut_off: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge building-free slivers into the neighbour sharing the longest edge (never across a barrier).

    A building-free piece a barrier cut off from its face (``cut_off``) merges so too, whatever its size:
    the land beside a track that ends inside a block belongs with the land round the track's end, and
    merging only across edges off the barriers leaves no block a barrier splits.

    Returns the merged faces (in the order of the first face each was made of), for each the largest of
    the faces it was made of, and the merged face of every face.
    """
    area = shapely.area(faces)
    width = 2 * area / np.maximum(shapely.length(faces), 1e-9)
    sliver = ~has_building & ((area < min_area) | (width < min_width) | cut_off)
    if not sliver.any():
        return faces, np.arange(len(faces)), np.arange(len(faces))
    left, right, start, end, pair = shared_segments(faces)
    length = pair_lengths(start, end, pair, len(left))
    if len(barriers) and len(left):
        # Only a sliver's edges are asked whether they lie on a barrier.
        ask = np.flatnonzero(sliver[left] | sliver[right])
        wall = shapely.buffer(shapely.union_all(barriers), 10 * grid)
        across = np.zeros(len(left), dtype=bool)
        across[ask] = shapely.length(shapely.intersection(pair_lines(start, end, pair, ask), wall)) > 0.5 * length[ask]
        left, right, length = left[~across], right[~across], length[~across]
    frame = pd.DataFrame({"a": np.concatenate([left, right]), "b": np.concatenate([right, left]),
                          "len": np.concatenate([length, length])})
    frame = frame[sliver[frame["a"].to_numpy()]]
    # Prefer a neighbour that is itself not a sliver, then the longest shared edge.
    frame["solid"] = ~sliver[frame["b"].to_numpy()]
    best = frame.sort_values(["a", "solid", "len", "b"], ascending=[True, False, False, True]).drop_duplicates("a")
    n = len(faces)
    graph = coo_matrix((np.ones(len(best)), (best["a"].to_numpy(), best["b"].to_numpy())), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    # Numbered by their first face, so the faces no sliver joins keep their order (:func:`_owners_after`).
    first = np.full(n, n)
    np.minimum.at(first, labels, np.arange(n))
    _, dense = np.unique(first[labels], return_inverse=True)
    order = np.lexsort((-area, dense))
    largest = order[np.r_[True, dense[order][1:] != dense[order][:-1]]]
    return dissolve_by_label(faces, dense, dense.max() + 1, grid), largest, dense


def _own_buildings(faces: np.ndarray, owner: np.ndarray, clusters: np.ndarray, boundary: shapely.Geometry,
                   grid: float) -> np.ndarray:
    """Give each face the whole (in-area) footprint of its clusters and none of the others'."""
    c, f, shared = overlap_pairs(clusters, faces)
    c, f = c[shared > 0], f[shared > 0]
    if len(c) == 0:
        return faces
    foreign = owner[c] != f
    out = faces.copy()
    for face in np.unique(f[foreign]):
        cut = shapely.union_all(clusters[c[foreign & (f == face)]], grid_size=grid)
        out[face] = polygonal(np.array([shapely.difference(out[face], cut, grid_size=grid)]))[0]
    spill = np.unique(c[foreign])
    for face in np.unique(owner[spill]):
        mine = clusters[spill[owner[spill] == face]]
        add = shapely.intersection(shapely.union_all(mine, grid_size=grid), boundary, grid_size=grid)
        out[face] = polygonal(np.array([shapely.union(out[face], polygonal(np.array([add]))[0], grid_size=grid)]))[0]
    return out


#: Voronoi sites the gap tessellation makes cells for at once. A cell holds about a kilobyte, so a city's
#: over-full faces all at once (465k sites at 10^4) would take gigabytes at 10^5 blocks.
_TESSELLATE_SITES = 1 << 16
#: Faces whose edges one overlay of exact tiling nodes together. The overlay holds about 0.6 kB per vertex
#: at once, so noding a 10^5-block city in one overlay takes gigabytes; tiles of this many faces bound it.
_TILE_FACES = 8000
#: How far (m) from an atom the faces that shape it can lie. Snap rounding moves nothing by more than a
#: grid cell, so any length far above the precision grid is safe.
_TILE_MARGIN_M = 1.0
#: Grid cells beyond which snapping moves nothing (it moves a vertex or edge by under one cell): round an atom's
#: point on surface no other face may lie for the point to settle the atom's face (:func:`_atom_faces`), and
#: what a cut or merged face becomes lies within this of it (:func:`_owners_after`).
_SNAP_CELLS = 10


def _exact_tiling(faces: np.ndarray, boundary: shapely.Geometry, grid: float) -> tuple[np.ndarray, np.ndarray]:
    """Rebuild ``faces`` so they tile ``boundary`` exactly, with no gap or overlap.

    Returns the rebuilt faces and the position in ``faces`` each was rebuilt from.

    Overlay operations leave centimetre slivers between faces. Polygonising
    every face edge together gives atoms that tile the boundary exactly; each
    atom goes to the face it overlaps most, and gap atoms to the neighbour they
    share the longest edge with.
    """
    atoms, label = _atoms(faces, boundary, grid)
    gap = np.flatnonzero(label < 0)
    if len(gap):
        # Only gap atoms take a neighbour's label: their shared edges are all that is needed.
        a, b = shapely.STRtree(atoms).query(atoms[gap], predicate="intersects")
        a = gap[a]
        length = shapely.length(shapely.intersection(shapely.boundary(atoms[a]), shapely.boundary(atoms[b])))
        keep = (a != b) & (length > 1e-9)
        frame = pd.DataFrame({"a": a[keep], "b": b[keep], "len": length[keep]})
        while (label < 0).any():
            cand = frame[(label[frame["a"].to_numpy()] < 0) & (label[frame["b"].to_numpy()] >= 0)]
            if len(cand) == 0:
                break
            best = cand.sort_values(["a", "len", "b"], ascending=[True, False, True]).drop_duplicates("a")
            label[best["a"].to_numpy()] = label[best["b"].to_numpy()]
    keep = label >= 0
    source, label = np.unique(label[keep], return_inverse=True)
    return polygonal(dissolve_by_label(atoms[keep], label, len(source), grid)), source


def _atoms(faces: np.ndarray, boundary: shapely.Geometry, grid: float) -> tuple[np.ndarray, np.ndarray]:
    """The atoms of ``faces`` inside ``boundary`` and the face each lies in (-1: a gap between faces).

    Atoms are the faces of all edges of ``faces`` and of the boundary noded
    together; an atom lies in the face holding at least half of it. A city's
    edges are noded tile by tile: a tile nodes the boundary ring and the faces
    near it and keeps the atoms whose point on surface lies in it. An atom is
    the one a single overlay of all edges gives, vertex for vertex, when every
    face within a margin of it is in its tile's overlay (nothing else can cut or
    snap it, and the overlay and polygonize keep the order of their input
    edges, which a tile keeps); the overlay holds the faces near each face that
    meets the tile, which settles every atom lying in one of those, and a gap
    atom missing a face near it has the tile noded again with that face.
    """
    ring = shapely.boundary(boundary)
    edges = shapely.boundary(faces)
    n_tiles = -(-len(faces) // _TILE_FACES)
    if n_tiles <= 1:
        atoms = _inside(_arrangement(np.concatenate([edges, [ring]]), grid), boundary)
        return atoms, _atom_faces(atoms, shapely.point_on_surface(atoms), faces, grid)
    # The tiles span the faces and the ring: gap atoms between them can lie outside the faces' box.
    box = np.vstack([shapely.bounds(faces), shapely.bounds(ring)])
    lo, hi = box[:, :2].min(axis=0), box[:, 2:].max(axis=0)
    size = np.maximum(hi - lo, grid)
    cols = max(1, round(float(np.sqrt(n_tiles * size[0] / size[1]))))
    rows = max(1, -(-n_tiles // cols))
    xs, ys = np.linspace(lo[0], hi[0], cols + 1), np.linspace(lo[1], hi[1], rows + 1)
    # Tiles own half-open boxes, unbounded at the outer edges, so every point lies in exactly one.
    xs[0], xs[-1], ys[0], ys[-1] = -np.inf, np.inf, -np.inf, np.inf
    tree = shapely.STRtree(faces)
    # The neighbours at twice the margin of the faces near a tile's edge, asked once: a face reaching across
    # the city (a river's bank) meets every tile, and its neighbours asked again per tile tested it against
    # every face each time. A face twice the margin inside a tile has all of them among the faces meeting
    # that tile (:func:`_tile_atoms`), so only the others are asked.
    bounds = shapely.bounds(faces)
    inset = 2 * _TILE_MARGIN_M
    deep = np.zeros(len(faces), dtype=bool)
    for i in range(cols):
        for j in range(rows):
            deep |= ((bounds[:, 0] > xs[i] + inset) & (bounds[:, 2] < xs[i + 1] - inset)
                     & (bounds[:, 1] > ys[j] + inset) & (bounds[:, 3] < ys[j + 1] - inset))
    edge = np.flatnonzero(~deep)
    near_edge, near_face = tree.query(faces[edge], predicate="dwithin", distance=2 * _TILE_MARGIN_M)
    near = np.vstack([edge[near_edge], near_face])
    tiles = [_tile_atoms(faces, edges, tree, near, ring, boundary, grid, (xs[i], ys[j], xs[i + 1], ys[j + 1]),
                         shapely.box(max(xs[i], lo[0]), max(ys[j], lo[1]), min(xs[i + 1], hi[0]), min(ys[j + 1], hi[1])))
             for i in range(cols) for j in range(rows)]
    return np.concatenate([t[0] for t in tiles]), np.concatenate([t[1] for t in tiles])


def _tile_atoms(faces: np.ndarray, edges: np.ndarray, tree: shapely.STRtree, near: np.ndarray,
                ring: shapely.Geometry, boundary: shapely.Geometry, grid: float,
                owns: tuple[float, float, float, float], tile: shapely.Geometry) -> tuple[np.ndarray, np.ndarray]:
    """The atoms inside ``boundary`` whose point on surface lies in ``owns`` (half-open) and their faces;
    ``tile`` is ``owns`` within the faces' bounds; ``near`` the pairs of faces within twice the margin
    (see :func:`_atoms`)."""
    meeting = np.zeros(len(faces), dtype=bool)
    meeting[tree.query(shapely.buffer(tile, _TILE_MARGIN_M, join_style="mitre"), predicate="intersects")] = True
    # Twice the margin: an atom in a face lies within a grid cell of the face (snap rounding).
    chunk = np.union1d(np.flatnonzero(meeting), near[1][meeting[near[0]]])
    shapely.prepare(tile)  # a box of this call's own
    while True:
        atoms = _arrangement(np.concatenate([edges[chunk], [ring]]), grid)
        atoms = _inside(atoms[shapely.intersects(tile, atoms)], boundary)
        point = shapely.point_on_surface(atoms)
        xy = shapely.get_coordinates(point)
        mine = (xy[:, 0] >= owns[0]) & (xy[:, 0] < owns[2]) & (xy[:, 1] >= owns[1]) & (xy[:, 1] < owns[3])
        atoms = atoms[mine]
        label = _atom_faces(atoms, point[mine], faces[chunk], grid)
        label = np.where(label >= 0, chunk[label], -1)
        # An atom in a face meeting the tile has every face near it in the overlay; the others are measured.
        unsure = (label < 0) | ~meeting[label]
        held = np.zeros(len(faces), dtype=bool)
        held[chunk] = True
        near = tree.query(atoms[unsure], predicate="dwithin", distance=_TILE_MARGIN_M)[1]
        missing = np.unique(near[~held[near]])
        if len(missing) == 0:
            return atoms, label
        chunk = np.union1d(chunk, missing)


def _atom_faces(atoms: np.ndarray, point: np.ndarray, faces: np.ndarray, grid: float) -> np.ndarray:
    """The face each atom lies in (-1: none): ``largest_overlap(atoms, faces, min_share=0.5)``, most of it
    read off the atoms' points on surface (``point``).

    An atom whose point has one face alone within :data:`_SNAP_CELLS` grid cells, and that face
    containing the whole atom, lies in that face: it shares all of the atom, and another face sharing
    as much would hold the point too (a face that misses the point by more than snap rounding moves an
    edge shares visibly less). Only the other atoms are measured by overlay.
    """
    p, f = shapely.STRtree(faces).query(point, predicate="dwithin", distance=_SNAP_CELLS * grid)
    alone = np.bincount(p, minlength=len(atoms))[p] == 1
    p, f = p[alone], f[alone]
    with prepared(faces[np.unique(f)]):
        whole = shapely.contains(faces[f], atoms[p])
    label = np.full(len(atoms), -1, dtype=np.int64)
    label[p[whole]] = f[whole]
    rest = np.ones(len(atoms), dtype=bool)
    rest[p[whole]] = False
    rest = np.flatnonzero(rest)
    label[rest] = largest_overlap(atoms[rest], faces, min_share=0.5)
    return label


def _arrangement(edges: np.ndarray, grid: float) -> np.ndarray:
    """The faces of ``edges`` noded together on the precision grid."""
    noded = shapely.union_all(edges, grid_size=grid)
    return shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))


def _inside(atoms: np.ndarray, boundary: shapely.Geometry) -> np.ndarray:
    """The atoms inside ``boundary`` (most of their area: only those on its ring need the overlay)."""
    with prepared(boundary):
        inside = shapely.contains(boundary, atoms)
    edge = np.flatnonzero(~inside)
    inside[edge] = shapely.area(shapely.intersection(atoms[edge], boundary)) > 0.5 * shapely.area(atoms[edge])
    return atoms[inside]


def _explode(faces: np.ndarray, origin: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    parts, index = shapely.get_parts(faces, return_index=True)
    polygonal = (shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)
    return parts[polygonal], origin[index[polygonal]]


def _lines(roads: gpd.GeoDataFrame, classes: tuple[str, ...]) -> np.ndarray:
    if len(roads) == 0:
        return np.array([], dtype=object)
    return roads.geometry.values[roads["highway"].isin(classes).to_numpy()].to_numpy()


def _along(lines: np.ndarray, grid: float) -> Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """A cut of faces along those of ``lines`` that reach each (found in one tree, not by a scan)."""
    tree = shapely.STRtree(lines)

    def cut(faces: np.ndarray, _: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        face, line = tree.query(faces)
        order = np.lexsort((line, face))
        return _polygonize(lines[line[order]], face[order], faces, grid)

    return cut


def _across(lines: np.ndarray, grid: float,
            speck: float) -> Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """A cut of faces along those of ``lines`` that split a polygon of theirs into two or more pieces of
    ``speck`` m² or more: its pieces, and the face's other polygons as one more. Any other face (one a
    line only touches, runs into and ends in, or runs along a hair inside its edge) is its own piece."""
    tree = shapely.STRtree(lines)

    def cut(faces: np.ndarray, _: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        parts, part_face = shapely.get_parts(faces, return_index=True)
        part, line = tree.query(parts, predicate="intersects")
        inside = ~shapely.touches(parts[part], lines[line])
        part, line = part[inside], line[inside]
        hit = np.unique(part)
        if len(hit) == 0:
            return faces, np.arange(len(faces))
        order = np.lexsort((line, part))
        pieces, piece_of = _polygonize(lines[line[order]], np.searchsorted(hit, part[order]), parts[hit], grid)
        split = np.zeros(len(parts), dtype=bool)
        split[hit] = np.bincount(piece_of, weights=shapely.area(pieces) >= speck, minlength=len(hit)) >= 2
        piece_part = hit[piece_of]
        pieces, piece_part = pieces[split[piece_part]], piece_part[split[piece_part]]
        cut_face = np.zeros(len(faces), dtype=bool)
        cut_face[part_face[split]] = True
        # The polygons of a cut face no line splits stay together, as they were.
        others = np.flatnonzero(cut_face[part_face] & ~split)
        with_others, dense = np.unique(part_face[others], return_inverse=True)
        rest = shapely.multipolygons(parts[others], indices=dense) if len(others) else parts[others]
        whole = np.flatnonzero(~cut_face)
        out = np.concatenate([pieces, rest, faces[whole]])
        out_of = np.concatenate([part_face[piece_part], with_others, whole])
        order = np.argsort(out_of, kind="stable")
        return out[order], out_of[order]

    return cut


def _snap_dangles(lines: np.ndarray, targets: np.ndarray, tolerance: float) -> np.ndarray:
    """Connectors from dangling line ends to the nearest other line within ``tolerance``.

    OSM streets often stop a metre short of the street they meet; without a
    connector the block on either side would not close.
    """
    if len(lines) == 0 or tolerance <= 0:
        return np.array([], dtype=object)
    # A closed line (a roundabout, a loop) has no ends: the vertex its outline starts at is how it was drawn.
    drawn = np.flatnonzero(~shapely.is_closed(lines))
    ends = np.concatenate([shapely.get_point(lines[drawn], 0), shapely.get_point(lines[drawn], -1)])
    owner = np.concatenate([drawn, drawn])
    everything = np.concatenate([lines, targets])
    tree = shapely.STRtree(everything)
    near_end, near_line = tree.query(ends, predicate="dwithin", distance=1e-6)
    touching = np.bincount(near_end[near_line != owner[near_end]], minlength=len(ends))
    dangling = np.flatnonzero(touching == 0)
    if len(dangling) == 0:
        return np.array([], dtype=object)
    d_end, d_line = tree.query(ends[dangling], predicate="dwithin", distance=tolerance)
    own = d_line == owner[dangling[d_end]]
    d_end, d_line = d_end[~own], d_line[~own]
    if len(d_end) == 0:
        return np.array([], dtype=object)
    dist = shapely.distance(ends[dangling[d_end]], everything[d_line])
    frame = pd.DataFrame({"e": d_end, "l": d_line, "d": dist}).sort_values(["e", "d", "l"]).drop_duplicates("e")
    return shapely.shortest_line(ends[dangling[frame["e"].to_numpy()]], everything[frame["l"].to_numpy()])


def make_blocks(area: Area, buildings: gpd.GeoDataFrame, profile: Profile) -> Blocks:
    """Cut the area into street blocks and put each building in one of them.

    Parameters
    ----------
    area : Area
    buildings : GeoDataFrame
        The area's buildings with a ``households`` column.
    profile : Profile

    Returns
    -------
    Blocks
    """
    rules = profile.blocks
    grid = rules.precision_m
    boundary = shapely.set_precision(area.boundary, grid)
    geoms = buildings.geometry.values.to_numpy()
    labels = _clusters(geoms)
    n_clusters = labels.max() + 1
    clusters = dissolve_by_label(geoms, labels, n_clusters, grid)
    cluster_hh = np.bincount(labels, weights=buildings["households"].to_numpy(dtype=float), minlength=n_clusters)
    log: list[tuple[str, str]] = []

    street = _lines(area.roads, profile.roads.block_classes)
    hard, soft, _ = split_barriers(area.barriers, profile)
    barriers = hard.geometry.values.to_numpy()
    connectors = _snap_dangles(street, np.concatenate([barriers, [shapely.boundary(boundary)]]), rules.snap_tolerance_m)
    # Existing unit boundaries cut blocks too, so a repartition can keep them exactly.
    existing = area.existing
    kept = np.array([], dtype=object)
    if existing is not None and len(existing) and "level" in existing:
        units = existing[existing["level"].isin(["community", "group", "grid"])]
        kept = shapely.boundary(units.geometry.values.to_numpy())
    edges = np.concatenate([street, barriers, connectors, kept])
    faces, _ = _polygonize(edges, np.zeros(len(edges), dtype=np.int64), np.array([boundary], dtype=object), grid)
    # Street blocks numbered north to south, then west to east (their geometry depends on the input alone).
    x, y = _centre(faces)
    faces = faces[np.lexsort((x, -y))]
    # Per face: how it was made (street / inner / gap), the street block it came from and whether a cut
    # along a barrier made it (:func:`_merge_slivers`).
    origin = np.column_stack([np.full(len(faces), "street", dtype=object), np.arange(len(faces), dtype=object),
                              np.zeros(len(faces), dtype=object)])
    log.append(("blocks_street", str(len(faces))))
    log.append(("road_gaps_closed", str(len(connectors))))

    limit = rules.split_share_of_max * profile.grid.max_households
    owner = largest_overlap(clusters, faces)
    # Inner roads first, then walls, fences and small waterways, then (below) the gaps between buildings.
    for tier, cutting in (("inner", _lines(area.roads, profile.roads.inner_classes_tier1)),
                          ("inner", _lines(area.roads, profile.roads.inner_classes_tier2)),
                          ("line", soft.geometry.values.to_numpy())):
        faces, origin, owner = _split_full(faces, origin, owner, clusters, cluster_hh, limit, tier,
                                           _along(cutting, grid), grid)
    gap_limit = rules.gap_split_share_of_max * profile.grid.max_households
    faces, origin, owner = _split_full(
        faces, origin, owner, clusters, cluster_hh, gap_limit, "gap",
        lambda full, cluster_face: _tessellate(full, clusters, cluster_face, rules.tessellation_spacing_m, grid,
                                               rules.gap_cut_straighten_m), grid)
    # A barrier that stops short of the network (a track ending at its buffer stop) bounds no street block,
    # but a cut above may close a block across it: then a barrier would split the block and any grid of it.
    # Every block it runs through is cut along it; the pieces nobody lives in join a neighbour on their side.
    faces, origin, owner = _split_full(faces, origin, owner, clusters, cluster_hh, -np.inf, None,
                                       _across(barriers, grid, SPECK_M2), grid)

    faces = _own_buildings(faces, owner, clusters, boundary, grid)
    # A face a building it does not own covers whole (streets in tunnels under it) is left with nothing.
    kept = ~shapely.is_empty(faces)
    tiled, source = _exact_tiling(faces[kept], boundary, grid)
    origin = origin[kept][source]
    faces, origin = _explode(tiled, origin)
    owner = largest_overlap(clusters, faces)
    has_building = np.bincount(owner[owner >= 0], minlength=len(faces)) > 0
    merged, largest, into = _merge_slivers(faces, has_building, rules.min_block_area_m2, rules.min_width_m, grid,
                                           barriers, origin[:, 2].astype(bool))
    if len(merged) != len(faces):
        origin = origin[largest]
        log.append(("slivers_merged", str(len(faces) - len(merged))))
        joined = np.bincount(into)[into] > 1
        owner = _owners_after(clusters, owner, into, faces[joined], merged, grid)
    faces = merged
    order = _canonical_order(faces, origin[:, 1].astype(np.int64), owner[labels])
    faces, origin = faces[order], origin[order]
    owner = np.where(owner >= 0, np.argsort(order)[owner], -1)

    building_block = owner[labels]
    hh = np.bincount(building_block, weights=buildings["households"].to_numpy(dtype=float), minlength=len(faces))
    pop = np.bincount(building_block, weights=buildings["population"].to_numpy(dtype=float), minlength=len(faces))
    count = np.bincount(building_block, minlength=len(faces))
    blocks = gpd.GeoDataFrame(
        {
            "block_id": [f"K{i + 1:06d}" for i in range(len(faces))],
            "households": hh.round().astype(int),
            "population": pop.round().astype(int),
            "buildings": count,
            "origin": origin[:, 0].astype(str),
            "street_block": origin[:, 1].astype(int),
        },
        # Normalised: where an outline starts follows which way the lines round it were drawn.
        geometry=shapely.normalize(faces),
        crs=area.crs,
    )
    for name, n in blocks["origin"].value_counts().sort_index().items():
        log.append((f"blocks_final_{name}", str(int(n))))
    return Blocks(blocks=blocks, building_block=building_block, log=log)


def _canonical_order(faces: np.ndarray, street_block: np.ndarray, building_block: np.ndarray) -> np.ndarray:
    """The order of blocks: by street block, then by the first building each holds, then north to south.

    Block ids and the engine's node order follow it, so it must not depend on
    how the blocks were built (the order of the cuts, a snapped vertex more or
    less): the street block and the buildings are input; only blocks without
    buildings in one street block fall back to the centroid, which moves by far
    less than the coordinate precision when an outline changes by a few vertices.
    """
    first = np.full(len(faces), np.iinfo(np.int64).max)
    held = np.flatnonzero(building_block >= 0)
    np.minimum.at(first, building_block[held], held)
    x, y = _centre(faces)
    return np.lexsort((x, -y, first, street_block))


def _centre(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centroid coordinates (NaN for an empty geometry, which snapping can leave)."""
    coords = np.full((len(geoms), 2), np.nan)
    full = ~shapely.is_empty(geoms)
    coords[full] = shapely.get_coordinates(shapely.centroid(geoms[full]))
    return coords[:, 0], coords[:, 1]


def _split_full(faces: np.ndarray, origin: np.ndarray, owner: np.ndarray, clusters: np.ndarray,
                cluster_hh: np.ndarray, limit: float, tier: str | None,
                cut: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
                grid: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Replace each face holding more than ``limit`` households by its pieces.

    ``owner`` is each cluster's face (:func:`gridkit.geometry.largest_overlap`); the faces, their
    origins and the clusters' faces after the cut are returned. ``cut(full, cluster_face)`` cuts the
    faces ``full`` (``cluster_face``: each cluster's position in ``full``, -1: none) and returns the
    pieces and the position in ``full`` of each, grouped by face. The pieces' origin is ``tier`` (None: a
    cut along barriers: their face's, marked as cut off).
    """
    hh = np.bincount(owner[owner >= 0], weights=cluster_hh[owner >= 0], minlength=len(faces))
    full = np.flatnonzero(hh > limit)
    if len(full) == 0:
        return faces, origin, owner
    where = np.full(len(faces), -1)
    where[full] = np.arange(len(full))
    pieces, piece_of = cut(faces[full], np.where(owner >= 0, where[owner], -1))
    real = shapely.area(pieces) > 0
    pieces, piece_of = pieces[real], piece_of[real]
    split = np.bincount(piece_of, minlength=len(full)) > 1
    if not split.any():
        return faces, origin, owner
    keep = np.ones(len(faces), dtype=bool)
    keep[full[split]] = False
    new = split[piece_of]
    pieces, piece_of = pieces[new], full[piece_of[new]]
    added = origin[piece_of].copy()
    if tier is None:
        added[:, 2] = True
    else:
        added[:, 0] = tier
    out = np.concatenate([faces[keep], pieces])
    return out, np.concatenate([origin[keep], added]), _owners_after(clusters, owner, np.cumsum(keep) - 1,
                                                                     faces[~keep], out, grid)


def _owners_after(clusters: np.ndarray, owner: np.ndarray, moved: np.ndarray, changed: np.ndarray,
                  faces: np.ndarray, grid: float) -> np.ndarray:
    """``largest_overlap(clusters, faces)`` from ``owner`` (the clusters' faces before a change), for ``faces``
    made from the faces before by cutting or merging the ``changed`` ones; ``moved`` is the position in
    ``faces`` of each face before (of an unchanged one: itself, with the unchanged faces in their order).

    What a changed face becomes lies within :data:`_SNAP_CELLS` grid cells of it, so only the clusters
    that near a changed face are measured again: the others meet the same faces as before, with the same
    overlaps, in the same order.
    """
    out = np.where(owner >= 0, moved[owner], -1)
    near = np.unique(shapely.STRtree(clusters).query(changed, predicate="dwithin", distance=_SNAP_CELLS * grid)[1])
    out[near] = largest_overlap(clusters[near], faces)
    return out
