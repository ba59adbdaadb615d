"""One street office, as a Dask task runs it on a worker.

A task reads its office's layers out of the city-wide input (a spatial filter by the office's
boundary), divides them in memory as ``gridkit partition`` would divide the same layers in a file
(:func:`gridkit.area.area_from_layers`, :func:`gridkit.plan.partition`), writes the office's
plan and returns a small status record. The office's own input file (``inputs/CODE.gpkg``,
which ``gridkit partition`` reproduces the office from) is written only when the office fails or
when asked (``BatchConfig.keep_inputs``): writing and reading it back for every office cost
about 0.4 CPU s each. Every file a task writes goes to a temporary name first and is renamed into
place when complete, and a re-run writes the same content (the seed is explicit), so a task that
Dask runs twice — after a worker died, or a retry — leaves exactly one result per office.

Errors in the office's data (:class:`~gridkit.errors.GridkitError`) come back as a failed record
straight away: running again would fail the same way. An office with no building inside its boundary
(:class:`~gridkit.errors.NoBuildings`: a port, a park, land beyond the data) comes back ``empty``:
nothing to divide is not a failure. A database that cannot be reached
(:class:`~gridkit.errors.Unavailable`) is waited for and tried again, ``UNAVAILABLE_WAITS_S``, and
then raised like anything else, so Dask retries the task.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from ..area import LINE_REACH_M, area_from_layers
from ..crs import given_crs
from ..errors import GridkitError, NoBuildings, Unavailable
from ..io import postgis
from ..io.read import read_layers
from ..io.write import atomic_path, write_layers, write_plan
from ..pipeline import partition_file
from ..plan import Plan, partition
from ..profile import Profile
from .offices import Office, around_buildings

__all__ = ["BatchConfig", "run_office", "keep_input", "input_kept", "plan_path", "input_path", "status_record",
           "UNAVAILABLE_WAITS_S"]

#: Seconds a task waits before each new try while a database cannot be reached (doubling: a
#: restart or a burst of connections from every worker at once usually passes within seconds).
UNAVAILABLE_WAITS_S = (1.0, 2.0, 4.0, 8.0)
T = TypeVar("T")


@dataclass(frozen=True)
class BatchConfig:
    """What every task of one batch shares (picklable)."""

    work_dir: str
    profile: Profile
    from_gcj02: bool = False
    #: The CRS of input layers that name none (``batch --crs``).
    crs: str | None = None
    unavailable_waits_s: tuple[float, ...] = UNAVAILABLE_WAITS_S
    #: Write every office's own input (``inputs/CODE.gpkg``), not only a failed office's.
    keep_inputs: bool = False


def plan_path(config: BatchConfig, office: Office) -> Path:
    """Where the office's plan is written."""
    return Path(config.work_dir) / "offices" / f"{office.code}.gpkg"


def input_path(config: BatchConfig, office: Office) -> Path:
    """The office's own input: its source when it has one, else its region cut out of the city
    (written when the office fails, or for every office with ``keep_inputs``, with its profile
    beside it as ``CODE.toml``)."""
    return Path(office.source) if office.region is None else Path(config.work_dir) / "inputs" / f"{office.code}.gpkg"


def input_kept(config: BatchConfig, office: Office) -> bool:
    """Whether the office's own input is there: its source, or its region's layers and profile written out."""
    target = input_path(config, office)
    return office.region is None or (target.exists() and target.with_suffix(".toml").exists())


def keep_input(office: Office, config: BatchConfig) -> str:
    """Write the office's own input and profile, as its task does with ``keep_inputs`` (for an office
    whose plan an earlier run made); return its code."""
    profile = config.profile.with_codes(office.code)
    _until_available(config, lambda: _write_input(_office_layers(office, profile.cleaning.inside_share), config,
                                                  office, profile))
    return office.code


def status_record(office: Office, status: str, **fields: Any) -> dict[str, Any]:
    """A task's result: one row of the batch's summary (see :func:`gridkit.batch.run_batch`)."""
    base: dict[str, Any] = {"code": office.code, "name": office.name, "status": status, "code_source": office.code_source,
                            "plan": "", "buildings": 0, "households": 0, "communities": 0, "grids": 0,
                            "invariants_failed": "", "seconds": 0.0, "cpu_s": 0.0, "waited_s": 0.0, "worker": "",
                            "error": ""}
    return {**base, **fields}


def run_office(office: Office, config: BatchConfig) -> dict[str, Any]:
    """Divide one street office; return its status record.

    Raises
    ------
    Exception
        Anything but a :class:`~gridkit.errors.GridkitError` (those are returned as ``failed``),
        and a database still unavailable after ``config.unavailable_waits_s`` (as ``ConnectionError``).
    """
    record, waited = _until_available(config, lambda: _attempt(office, config))
    return {**record, "waited_s": waited}


def _until_available(config: BatchConfig, work: Callable[[], T]) -> tuple[T, float]:
    """``work()`` and the seconds waited for it: tried again after each of ``config.unavailable_waits_s``
    while a database cannot be reached, then raised as ``ConnectionError`` (so Dask retries the task)."""
    waits, waited = iter(config.unavailable_waits_s), 0.0
    while True:
        try:
            return work(), waited
        except Unavailable as exc:
            wait = next(waits, None)
            if wait is None:
                raise ConnectionError(str(exc)) from exc
            time.sleep(wait)
            waited += wait


