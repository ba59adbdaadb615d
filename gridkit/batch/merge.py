"""Merge the offices' plans into one city plan, streamed office by office (memory stays bounded).

Every layer gains ``office_code`` and ``office_name``; block and building ids are prefixed by the
office code (they are only unique within an office); unit codes already start with their office's
code, so they are unique across the city. Columns an office lacks are empty; a column whose type differs
between offices is written as text. Several offices' rows go out in one chunk per layer (every
write of a chunk costs a fixed time), until a layer has ``CHUNK_ROWS`` rows, so the driver holds at
most about that many rows of each layer.

Reading an office's plan and tagging its rows (:func:`office_layers`) is half of the merge's CPU
and needs nothing from the other offices, so a batch runs it on its Dask workers, a few offices
ahead of the writer, while the driver writes (the only part that must be serial): see the
``read`` argument of :func:`merged_layers`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
from pyproj import CRS

from ..errors import PlanError
from ..io.write import read_plan

__all__ = ["MERGED_LAYERS", "merged_layers", "office_layers", "read_here", "plan_schema", "merge_schemas",
           "check_unique_codes", "CHUNK_ROWS", "Schemas", "Reader"]

#: Plan layers merged across offices, in writing order.
MERGED_LAYERS = ("grids", "communities", "groups", "blocks", "buildings", "area", "roads", "barriers", "metrics")
#: Rows of one layer gathered before they are passed on to be written: each GeoPackage append opens
#: the file and the layer again (about 17 ms CPU), a sixth of an office's merge when its eight layers
#: are written one office at a time; 50,000 rows of the largest layers (blocks, buildings) are some 50 MB.
CHUNK_ROWS = 50_000
#: Ids unique only within an office, prefixed by its code: blocks' always, buildings' when the input
#: has none of its own (every office numbers its buildings b1, b2 …: the merged plan repeated them).
_OFFICE_IDS = ("block_id", "building_id")
#: Layers of units whose codes must be unique across the city.
_UNIT_LAYERS = ("grids", "communities", "groups")
#: Types that hold missing values, for a column an office lacks: joined with other offices' values
#: it keeps their type (a column of integers and None would be written as text).
_NULLABLE = {"bool": "boolean", "int8": "Int8", "int16": "Int16", "int32": "Int32", "int64": "Int64"}


#: Layer -> column -> dtype (as pyogrio reads them).
Schemas = dict[str, dict[str, str]]
#: Reads the offices' plans: ``read(records, schemas, crs)`` yields each office's
#: :func:`office_layers`, in the order of ``records``.
Reader = Callable[[list[dict[str, Any]], Schemas, CRS], Iterable[dict[str, pd.DataFrame]]]


def plan_schema(path: str) -> Schemas:
    """The merged layers' columns and types in one office's plan (from the file's metadata, nothing read)."""
    present = {str(n) for n, _ in pyogrio.list_layers(path)}
    out: Schemas = {}
    for layer in MERGED_LAYERS:
        if layer in present:
            info = pyogrio.read_info(path, layer=layer)
            out[layer] = {str(n): str(d) for n, d in zip(info["fields"], info["dtypes"], strict=True)}
    return out


def merge_schemas(schemas: Iterable[Schemas]) -> Schemas:
    """The city's layers over every office's: every column any office has; text where their types differ."""
    out: Schemas = {}
    for schema in schemas:
        for layer, columns in schema.items():
            cols = out.setdefault(layer, {})
            for name, dtype in columns.items():
                cols[name] = dtype if cols.get(name, dtype) == dtype else "object"
    return out


def office_layers(record: dict[str, Any], schemas: Schemas, crs: CRS) -> dict[str, pd.DataFrame]:
    """One office's merged layers: its plan's rows tagged with its office, in the city's columns and ``crs``."""
    plan = read_plan(record["plan"])
    out: dict[str, pd.DataFrame] = {}
    for layer in MERGED_LAYERS:
        frame = getattr(plan, layer, None)
        if frame is not None and layer in schemas:
            out[layer] = _tagged(frame, record, schemas[layer], crs)
    return out


def read_here(records: list[dict[str, Any]], schemas: Schemas, crs: CRS) -> Iterator[dict[str, pd.DataFrame]]:
    """Each office's :func:`office_layers`, read in this process one at a time (a :data:`Reader`)."""
    return (office_layers(record, schemas, crs) for record in records)


def merged_layers(records: list[dict[str, Any]], crs: CRS, schemas: Schemas | None = None,
                  read: Reader = read_here) -> Iterator[tuple[str, pd.DataFrame]]:
    """``(layer, frame)`` chunks of the city plan: the finished offices' layers in office order, in ``crs``.

    A chunk holds one or more offices' rows of a layer: offices are gathered until one of their
    layers has ``CHUNK_ROWS`` rows. ``schemas`` is :func:`merge_schemas` of the offices' plans
    (read here when not given); ``read`` reads and tags the plans (here, one at a time, by default).

    Raises
    ------
    PlanError
        A unit code repeated across offices (:func:`check_unique_codes`).
    """
    if schemas is None:
        schemas = merge_schemas(plan_schema(str(r["plan"])) for r in records)
    pending: dict[str, list[pd.DataFrame]] = {}
    seen: dict[str, set[str]] = {layer: set() for layer in _UNIT_LAYERS}
    for i, (record, layers) in enumerate(zip(records, read(records, schemas, crs), strict=True)):
        for layer, frame in layers.items():
            if layer in seen:
                check_unique_codes(frame["code"], seen[layer], f"{record['plan']}, layer '{layer}'")
            pending.setdefault(layer, []).append(frame)
        # All layers at once, in MERGED_LAYERS order, so they are created in that order.
        if i == len(records) - 1 or max(sum(len(f) for f in frames) for frames in pending.values()) >= CHUNK_ROWS:
            for layer in MERGED_LAYERS:
                if layer in pending:
                    frames = pending.pop(layer)
                    yield layer, frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _tagged(frame: pd.DataFrame, record: dict[str, Any], schema: dict[str, str], crs: CRS) -> pd.DataFrame:
    out = frame.copy()
    for col in _OFFICE_IDS:
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
