"""Merge the offices' plans into one city plan, streamed office by office (memory stays bounded).

Every layer gains ``office_code`` and ``office_name``; block ids are prefixed by the office code
(they are only unique within an office); unit codes already start with their office's code, so
they are unique across the city. Columns an office lacks are empty; a column whose type differs
between offices is written as text. Several offices' rows go out in one chunk per layer (every
write of a chunk costs a fixed time), until a layer has ``CHUNK_ROWS`` rows, so the driver holds at
most about that many rows of each layer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
from pyproj import CRS

from ..errors import PlanError
from ..io.write import read_plan

__all__ = ["MERGED_LAYERS", "merged_layers", "check_unique_codes", "CHUNK_ROWS"]

#: Plan layers merged across offices, in writing order.
MERGED_LAYERS = ("grids", "communities", "groups", "blocks", "buildings", "area", "roads", "barriers", "metrics")
#: Rows of one layer gathered before they are passed on to be written: each GeoPackage append opens
#: the file and the layer again (about 17 ms CPU), a sixth of an office's merge when its eight layers
#: are written one office at a time; 50,000 rows of the largest layers (blocks, buildings) are some 50 MB.
CHUNK_ROWS = 50_000
_BLOCK_ID_COLUMNS = ("block_id",)
#: Layers of units whose codes must be unique across the city.
_UNIT_LAYERS = ("grids", "communities", "groups")
#: Types that hold missing values, for a column an office lacks: joined with other offices' values
#: it keeps their type (a column of integers and None would be written as text).
_NULLABLE = {"bool": "boolean", "int8": "Int8", "int16": "Int16", "int32": "Int32", "int64": "Int64"}


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
    """``(layer, frame)`` chunks of the city plan: the finished offices' layers in office order, in ``crs``.

    A chunk holds one or more offices' rows of a layer: offices are gathered until one of their
    layers has ``CHUNK_ROWS`` rows.
    """
    plans = [str(r["plan"]) for r in records]
    schemas = _schemas(plans)
    pending: dict[str, list[pd.DataFrame]] = {}
    seen: dict[str, set[str]] = {layer: set() for layer in _UNIT_LAYERS}
    for i, record in enumerate(records):
        plan = read_plan(record["plan"])
        for layer in MERGED_LAYERS:
            frame = getattr(plan, layer, None)
            if frame is not None and layer in schemas:
                if layer in seen:
                    check_unique_codes(frame["code"], seen[layer], f"{record['plan']}, layer '{layer}'")
                pending.setdefault(layer, []).append(_tagged(frame, record, schemas[layer], crs))
        # All layers at once, in MERGED_LAYERS order, so they are created in that order.
        if i == len(records) - 1 or max(sum(len(f) for f in frames) for frames in pending.values()) >= CHUNK_ROWS:
            for layer in MERGED_LAYERS:
                if layer in pending:
                    frames = pending.pop(layer)
                    yield layer, frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _tagged(frame: pd.DataFrame, record: dict[str, Any], schema: dict[str, str], crs: CRS) -> pd.DataFrame:
    out = frame.copy()
    for col in _BLOCK_ID_COLUMNS:
        if col in out:
            out[col] = str(record["code"]) + ":" + out[col].astype(str)
    for col, dtype in schema.items():
        if col not in out:
            out[col] = pd.Series(None, index=out.index, dtype=_NULLABLE.get(dtype, dtype))
        elif dtype == "object" and not pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = _text(out[col])
    columns = ["office_code", "office_name", *schema]
    out["office_code"], out["office_name"] = str(record["code"]), str(record["name"])
    if isinstance(out, gpd.GeoDataFrame):
        return gpd.GeoDataFrame(out[columns], geometry=out.geometry.to_crs(crs).values, crs=crs)
    return pd.DataFrame(out[columns])


def _text(values: pd.Series) -> pd.Series:
    """A column as text, missing values kept missing (a number column that is text in another office)."""
    return values.astype(str).astype(object).where(values.notna(), None)


def check_unique_codes(codes: pd.Series, seen: set[str], where: str) -> None:
    """Refuse one office's unit codes when one repeats or was ``seen`` in an earlier office; add them to ``seen``.

    Office codes are unique and prefix every unit code, so only a plan file that is not the office's
    own (copied or edited after its task) can do that.

    Raises
    ------
    PlanError
    """
    new = codes.astype(str)
    repeated = new[new.duplicated() | new.isin(seen)]
    if len(repeated):
        raise PlanError(f"{where}: code {repeated.iloc[0]} is already in the city's plan; this plan file is "
                        "not its office's own (copied or edited after its task): run the batch without --resume")
    seen.update(new)