def _attempt(office: Office, config: BatchConfig) -> dict[str, Any]:
    # CPU of this thread alone: the office's work, not the worker's heartbeats and transfers.
    started, cpu = time.time(), time.thread_time()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    profile = config.profile.with_codes(office.code)
    out = plan_path(config, office)
    out.parent.mkdir(parents=True, exist_ok=True)
    layers: dict[str, gpd.GeoDataFrame] = {}
    try:
        if office.region is None:
            plan = partition_file(office.source, out, profile=profile, from_gcj02=config.from_gcj02, crs=config.crs)
        else:
            layers = _office_layers(office, profile.cleaning.inside_share, config.crs)
            if config.keep_inputs:
                _write_input(layers, config, office, profile)
            plan = _partition_layers(layers, office, profile, config.from_gcj02, config.crs)
            write_plan(plan, out)
    except Unavailable:
        raise
    except NoBuildings as exc:
        return status_record(office, "empty", error=str(exc), seconds=round(time.time() - started, 2),
                             cpu_s=round(time.thread_time() - cpu, 2), worker=worker)
    except GridkitError as exc:
        error = str(exc)
        if layers and not config.keep_inputs:
            try:
                _write_input(layers, config, office, profile)  # so that `gridkit partition` reproduces the failure
            except GridkitError as unkept:  # the full disk that refused the plan: the office failed, said once
                error += f" (its input was not kept either: {unkept})"
        return status_record(office, "failed", error=error, seconds=round(time.time() - started, 2),
                             cpu_s=round(time.thread_time() - cpu, 2), worker=worker)
    bad = plan.metrics[(plan.metrics["kind"] == "invariant") & (plan.metrics["passed"] == "no")]
    return status_record(
        office, "ok", plan=str(out), buildings=len(plan.buildings),
        households=int(pd.to_numeric(plan.grids["households"]).sum()),
        communities=0 if plan.communities is None else len(plan.communities), grids=len(plan.grids),
        invariants_failed=",".join(bad["name"].astype(str)), seconds=round(time.time() - started, 2),
        cpu_s=round(time.thread_time() - cpu, 2), worker=worker)


def _office_layers(office: Office, share: float, given: str | None = None) -> dict[str, gpd.GeoDataFrame]:
    """The office's layers read out of the city-wide input (within reach of its region), and its boundary:
    its region with the buildings on its seams moved whole to one side (:func:`around_buildings`, by
    ``share``, the profile's ``cleaning.inside_share``); buildings naming no CRS are in ``given``'s."""
    region = office.region
    assert region is not None  # an office read out of a city-wide input
    crs = CRS.from_wkt(office.crs)
    metric = gpd.GeoSeries([region], crs=crs).to_crs(gpd.GeoSeries([region], crs=crs).estimate_utm_crs())
    # Read a little beyond the boundary: the streets along it and the ends of streets crossing it cut blocks.
    reach = metric.buffer(LINE_REACH_M).to_crs(crs).iloc[0]
    layers = read_layers(office.source, mask=(reach, crs))
    buildings = layers.get("buildings")
    placed = buildings if buildings is None or buildings.crs is not None or given is None else \
        buildings.set_crs(given_crs(given))
    if placed is not None and placed.crs is not None:
        region = around_buildings(region, placed.to_crs(crs).geometry.values, share)
    layers["boundary"] = gpd.GeoDataFrame({"name": [office.name], "code": [office.code]}, geometry=[region], crs=crs)
    return layers


def _partition_layers(layers: dict[str, gpd.GeoDataFrame], office: Office, profile: Profile,
                      from_gcj02: bool, crs: str | None = None) -> Plan:
    """What ``gridkit partition`` of the office's own input makes, from its layers in memory.

    The plan's ``input`` names the city-wide source and the office, and its ``input_sha256`` is
    the hash of the layers read (as for a database input), not of a file.
    """
    source = postgis.redact(office.source) if postgis.is_postgis(office.source) else office.source
    where = f"{source}, street office {office.code}"
    if "buildings" in layers and not len(layers["buildings"]):
        # The spatial filter found none: the layer's own message ("has no features") would blame the input.
        raise NoBuildings(f"{where}: no building lies within the street office's boundary")
    area = area_from_layers(layers, where=where, from_gcj02=from_gcj02, profile=profile, crs=crs)
    return partition(dataclasses.replace(area, source=where, source_hash=postgis.layers_hash(layers)), profile)


def _write_input(layers: dict[str, gpd.GeoDataFrame], config: BatchConfig, office: Office, profile: Profile) -> None:
    """Write the office's layers as its own input and its profile (its codes, the seed) beside it, atomically:
    ``gridkit partition inputs/CODE.gpkg --profile inputs/CODE.toml`` divides it again."""
    target = input_path(config, office)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target, ".gpkg") as tmp:
        write_layers(tmp, layers)
    with atomic_path(target.with_suffix(".toml")) as tmp:
        tmp.write_text(profile.to_toml(), encoding="utf-8")
