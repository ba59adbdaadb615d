"""The shared geometric helpers, on small hand-made cases."""

from __future__ import annotations

import numpy as np
import shapely

from gridkit.geometry import dissolve_by_label, largest_overlap, overlap_pairs, polygonal


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
