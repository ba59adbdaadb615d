"""The shared geometric helpers, on small hand-made cases."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from gridkit.geometry import (
    densify_segments,
    dissolve_by_label,
    largest_overlap,
    line_segments,
    overlap_pairs,
    polygonal,
    shared_segments,
)


def test_overlap_pairs_areas_and_touching_pairs() -> None:
    a = np.array([shapely.box(0, 0, 2, 2), shapely.box(10, 10, 11, 11)])
    b = np.array([shapely.box(1, 0, 3, 2), shapely.box(2, 0, 4, 2), shapely.box(0.5, 0.5, 1.5, 1.5)])
    ia, ib, area = overlap_pairs(a, b)
    got = {(int(i), int(j)): float(x) for i, j, x in zip(ia, ib, area, strict=True)}
    # box 1 of b only touches a[0] along x=2; b[2] lies wholly inside a[0].
    assert got == {(0, 0): 2.0, (0, 1): 0.0, (0, 2): 1.0}


def test_overlap_pairs_counts_a_part_inside_its_match_whole() -> None:
    a = np.array([shapely.box(1, 1, 2, 2)])
    b = np.array([shapely.box(0, 0, 3, 3)])
    assert overlap_pairs(a, b)[2].tolist() == [1.0]


def test_largest_overlap_picks_most_shared_area_and_lowest_index_on_ties() -> None:
    a = np.array([shapely.box(0, 0, 4, 1), shapely.box(0, 0, 2, 1), shapely.box(20, 20, 21, 21)])
    b = np.array([shapely.box(-1, -1, 1, 2), shapely.box(1, -1, 5, 2)])
    # a[1] shares 1 m2 with each: the lower index wins.
    assert largest_overlap(a, b).tolist() == [1, 0, -1]


def test_largest_overlap_min_share_excludes_weak_matches() -> None:
    a = np.array([shapely.box(0, 0, 10, 1)])
    b = np.array([shapely.box(0, 0, 4, 1), shapely.box(4, 0, 10, 1)])
    assert largest_overlap(a, b, 0.5).tolist() == [1]
    assert largest_overlap(a, b, 0.7).tolist() == [-1]


def test_largest_overlap_touching_only_counts_without_min_share() -> None:
    a = np.array([shapely.box(0, 0, 1, 1)])
    b = np.array([shapely.box(1, 0, 2, 1)])
    assert largest_overlap(a, b).tolist() == [0]
    assert largest_overlap(a, b, 0.01).tolist() == [-1]


def test_largest_overlap_smallest_prefers_the_most_specific_polygon() -> None:
    block = np.array([shapely.box(1, 1, 2, 2)])
    nested = np.array([shapely.box(0, 0, 10, 10), shapely.box(0, 0, 3, 3), shapely.box(1.5, 1.5, 2, 2)])
    # The smallest polygon holds only a quarter of the block: below the share.
    assert largest_overlap(block, nested, 0.5, prefer="smallest").tolist() == [1]
    assert largest_overlap(block, nested, 0.5).tolist() == [0]


def test_largest_overlap_of_points_needs_the_interior() -> None:
    pts = np.array([shapely.Point(1, 1), shapely.Point(2, 1), shapely.Point(9, 9)])
    polys = np.array([shapely.box(0, 0, 2, 2), shapely.box(0.5, 0.5, 1.5, 1.5)])
    # (2, 1) lies on the boundary of the first box only: no match.
    assert largest_overlap(pts, polys, prefer="smallest").tolist() == [1, -1, -1]
    assert largest_overlap(pts, polys).tolist() == [0, -1, -1]


def test_dissolve_by_label_unions_each_label_and_keeps_singletons() -> None:
    boxes = np.array([shapely.box(i, 0, i + 1, 1) for i in range(7)])
    labels = np.array([2, 0, 0, 2, 2, 2, 3])
    out = dissolve_by_label(boxes, labels, 5, grid_size=0.01)
    assert shapely.equals(out[0], shapely.box(1, 0, 3, 1))
    assert shapely.equals(out[2], shapely.union_all(boxes[[0, 3, 4, 5]]))
    assert out[3] is boxes[6]
    assert out[1].is_empty and out[4].is_empty
    assert [round(g.area, 6) for g in out] == [2.0, 0.0, 4.0, 1.0, 0.0]


def test_dissolve_by_label_matches_one_union_per_label_on_mixed_group_sizes() -> None:
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 100, size=(300, 2))
    geoms = shapely.buffer(shapely.points(xy), rng.uniform(1, 6, size=300))
    labels = rng.integers(0, 40, size=300)
    labels[:120] = 0  # one large group beside many small ones
    out = dissolve_by_label(geoms, labels, grid_size=0.001)
    for k in range(40):
        members = geoms[labels == k]
        want = members[0] if len(members) == 1 else shapely.union_all(members, grid_size=0.001)
        assert shapely.equals_exact(out[k], want), k


def test_polygonal_drops_lines_and_points() -> None:
    mixed = shapely.GeometryCollection([shapely.box(0, 0, 1, 1), shapely.LineString([(2, 2), (3, 3)]),
                                        shapely.box(5, 5, 6, 6)])
    lines_only = shapely.GeometryCollection([shapely.LineString([(0, 0), (1, 1)]), shapely.Point(4, 4)])
    plain = shapely.box(0, 0, 2, 2)
    out = polygonal(np.array([mixed, lines_only, plain]))
    assert shapely.get_type_id(out[0]) == 6 and out[0].area == 2.0
    assert out[1].is_empty and shapely.get_type_id(out[1]) == 3
    assert out[2] is plain


def _by_intersection(polys: np.ndarray, min_length: float = 0.0) -> dict[tuple[int, int], float]:
    """Shared boundary length of every pair, the slow way: the intersection of the two boundaries."""
    out = {}
    for i in range(len(polys)):
        for j in range(i + 1, len(polys)):
            length = shapely.length(shapely.intersection(shapely.boundary(polys[i]), shapely.boundary(polys[j])))
            if length > max(min_length, 1e-9):
                out[(i, j)] = length
    return out


def _lengths(polys: np.ndarray, min_length: float = 0.0) -> dict[tuple[int, int], float]:
    left, right, start, end, pair = shared_segments(polys, min_length)
    length = np.bincount(pair, weights=np.hypot(*(end - start).T), minlength=len(left))
    return {(int(a), int(b)): float(n) for a, b, n in zip(left, right, length, strict=True)}


def test_shared_segments_of_a_noded_tiling_are_the_boundary_intersections() -> None:
    # A 3 x 3 tiling of squares, a hole filled by its own polygon, and a square touching one corner only.
    squares = [shapely.box(x, y, x + 10, y + 10) for x in (0, 10, 20) for y in (0, 10, 20)]
    ring = shapely.Polygon(shapely.box(30, 0, 60, 30).exterior.coords, [shapely.box(40, 10, 50, 20).exterior.coords])
    polys = np.array([*squares, ring, shapely.box(40, 10, 50, 20), shapely.box(-10, -10, 0, 0)])
    got = _lengths(polys)
    want = _by_intersection(polys)
    assert got.keys() == want.keys()
    assert all(np.isclose(got[k], want[k]) for k in want)
    assert got[(9, 10)] == 40.0  # the hole's whole ring
    assert not any(11 in k for k in got)  # a corner is no shared boundary


def test_shared_segments_finds_a_boundary_one_side_has_more_vertices_on() -> None:
    # Left square's east edge is one segment; the right side is two squares meeting at (10, 5),
    # and a polygon with a vertex in the middle of an edge it shares with a plain box.
    polys = np.array([shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 5), shapely.box(10, 5, 20, 10),
                      shapely.Polygon([(0, 10), (5, 10), (10, 10), (10, 20), (0, 20)]),
                      shapely.box(-10, 10, 0, 20)])
    got = _lengths(polys)
    assert got == {k: float(v) for k, v in _by_intersection(polys).items()}
    assert got[(0, 1)] == got[(0, 2)] == 5.0 and got[(0, 3)] == 10.0 and got[(1, 2)] == 10.0


def test_shared_segments_of_overlapping_and_multipart_polygons() -> None:
    two = shapely.MultiPolygon([shapely.box(0, 0, 10, 10), shapely.box(20, 0, 30, 10)])
    polys = np.array([two, shapely.box(10, 0, 20, 10), shapely.box(5, 0, 15, 10), shapely.box(0, 0, 10, 10)])
    got = _lengths(polys)
    want = _by_intersection(polys)
    assert got.keys() == want.keys()
    assert all(np.isclose(got[k], want[k]) for k in want)
    assert np.isclose(got[(0, 1)], 20.0)  # both parts of the multipolygon touch the middle box


def test_shared_segments_min_length_and_orientation() -> None:
    polys = np.array([shapely.box(0, 0, 10, 10), shapely.box(10, 9.5, 20, 20), shapely.box(0, 10, 10, 20)])
    assert set(_lengths(polys, 1.0)) == {(0, 2), (1, 2)}
    left, right, start, end, pair = shared_segments(polys[[0, 2]])
    # Oriented as the first polygon's ring runs (the box's exterior is counter-clockwise: east to west on top).
    assert start.tolist() == [[10.0, 10.0]] and end.tolist() == [[0.0, 10.0]]
    assert len(shared_segments(np.array([], dtype=object))[0]) == 0


def test_densify_segments_is_shapely_segmentize_to_the_bit() -> None:
    rng = np.random.default_rng(5)
    lines = shapely.linestrings(rng.uniform(0, 200, size=(50, 4, 2)))
    start, end, owner = line_segments(lines)
    a, b, piece = densify_segments(start, end, 5.0)
    coords, part = shapely.get_coordinates(shapely.segmentize(lines, 5.0), return_index=True)
    same = part[1:] == part[:-1]
    assert np.array_equal(a, coords[:-1][same]) and np.array_equal(b, coords[1:][same])
    assert np.array_equal(owner[piece], part[:-1][same])


def test_segment_samples_in_chunks_are_the_samples_of_all_segments_at_once(monkeypatch) -> None:
    from gridkit import graph

    rng = np.random.default_rng(7)
    start, end, _ = line_segments(shapely.linestrings(rng.uniform(0, 200, size=(20, 4, 2))))
    a, b, owner = densify_segments(start, end, graph._SAMPLE_SPACING_M)
    monkeypatch.setattr(graph, "_CHUNK_POINTS", 7)  # 60 segments: chunks of 7 and a last one of 4
    mid, length, sample_of = graph.segment_samples(start, end)
    assert np.array_equal(mid, (a + b) / 2) and np.array_equal(length, np.hypot(*(b - a).T))
    assert np.array_equal(sample_of, owner)
    assert [len(x) for x in graph.segment_samples(start[:0], end[:0])] == [0, 0, 0]


def test_prepared_undoes_only_its_own_preparation() -> None:
    from gridkit.geometry import prepared

    before, fresh = shapely.box(0, 0, 1, 1), shapely.box(2, 0, 3, 1)
    shapely.prepare(before)
    geoms = np.array([before, fresh, None], dtype=object)
    with prepared(geoms):
        assert shapely.is_prepared(geoms[:2]).all()
    assert shapely.is_prepared(before) and not shapely.is_prepared(fresh)


def _largest_overlap_by_hand(a: np.ndarray, b: np.ndarray) -> list[int]:
    """Every pair's shared area by one overlay each: the largest wins, the lowest index on ties."""
    out = []
    for x in a:
        area = shapely.area(shapely.intersection(x, b))
        touching = shapely.intersects(x, b)
        best = int(np.argmax(area)) if area.max() > 0 else (int(np.argmax(touching)) if touching.any() else -1)
        out.append(best)
    return out


@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20), st.integers(1, 6), st.integers(1, 6)),
                min_size=1, max_size=25),
       st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20), st.integers(2, 12), st.integers(2, 12)),
                min_size=1, max_size=8),
       st.booleans())
@settings(max_examples=60, deadline=None)
def test_largest_overlap_is_the_same_whichever_side_the_tree_holds(small: list, large: list, dense: bool) -> None:
    # With ``dense`` the large polygons carry more vertices than the small ones, and the tree is built on the
    # small ones instead (the large ones ask, prepared); either way the answer is the brute-force one.
    a = np.array([shapely.box(x, y, x + w, y + h) for x, y, w, h in small])
    b = np.array([shapely.box(x, y, x + w, y + h) for x, y, w, h in large])
    if dense:
        b = shapely.segmentize(b, 0.5)
    assert largest_overlap(a, b).tolist() == _largest_overlap_by_hand(a, b)
