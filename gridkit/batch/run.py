"""Run a whole city: one Dask task per street office, then one merged plan.

The driver finds the offices (:func:`~gridkit.batch.offices.find_offices`), submits one task per
office that its manifest does not already record as done, records each result in the manifest as
it arrives, and finally merges the finished offices into one plan with a summary of every office
and the failures. Tasks and results live in a work folder that every worker must be able to read
and write (on a real cluster: a shared file system); the input must be readable by every worker.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from .. import __version__
from ..errors import InputError
from ..io import postgis
from ..io.write import check_output, write_layers_atomic
from ..profile import Profile, load_profile
from .merge import Reader, Schemas, merge_schemas, merged_layers, office_layers, plan_schema, read_here
from .offices import Census, Office, building_census, find_offices
from .task import BatchConfig, input_kept, keep_input, run_office, status_record

if TYPE_CHECKING:
    from distributed import Client, Future

__all__ = ["BatchResult", "run_batch", "BATCH_STAGES", "DEFAULT_RETRIES"]

#: Shares of a batch by stage; they only pace the progress bar.
BATCH_STAGES = {"offices": 0.95, "merge": 0.05}
#: How often Dask re-runs a task that raised (not a data error, which is reported at once).
DEFAULT_RETRIES = 2
#: Offices whose plans the workers read and tag for the merge ahead of the driver writing: enough
#: to keep two workers busy while the driver writes, few enough that the driver holds little
#: (an office of 10^4 buildings is some 30,000 rows over all layers, about 20 MB).
MERGE_AHEAD = 4
_MANIFEST = "manifest.jsonl"
#: Dask settings of the cluster a batch starts itself. Its workers run one long task at a time and
#: nobody watches a dashboard, so the sampling profiler (every 10 ms), the event-loop tick (20 ms) and
#: the system and memory monitors (0.5 s, 0.1 s) only cost CPU: about 3 % of a core for each worker
#: and for the driver, 0.3-0.5 % with these (benchmarks/results/batch.md).
#: Worker saturation 1: the scheduler hands a worker its next office only when it is free, so the
#: offices start strictly in priority order (largest first) and none waits queued on a busy worker
#: at the end while another worker idles.
_QUIET_CLUSTER = {"distributed.worker.profile.enabled": False, "distributed.admin.tick.interval": "1s",
                  "distributed.admin.system-monitor.interval": "5s", "distributed.worker.memory.monitor-interval": "1s",
                  "distributed.scheduler.worker-saturation": 1.0}


@dataclass(frozen=True)
class BatchResult:
    """What a batch did.

    Attributes
    ----------
    output : str or Path
        The merged plan (GeoPackage or PostGIS URL).
    summary : DataFrame
        One row per office: ``code``, ``name``, ``status`` (``ok``; ``empty``: no building inside its
        boundary, so no plan; ``failed``), ``buildings``, ``households``, ``communities``, ``grids``,
        ``invariants_failed``, ``seconds`` (wall time of its task), ``cpu_s`` (CPU time of its task),
        ``waited_s`` (waiting for a database), ``worker``, ``error`` (why it failed or is empty), ``plan``
        (the office's own plan file), ``reused`` (finished by an earlier run).
    seconds : float
    outside : int
        Buildings of a city-wide input in no office's boundary (gaps between them, or beyond them):
        no plan holds them (the merged plan's run value ``buildings_in_no_office``).
    """

    output: str | Path
    summary: pd.DataFrame
    seconds: float
    outside: int = 0

    @property
    def failures(self) -> pd.DataFrame:
        """The offices that failed and why."""
        return self.summary.loc[self.summary["status"] == "failed", ["code", "name", "error"]].reset_index(drop=True)

    @property
    def empty(self) -> pd.DataFrame:
        """The offices with no building inside their boundary (no plan divides them) and what their task said."""
        return self.summary.loc[self.summary["status"] == "empty", ["code", "name", "error"]].reset_index(drop=True)


def run_batch(
    areas: str | Path,
    output: str | Path,
    *,
    offices: str | Path | None = None,
    office_column: str | None = None,
    profile: Profile | str | Path = "default",
    seed: int | None = None,
    from_gcj02: bool = False,
    workers: int = 2,
    scheduler: str | None = None,
    resume: bool = False,
    retries: int = DEFAULT_RETRIES,
    work_dir: str | Path | None = None,
    keep_inputs: bool = False,
    progress: Callable[[str, float], None] | None = None,
    crs: str | None = None,
) -> BatchResult:
    """Divide every street office of a city on Dask and merge the plans.

    Parameters
    ----------
    areas : str or Path
        A city-wide input with an ``offices`` layer (or ``offices``), or a folder of per-office
        inputs; see :func:`~gridkit.batch.offices.find_offices`.
    output : str or Path
        The merged plan: a ``.gpkg`` or a PostGIS URL, written atomically. Besides the plan
        layers (each with ``office_code``, ``office_name``) it has ``offices`` (the summary, one
        polygon per office) and ``failures``.
    offices : str or Path, optional
        A file of street-office boundaries (``name``, ``code``).
    office_column : str, optional
        Instead of boundaries: the column of the city-wide input's buildings naming each one's
        street office (its name or 9-digit code); offices' regions are made from their buildings.
    profile : Profile, str or Path
        The rules; each office's codes come from its own code (``Profile.with_codes``).
    seed : int, optional
        Overrides the profile's seed (the same for every office, so a re-run is identical).
    from_gcj02 : bool
        The input's lon/lat are GCJ-02.
    workers : int
        Worker processes of the LocalCluster started when ``scheduler`` is not given.
    scheduler : str, optional
        An existing cluster: a scheduler address (``tcp://host:8786``) or a scheduler file.
    resume : bool
        Skip the offices the work folder's manifest records as done with the same inputs and rules.
    retries : int
        Re-runs of a task that raised something other than a data error.
    work_dir : str or Path, optional
        Where the offices' inputs, plans and the manifest go (default: ``OUTPUT.batch`` beside a
        file output; required for a PostGIS output). Workers must be able to reach it.
    keep_inputs : bool
        Write every office's own input (``inputs/CODE.gpkg``, what ``gridkit partition``
        reproduces its plan from), not only a failed office's: every office of the output has
        one, also the offices reused from an earlier run (``resume``) that did not keep it.
    progress : callable, optional
        ``progress(stage, fraction)``: told the offices done so far and the share of the batch
        done (0 to 1, never decreasing).
    crs : str, optional
        The CRS of input layers (and office boundaries) that name none: ``EPSG:4549`` for Shapefiles without
        their ``.prj`` or a DXF, as :func:`gridkit.read_area`'s ``crs``.

    Returns
    -------
    BatchResult

    Raises
    ------
    InputError
        Bad areas, offices or output, before any task runs.
    """
    started = time.time()
    report = _stages(progress)
    inputs = [p for p in (areas, offices) if p is not None]
    if isinstance(profile, str | Path) and str(profile).lower().endswith(".toml"):
        inputs.append(str(profile))
    check_output(output, (".gpkg",), inputs=inputs)
    # Workers may run in another folder (a `dask worker` started elsewhere, another machine): they are
    # given absolute paths, a relative one named nothing there ("no such file" for every office).
    work = _work_dir(output, work_dir).absolute()
    if work.exists() and not work.is_dir():
        raise InputError(f"{work}: the work folder is a file; give --work-dir a folder")
    for folder in (Path(i).resolve() for i in inputs if not postgis.is_postgis(i) and Path(i).is_dir()):
        # A folder of offices' inputs: whatever is written in it a later run takes for an office's input.
        if work.resolve() == folder:
            raise InputError(f"{work}: the work folder is the input folder; the offices' inputs and plans would be "
                             "written among yours: give --work-dir another folder")
        for what, target in (("the merged plan", Path(output)), ("the work folder", work)):
            if Path(os.path.realpath(target)).is_relative_to(folder):
                raise InputError(f"{target}: {what} would be inside the input folder {folder}, where a later run "
                                 "would take it for an office's input; write it to another folder")
    prof = (profile if isinstance(profile, Profile) else load_profile(profile)).with_seed(seed)
    found = find_offices(areas if postgis.is_postgis(areas) else Path(areas).absolute(), offices=offices, office_column=office_column, county_code=prof.codes.county_code,
                         hull_buffer_m=prof.blocks.hull_buffer_m, office_suffix=prof.names.office_suffix, crs=crs)
    census = building_census(found)
    _refuse_shared(census, found, offices if offices is not None else areas)
    config = BatchConfig(work_dir=str(work), profile=prof, from_gcj02=from_gcj02, keep_inputs=keep_inputs, crs=crs)
    manifest = work / _MANIFEST
    work.mkdir(parents=True, exist_ok=True)
    done = _finished(manifest, found, config) if resume else {}
    if not resume and manifest.exists():
        manifest.unlink()
    todo = [o for o in found if o.code not in done]
    records = {code: {**rec, "reused": True} for code, rec in done.items()}
    report["offices"](f"{len(records)}/{len(found)} offices", len(records) / len(found))
    # Reused offices whose own input an earlier run did not keep (it ran without keep_inputs).
    unkept = [o for o in found if o.code in records and keep_inputs and not input_kept(config, o)]
    with ExitStack() as stack:
        # No cluster when every office is reused as it is: the merge then reads the plans here.
        client = stack.enter_context(_client(workers, scheduler)) if todo or unkept else None
        if client is not None:
            # Priority 0: after every office's task (those have 1 and up); they only read and write.
            keeping = client.map(keep_input, unkept, config=config, retries=retries, pure=False)
            for record in _run(client, todo, config, retries, census.sizes):
                office = next(o for o in todo if o.code == record["code"])
                _append(manifest, {**record, "fingerprint": _fingerprint(office, config)})
                records[record["code"]] = {**record, "reused": False}
                report["offices"](f"{len(records)}/{len(found)} offices", len(records) / len(found))
            client.gather(keeping)
        _tidy(work)
        summary = pd.DataFrame([records[o.code] for o in found])
        report["merge"]("merging the offices' plans", 0.0)
        out = _merge(summary, found, output, areas, client, census.outside, prof)
    report["merge"]("done", 1.0)
    return BatchResult(output=out, summary=summary, seconds=round(time.time() - started, 1), outside=census.outside)


def _stages(progress: Callable[[str, float], None] | None) -> dict[str, Callable[[str, float], None]]:
    """One callback per stage, mapping its own 0-1 onto its share of the batch (BATCH_STAGES)."""
    total = sum(BATCH_STAGES.values())
    out: dict[str, Callable[[str, float], None]] = {}
    start = 0.0
    for name, weight in BATCH_STAGES.items():
        def report(stage: str, fraction: float, start: float = start / total, width: float = weight / total) -> None:
            if progress is not None:
                progress(stage, start + width * fraction)
        out[name] = report
        start += weight
    return out


def _work_dir(output: str | Path, work_dir: str | Path | None) -> Path:
    if work_dir is not None:
        return Path(work_dir)
    if postgis.is_postgis(output):
        raise InputError(f"{postgis.redact(str(output))}: a PostGIS output needs a work folder (--work-dir) "
                         "for the offices' own plans")
    out = Path(output)
    return out.with_name(out.name + ".batch")


@contextmanager
def _client(workers: int, scheduler: str | None) -> Iterator[Client]:
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        kind = {"scheduler_file": scheduler} if Path(scheduler).is_file() else {"address": scheduler}
        with Client(**kind) as client:
            yield client
        return
    # One thread per worker process: the work is CPU-bound Python and GEOS calls. No dashboard; the
    # scheduler's HTTP server (health checks) still listens, on a free port: on Dask's 8787, taken by
    # any other cluster on the machine, it printed "Port 8787 is already in use" to the analyst.
    with dask.config.set(_QUIET_CLUSTER), \
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                         scheduler_kwargs={"dashboard_address": ":0"}) as cluster, \
            Client(cluster) as client:
        yield client


def _refuse_shared(census: Census, found: list[Office], boundaries: str | Path) -> None:
    """Refuse boundaries that overlap where buildings stand: both offices would divide them (twice in the city's plan)."""
    if not census.shared:
        return
    names = {o.code: o.name for o in found}
    a, b, n = census.shared[0]
    more = f" (and {len(census.shared) - 1} more pairs)" if len(census.shared) > 1 else ""
    raise InputError(f"{postgis.shown(boundaries)}: the boundaries of street offices {a} {names[a]} and {b} {names[b]} "
                     f"overlap where {n} building{'s' if n > 1 else ''} stand{'' if n > 1 else 's'}{more}: both "
                     "would divide them; correct the boundaries so that no two overlap")


def _run(client: Client, todo: list[Office], config: BatchConfig, retries: int,
         sizes: dict[str, float]) -> Iterator[dict[str, Any]]:
    """Each office's status record as its task ends (failed records for tasks that gave up)."""
    from distributed import as_completed

    # Largest first: a big office started last would keep one worker busy while the others idle.
    order = sorted(todo, key=lambda o: (-sizes[o.code], o.code))
    futures = {client.submit(run_office, office, config, key=f"gridkit-office-{office.code}", retries=retries,
                             pure=False, priority=len(order) - rank): office for rank, office in enumerate(order)}
    for future in as_completed(futures):
        office = futures[future]
        try:
            yield future.result()
        except Exception as exc:  # a task that exhausted its retries, or a worker lost too often
            yield status_record(office, "failed", error=f"{type(exc).__name__}: {exc}")
        finally:
            future.release()


def _fingerprint(office: Office, config: BatchConfig) -> str:
    h = hashlib.sha256()
    for part in (__version__, config.profile.with_codes(office.code).to_toml(), str(config.from_gcj02),
                 str(config.crs), office.fingerprint()):
        h.update(part.encode() + b"\0")
    return h.hexdigest()


def _finished(manifest: Path, found: list[Office], config: BatchConfig) -> dict[str, dict[str, Any]]:
    """Offices the manifest records as done (or empty) with the same inputs and rules, whose plan is still there."""
    if not manifest.exists():
        return {}
    last: dict[str, dict[str, Any]] = {}
    for line in manifest.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by a crash of the driver
        last[str(record["code"])] = record
    wanted = {o.code: _fingerprint(o, config) for o in found}
    # An empty office has no plan file: its record alone is its result.
    return {code: rec for code, rec in last.items() if rec.get("fingerprint") == wanted.get(code) and (
        rec.get("status") == "empty" or rec.get("status") == "ok" and Path(rec["plan"]).exists())}


def _append(manifest: Path, record: dict[str, Any]) -> None:
    with manifest.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _tidy(work: Path) -> None:
    """Remove temporary files of tasks whose worker was killed before it could rename them."""
    for folder in (work / "offices", work / "inputs"):
        if folder.is_dir():
            for tmp in folder.glob(".*.*"):
                tmp.unlink(missing_ok=True)


def _merge(summary: pd.DataFrame, found: list[Office], output: str | Path, areas: str | Path,
           client: Client | None, outside: int, profile: Profile) -> str | Path:
    """Write the merged plan; its run table holds the batch's ``profile`` (each office's plan has it with
    the office's codes: the merged one showed the first office's)."""
    ok = summary[summary["status"] == "ok"].to_dict("records")
    if client is not None:
        schemas = merge_schemas(client.gather(client.map(plan_schema, [str(r["plan"]) for r in ok], pure=False)))
        read: Reader = partial(_read_on_workers, client)
    else:
        schemas, read = merge_schemas(plan_schema(str(r["plan"])) for r in ok), read_here
    crs = CRS.from_user_input(pyogrio.read_info(ok[0]["plan"], layer="grids")["crs"]) if ok else CRS.from_epsg(4326)
    offices = gpd.GeoDataFrame(summary.drop(columns=["fingerprint"], errors="ignore"),
                               geometry=[_office_shape(o, crs) for o in found], crs=crs)
    failures = summary.loc[summary["status"] == "failed", ["code", "name", "error"]]
    run = pd.DataFrame([("gridkit_version", __version__), ("batch_input", postgis.shown(areas)),
                        ("area_name", _city_name(areas)),
                        ("offices", str(len(found))), ("offices_ok", str(len(ok))),
                        ("offices_failed", str(len(failures))),
                        ("offices_empty", str(int((summary["status"] == "empty").sum()))),
                        ("buildings_in_no_office", str(outside)),
                        ("profile", profile.to_toml()), ("created", time.strftime("%Y-%m-%dT%H:%M:%S%z"))],
                       columns=["key", "value"])

    def chunks() -> Iterator[tuple[str, pd.DataFrame]]:
        yield from merged_layers(ok, crs, schemas, read)
        yield "offices", offices
        yield "failures", pd.DataFrame(failures) if len(failures) else pd.DataFrame(
            {"code": pd.Series(dtype=str), "name": pd.Series(dtype=str), "error": pd.Series(dtype=str)})
        yield "run", run

    return write_layers_atomic(output, chunks())


def _read_on_workers(client: Client, records: list[dict[str, Any]], schemas: Schemas,
                     crs: CRS) -> Iterator[dict[str, pd.DataFrame]]:
    """Each office's merged layers, read and tagged on the workers ``MERGE_AHEAD`` offices ahead of the writer."""
    ahead = iter(records)
    waiting: deque[Future] = deque(client.submit(office_layers, record, schemas, crs, pure=False)
                                   for record in islice(ahead, MERGE_AHEAD))
    while waiting:
        future = waiting.popleft()
        for record in islice(ahead, 1):
            waiting.append(client.submit(office_layers, record, schemas, crs, pure=False))
        layers = future.result()
        future.release()
        yield layers


def _office_shape(office: Office, crs: CRS) -> shapely.Geometry | None:
    region = office.region
    if region is not None:
        return gpd.GeoSeries([region], crs=CRS.from_wkt(office.crs)).to_crs(crs).iloc[0]
    return None


def _city_name(areas: str | Path) -> str:
    """What maps and reports of the merged plan are titled by (:func:`gridkit.plan_units.area_name`): the
    city-wide input's or the folder's name, or a database input's schema (they said 'area')."""
    if postgis.is_postgis(areas):
        return parse_qs(urlsplit(str(areas)).query).get("schema", ["public"])[0]
    return Path(areas).stem
