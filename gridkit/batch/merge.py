"""Merge the offices' plans into one city plan, streamed office by office (memory stays one office's).

Every layer gains ``office_code`` and ``office_name``; block ids are prefixed by the office code
(they are only unique within an office); unit codes already start with their office's code, so
they are unique across the city. Columns an office lacks are empty; a column whose type differs
between offices is written as text.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from pyproj import CRS

from ..errors import PlanError
from ..io.write import read_plan

__all__ = ["MERGED_LAYERS", "merged_layers", "check_unique_codes"]

#: Plan layers merged across offices, in writing order.
MERGED_LAYERS = ("grids", "communities", "groups", "blocks", "buildings", "area", "roads", "barriers", "metrics")
_BLOCK_ID_COLUMNS = ("block_id",)


def _schemas(plans: list[str]) -> dict[str, dict[str, str]]:
    """Layer -> column -> dtype over every office's plan (from the files' metadata, nothing read)."""
    out: dict[str, dict[str, str]] = {}
    for path in plans:
        present = {str(n) for n, _ in pyogrio.list_layers(path)}
        for layer in MERGED_LAYERS:
            if layer not in present:
                continue
            info = pyogrio.read_info(path, layer=layer)
            cols = out.setdefault(layer, {})
            for name, dtype in zip(info["fields"], info["dtypes"], strict=True):
                cols[str(name)] = str(dtype) if cols.get(str(name), str(dtype)) == str(dtype) else "object"
    return out


def merged_layers(records: list[dict[str, Any]], crs: CRS) -> Iterator[tuple[str, pd.DataFrame]]:
    """``(layer, frame)`` chunks of the city plan: each finished office's layers in turn, in ``crs``."""
    plans = [str(r["plan"]) for r in records]
    schemas = _schemas(plans)
    for record in records:
        plan = read_plan(record["plan"])
        for layer in MERGED_LAYERS:
            frame = getattr(plan, layer, None)
            if frame is None or layer not in schemas:
                continue
            yield layer, _tagged(frame, record, schemas[layer], crs)


def _tagged(frame: pd.DataFrame, record: dict[str, Any], schema: dict[str, str], crs: CRS) -> pd.DataFrame:
    out = frame.copy()
    for col in _BLOCK_ID_COLUMNS:
        if col in out:
            out[col] = str(record["code"]) + ":" + out[col].astype(str)
    for col, dtype in schema.items():
        if col not in out:
            out[col] = pd.Series(None, index=out.index, dtype=object)
        elif dtype == "object" and out[col].dtype != object:
            out[col] = out[col].map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    columns = ["office_code", "office_name", *schema]
    out["office_code"], out["office_name"] = str(record["code"]), str(record["name"])
    if isinstance(out, gpd.GeoDataFrame):
        return gpd.GeoDataFrame(out[columns], geometry=out.geometry.to_crs(crs).values, crs=crs)
    return pd.DataFrame(out[columns])


def check_unique_codes(codes: pd.Series, where: str) -> None:
    """Refuse a merged plan whose unit codes repeat (office codes were not unique)."""
    repeated = codes[codes.duplicated()]
    if len(repeated):
        raise PlanError(f"{where}: code {repeated.iloc[0]} appears in more than one office")
