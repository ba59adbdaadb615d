"""Joining a household register: CPU seconds of ``match_register`` by how many rows match.

    PYTHONPATH=. .venv/bin/python benchmarks/registers.py [BUILDINGS]   # prints a Markdown table

Synthetic (made up): BUILDINGS footprints in a row, ``测试N路`` + a house number each; registers of one
row per household down to the room (``上海市黄浦区测试3路41号101室``), two rows per building: every row
matching, one in fifty not, and none (the register's street names spelt otherwise, 测式 for 测试: every
row unmatched and given a suggestion).
"""

from __future__ import annotations

import sys
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridkit import load_profile
from gridkit.register import Register, match_register


def main(n: int = 20000) -> None:
    ratio = load_profile().households.register_fuzzy_min_ratio
    street = np.array([f"测试{i % 200}路" for i in range(n)])
    number = np.arange(n) // 200 * 2 + 1
    x = np.arange(n) * 30.0
    buildings = gpd.GeoDataFrame({"building_id": [f"b{i}" for i in range(n)],
                                  "addr:full": [f"{s}{k}号" for s, k in zip(street, number, strict=True)]},
                                 geometry=shapely.box(x, 0, x + 20, 10), crs=32651)
    rows = pd.DataFrame({"address": [f"上海市黄浦区{street[i]}{number[i]}号{f}0{f}室" for i in range(n) for f in (1, 2)],
                         "households": 1})
    some = rows.assign(address=rows["address"].where(rows.index % 50 != 0, "不存在路999号"))
    none = rows.assign(address=rows["address"].str.replace("测试", "测式"))
    print(f"| register ({n:,} buildings) | rows | matched | suggested | CPU s |\n|---|---:|---:|---:|---:|")
    for name, table in (("every row matching", rows), ("one row in fifty not", some), ("none matching", none)):
        start = time.process_time()
        match = match_register(buildings, Register.from_frame(table), fuzzy_min_ratio=ratio)
        cpu = time.process_time() - start
        unmatched = match.unmatched
        print(f"| {name} | {len(table):,} | {len(table) - len(unmatched):,} | "
              f"{int((unmatched['suggested_address'] != '').sum()):,} | {cpu:.1f} |")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
