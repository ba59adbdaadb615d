"""What changed between two divisions: units added, removed, merged, split or
changed, and the households and buildings that moved between which units.

Units are compared through their buildings (by ``building_id``), so two plans
made from different block cuts are still comparable.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

if TYPE_CHECKING:
    from .plan import Plan

__all__ = ["change_table", "compare_plans", "moved_blocks", "summary", "write_changes", "CHANGE_COLUMNS"]

CHANGE_COLUMNS = ["level", "change", "old_code", "new_code", "old_name", "new_name", "households_moved",
                  "buildings_moved", "old_households", "new_households"]


def change_table(old: pd.DataFrame, new: pd.DataFrame, *, level: str, old_names: dict[str, str] | None = None,
                 new_names: dict[str, str] | None = None) -> pd.DataFrame:
    """Changes at one level between two building → unit assignments.

    Parameters
    ----------
    old, new : DataFrame
        ``building_id``, ``code`` (unit at this level), ``households``.
    level : str

    Returns
    -------
    DataFrame
        One row per (old unit, new unit) pair that shares buildings, plus one
        per unit only in one plan; ``change`` is ``unchanged``, ``changed``,
        ``split``, ``merged``, ``split+merged``, ``added`` or ``removed``.
    """
    old_names, new_names = old_names or {}, new_names or {}
    both = old[["building_id", "code", "households"]].merge(
        new[["building_id", "code", "households"]], on="building_id", how="outer", suffixes=("_old", "_new"))
    both["households"] = both["households_new"].fillna(both["households_old"]).fillna(0)
    both["code_old"] = both["code_old"].fillna("")
    both["code_new"] = both["code_new"].fillna("")
    pairs = both.groupby(["code_old", "code_new"]).agg(households_moved=("households", "sum"),
                                                     buildings_moved=("building_id", "size")).reset_index()
    real = pairs[(pairs["code_old"] != "") & (pairs["code_new"] != "")]
    targets = real.groupby("code_old")["code_new"].nunique()
    sources = real.groupby("code_new")["code_old"].nunique()
    old_hh = old.groupby("code")["households"].sum()
    new_hh = new.groupby("code")["households"].sum()
    old_set = old.groupby("code")["building_id"].apply(frozenset)
    new_set = new.groupby("code")["building_id"].apply(frozenset)
    rows = []
    for r in real.itertuples():
        split, merged = targets[r.code_old] > 1, sources[r.code_new] > 1
        if split and merged:
            kind = "split+merged"
        elif split:
            kind = "split"
        elif merged:
            kind = "merged"
        else:
            kind = "unchanged" if old_set[r.code_old] == new_set[r.code_new] else "changed"
        rows.append((level, kind, r.code_old, r.code_new, r.households_moved, r.buildings_moved))
    for code in sorted(set(new["code"]) - set(real["code_new"])):
        rows.append((level, "added", "", code, float(new_hh.get(code, 0)), int((new["code"] == code).sum())))
    for code in sorted(set(old["code"]) - set(real["code_old"])):
        rows.append((level, "removed", code, "", float(old_hh.get(code, 0)), int((old["code"] == code).sum())))
    table = pd.DataFrame(rows, columns=["level", "change", "old_code", "new_code", "households_moved",
                                        "buildings_moved"])
    table["old_name"] = table["old_code"].map(old_names).fillna("")
    table["new_name"] = table["new_code"].map(new_names).fillna("")
    table["old_households"] = table["old_code"].map(old_hh).fillna(0).astype(int)
    table["new_households"] = table["new_code"].map(new_hh).fillna(0).astype(int)
    table["households_moved"] = table["households_moved"].astype(int)
    return table[CHANGE_COLUMNS].sort_values(["level", "old_code", "new_code"], kind="stable").reset_index(drop=True)


def _assignment(plan: Plan, column: str) -> pd.DataFrame:
    b = plan.buildings
    return pd.DataFrame({"building_id": b["building_id"].astype(str), "code": b[column].astype(str),
                         "households": b["households"].astype(float)})


def compare_plans(old: Plan, new: Plan) -> gpd.GeoDataFrame:
    """Changes between two plans at the grid and community levels.

    Returns
    -------
    GeoDataFrame
        :data:`CHANGE_COLUMNS`, geometry of the new unit (the old one when removed).
    """
    tables = []
    for level, column, layer in (("community", "community_code", "communities"), ("grid", "grid_code", "grids")):
        if column not in old.buildings or column not in new.buildings:
            continue
        names_old = _names(getattr(old, layer, None))
        names_new = _names(getattr(new, layer, None))
        tables.append(change_table(_assignment(old, column), _assignment(new, column), level=level,
                                   old_names=names_old, new_names=names_new))
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=CHANGE_COLUMNS)
    geoms = []
    for r in table.itertuples():
        layer = "communities" if r.level == "community" else "grids"
        src, code = (new, r.new_code) if r.new_code else (old, r.old_code)
        units = getattr(src, layer, None)
        hit = units.geometry.values[units["code"].astype(str).to_numpy() == code] if units is not None else []
        geoms.append(hit[0] if len(hit) else None)
    return gpd.GeoDataFrame(table, geometry=geoms, crs=new.grids.crs)


def moved_blocks(old: Plan, new: Plan) -> pd.DataFrame | None:
    """The blocks that changed grid, when both plans are made of the same blocks (two scenarios or
    two saves of one plan); None when their blocks differ.

    Returns
    -------
    DataFrame or None
        ``block_id``, ``old_grid``, ``new_grid``, ``households``, by block id.
    """
    a, b = old.blocks, new.blocks
    if "grid_code" not in a or "grid_code" not in b or \
            set(a["block_id"].astype(str)) != set(b["block_id"].astype(str)):
        return None
    both = pd.DataFrame({"block_id": a["block_id"].astype(str), "old_grid": a["grid_code"].astype(str),
                         "households": a["households"].fillna(0).astype(int)}).merge(
        pd.DataFrame({"block_id": b["block_id"].astype(str), "new_grid": b["grid_code"].astype(str)}), on="block_id")
    moved = both[both["old_grid"] != both["new_grid"]]
    return moved[["block_id", "old_grid", "new_grid", "households"]].sort_values("block_id").reset_index(drop=True)


def _names(units: gpd.GeoDataFrame | None) -> dict[str, str]:
    if units is None or "name" not in units:
        return {}
    return dict(zip(units["code"].astype(str), units["name"].astype(str), strict=True))


def summary(table: pd.DataFrame) -> dict[str, int]:
    """Count of rows per (level, change)."""
    return {f"{lv}.{ch}": int(n) for (lv, ch), n in table.groupby(["level", "change"]).size().items()}


def write_changes(table: pd.DataFrame, path: str | Path, *, inputs: Iterable[str | Path] = ()) -> Path:
    """Write a change table to CSV (UTF-8 with BOM, so Excel reads Chinese) or XLSX, atomically.

    ``inputs`` (the plans compared) are never overwritten.
    """
    from .io.write import MADE_BY, atomic_path, check_output

    path = Path(path)
    check_output(path, (".csv", ".xlsx"), inputs=inputs)
    table = pd.DataFrame(table).drop(columns=["geometry"], errors="ignore")
    suffix = path.suffix.lower()
    with atomic_path(path) as tmp:
        if suffix == ".csv":
            table.to_csv(tmp, index=False, encoding="utf-8-sig")
        else:
            with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
                table.to_excel(xl, index=False, sheet_name="changes")
                xl.book.properties.creator = MADE_BY
                sheet = xl.sheets["changes"]
                sheet.freeze_panes = "A2"
                for col in sheet.columns:
                    width = max(len(str(c.value or "")) for c in col)
                    sheet.column_dimensions[col[0].column_letter].width = min(40, max(10, width * 1.6))
    return path
