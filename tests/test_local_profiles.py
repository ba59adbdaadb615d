"""Profiles for published local rules: each loads, cites its source, and shapes the plan as it says."""

from __future__ import annotations

import numpy as np
import shapely

import gridkit
from gridkit.profile import _shipped_text
from test_exclusive import X0, Y0, _town


def test_band_300_500_grids_hold_300_to_500_households():
    plan = gridkit.partition(gridkit.area_from_layers(_town()), "band_300_500", seed=0)
    base = plan.grids[plan.grids["flags"].fillna("") == ""]
    assert len(base) >= 2
    assert base["households"].between(300, 500).all(), base["households"].tolist()


def test_beijing_codes_are_15_digits_serials_west_to_east_then_north_to_south():
    assert "DB11/T 2157-2023" in _shipped_text("beijing_db11t2157")
    plan = gridkit.partition(gridkit.area_from_layers(_town()), "beijing_db11t2157", seed=0)
    grids = plan.grids.sort_values("code")
    assert all(len(c) == 15 and c.startswith("110000001") and c.isdigit() for c in grids["code"])
    pts = shapely.point_on_surface(grids.geometry.values)
    x, y = shapely.get_x(pts) - X0, shapely.get_y(pts) - Y0
    # Rows as gridkit draws them (gridkit.codes): as tall as a typical grid, north first.
    height = float(np.sqrt(np.median(shapely.area(grids.geometry.values))))
    row = ((y.max() - y) // height).astype(int)
    assert list(row) == sorted(row)  # north to south ...
    for r in set(row):
        assert list(x[row == r]) == sorted(x[row == r])  # ... and west to east within each row
