"""Write and read plans: GeoPackages, or PostGIS schemas (:mod:`gridkit.io.postgis`).

Writing is atomic: a temporary file in the target folder is renamed over the
target only once every layer is written (in PostGIS: staging tables swapped
in within one transaction), so a failed run leaves no partial plan and never
touches an existing one."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from ..errors import InputError, PlanError, reason
from ..geometry import single_parts
from . import postgis
from .values import counts, listed, shown

if TYPE_CHECKING:
    from ..plan import Plan

__all__ = ["write_plan", "read_plan", "rewrite_layers", "plan_layer_names", "atomic_path", "check_output",
           "is_plan_file", "missing_plan_layers", "made_by_gridkit", "refuse_busy", "refuse_locked", "MADE_BY",
           "PLAN_LAYERS"]

#: The name gridkit writes into every file it makes (a workbook's creator, a map's software, a report's
#: generator), by which :func:`made_by_gridkit` knows a file a later run may replace.
MADE_BY = "gridkit"
PLAN_LAYERS = ("grids", "blocks", "buildings", "area", "roads", "barriers", "metrics", "run")
#: Layers written when the plan has them.
OPTIONAL_LAYERS = ("communities", "groups", "changes")
_TABLES = ("metrics", "run")
#: The GeoPackage version of the files gridkit makes. GDAL 3.12 (pyogrio's) writes 1.4 by default, and the GDAL
#: of QGIS 3.22 (3.6) warns "may only be partially supported" on every open of such a file; gridkit uses nothing
#: of 1.4 (its additions are metadata gridkit does not write).
GPKG_VERSION = "1.3"
#: Columns every reader of a plan needs (validate, maps, reports); the rest of docs/plan-file.md may be missing.
PLAN_COLUMNS = {
    "grids": ("code", "name", "community_code", "households", "population", "buildings"),
    "blocks": ("households", "population", "buildings", "street_block", "grid_code"),
    "buildings": ("building_id", "households", "households_source", "grid_code", "community_code"),
    "roads": ("highway",),
    "metrics": ("level", "name", "value"),
    "run": ("key", "value"),
    "communities": ("code", "households"),
    "groups": ("code", "households"),
}
#: Layers whose every feature must have a geometry.
_AREAL = ("grids", "blocks", "buildings", "area", "communities", "groups")


def check_output(output: str | Path, suffixes: tuple[str, ...], *, inputs: Iterable[str | Path] = (),
                 also: Iterable[str | Path] = ()) -> None:
    """Refuse an output path before any work is done.

    ``output`` must end in one of ``suffixes`` (a PostGIS URL is accepted where
    ``.gpkg`` is), must not be a folder, must be in a folder that exists (a mistyped
    folder is not created), a ``.gpkg`` there already must be a gridkit plan (an
    earlier run's, :func:`is_plan_file`; any other GeoPackage is the user's), and neither it nor any of ``also`` (files
    written beside it) may be one of ``inputs`` or a file inside an input folder:
    a run never overwrites what the user gave it.

    Raises
    ------
    InputError
        Naming the output and what is wrong with it.

    Examples
    --------
    >>> check_output("plan.gpkg", (".gpkg",), inputs=["plan.gpkg"])
    Traceback (most recent call last):
    ...
    gridkit.errors.InputError: plan.gpkg: is also an input (plan.gpkg); write the output to another file
    """
    if postgis.is_postgis(output):
        if ".gpkg" not in suffixes:
            raise InputError(f"{postgis.redact(str(output))}: this output must be a file ending in "
                             f"{' or '.join(suffixes)}")
        if any(postgis.is_postgis(i) and postgis.same_schema(str(i), str(output)) for i in inputs):
            raise InputError(f"{postgis.redact(str(output))}: is also the input; write the plan to another schema")
        return
    path = Path(output)
    if path.suffix.lower() not in suffixes:
        raise InputError(f"{path}: output must end in {' or '.join(suffixes)}")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file")
    if not path.parent.is_dir():
        raise InputError(f"{path}: the folder {path.parent} does not exist; create it first")
    try:  # before any work: a folder we may not write in fails now, not after the run
        with tempfile.TemporaryFile(dir=path.parent, prefix=".gridkit-"):
            pass
    except OSError as exc:
        raise InputError(f"{path}: cannot write in the folder {path.parent}: {exc.strerror or exc}") from exc
    for target in (path, *(Path(a) for a in also)):
        for given in inputs:
            if postgis.is_postgis(given):
                continue
            if _same_file(target, Path(given)):
                raise InputError(f"{target}: is also an input ({given}); write the output to another file")
        if target.suffix.lower() == ".gpkg" and target.exists():
            refuse_busy(target, InputError)  # first: a plan locked elsewhere cannot be told from another file
        if target.is_file() and not made_by_gridkit(target):
            what = "a gridkit plan" if target.suffix.lower() == ".gpkg" else "a file gridkit wrote"
            raise InputError(f"{target}: exists and is not {what}, so it is not replaced; "
                             "write the output to another file")


def refuse_busy(path: Path, error: type[Exception]) -> None:
    """Refuse a GeoPackage open for writing in another program (its ``-wal`` or ``-journal`` beside it:
    QGIS editing it): replacing it would lose that program's writes, or SQLite would replay them into
    the new file."""
    busy = [side for side in ("-wal", "-journal") if Path(f"{path}{side}").exists()]
    if busy:
        raise error(f"{path}: is open for writing in another program ({path.name}{busy[0]} beside it, e.g. "
                    "QGIS editing it); close it there first, or make the change in QGIS's gridkit dock")
    refuse_locked(path, error)


def refuse_locked(path: Path, error: type[Exception]) -> None:
    """Refuse a SQLite file (a GeoPackage) another program holds locked while it writes: a reader waits on the
    lock, then fails (QGIS opening such a plan froze for 25 s before it said so). Asked once, without waiting."""
    if _locked(path):
        raise error(f"{path}: is locked by another program writing to it (SQLite: database is locked); close it "
                    "there, or let it finish saving, and run again")


def _locked(path: Path) -> bool:
    """Whether another program holds a SQLite file locked while it writes: its write lock is asked for, without
    waiting, and given back at once (nothing is written). Asked by reading, a file in write-ahead-log mode (every
    GeoPackage QGIS has opened) looked free while another program wrote it; a file that is no database, or one
    that may not be written, is not locked."""
    try:
        with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=0,
                                                isolation_level=None)) as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        return "locked" in str(exc)
    except sqlite3.DatabaseError:
        return False
    return False


def made_by_gridkit(path: Path) -> bool:
    """Whether ``path`` is a file gridkit wrote (so a later run may replace it): a plan
    (:func:`is_plan_file`); a workbook whose creator is gridkit; a CSV with the header of a table
    gridkit writes (changes, unmatched register rows); a map or report (PNG, PDF, SVG, HTML) that
    names gridkit as its software, creator or generator."""
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        return is_plan_file(path)
    try:
        if suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                core = book.read("docProps/core.xml").decode("utf-8")
            return re.search(f"<dc:creator[^>]*>{MADE_BY}</dc:creator>", core) is not None
        if suffix == ".csv":
            from ..changes import CHANGE_COLUMNS
            from ..register import UNMATCHED_COLUMNS

            with path.open(encoding="utf-8-sig") as text:
                return text.readline().rstrip("\r\n") in (",".join(CHANGE_COLUMNS), ",".join(UNMATCHED_COLUMNS))
        with path.open("rb") as raw:  # a PDF keeps its creator at its end
            head = raw.read(1 << 16)
            raw.seek(max(0, path.stat().st_size - (1 << 16)))
            return MADE_BY.encode() in head + raw.read()
    except (OSError, KeyError, UnicodeDecodeError, zipfile.BadZipFile):
        return False


def is_plan_file(path: str | Path) -> bool:
    """Whether ``path`` is a GeoPackage gridkit wrote: a ``run`` table naming the gridkit version."""
    try:
        if "run" not in {str(n) for n, _ in pyogrio.list_layers(path)}:
            return False
        run = pyogrio.read_dataframe(path, layer="run", columns=["key"], read_geometry=False)
    except Exception:  # not a GeoPackage at all, or no 'key' column: not a plan
        return False
    return bool((run["key"] == "gridkit_version").any())


def missing_plan_layers(path: str | Path) -> list[str]:
    """The plan layers a GeoPackage gridkit wrote (:func:`is_plan_file`) lacks, in :data:`PLAN_LAYERS` order:
    a plan some of whose layers were deleted or never copied, which :func:`read_plan` refuses. Empty for a
    complete plan and for any other file (a grid layer drawn elsewhere is no broken plan)."""
    if not is_plan_file(path):
        return []
    names = {str(n) for n, _ in pyogrio.list_layers(path)}
    return [name for name in PLAN_LAYERS if name not in names]


def _same_file(target: Path, given: Path) -> bool:
    """Whether writing ``target`` would replace ``given`` or a file in the folder ``given``."""
    if given.is_dir():
        return Path(os.path.realpath(target)).parent == given.resolve() and target.exists()
    if target.exists() and given.exists():
        return os.path.samefile(target, given)
    return os.path.realpath(target) == os.path.realpath(given)  # Path.resolve raises on a symlink loop


@contextmanager
def atomic_path(target: str | Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it to ``target`` on success.

    On any exception the temporary file is removed and ``target`` is untouched.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=suffix or target.suffix, dir=target.parent)
    except OSError as exc:
        raise _unwritable(target, exc) from exc
    os.close(fd)
    os.unlink(tmp)  # GDAL wants to create the file itself
    tmp_path = Path(tmp)
    try:
        try:
            yield tmp_path
        except Exception as exc:
            if _disk_full(exc, target.parent):
                raise InputError(f"{target}: cannot be written: the disk is full; free some space or write "
                                 "the output elsewhere") from exc
            raise
        try:
            os.replace(tmp_path, target)
        except OSError as exc:
            raise _unwritable(target, exc) from exc
    finally:
        # With SQLite's journal, should a write have stopped half-way.
        for left in (tmp_path, *(Path(f"{tmp_path}{side}") for side in ("-journal", "-wal", "-shm"))):
            left.unlink(missing_ok=True)


#: Less room than this left on the disk a write failed on, with its temporary file still there, is a disk that
#: filled under it: SQLite's commit that found no room for its pages says only "Failed to commit transaction".
_NEARLY_FULL = 1 << 20


def _disk_full(exc: BaseException | None, folder: Path) -> bool:
    """Whether the disk filled under a write: GDAL, SQLite, openpyxl and matplotlib each say so their own way
    (or not at all: then ``folder``'s disk has no room left), and a writer closing after it may raise another
    error on top (zlib's, in a PDF)."""
    try:
        if shutil.disk_usage(folder).free < _NEARLY_FULL:
            return True
    except OSError:
        pass
    while exc is not None:
        if (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)) or \
                any(words in str(exc) for words in ("disk is full", "No space left on device")):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _unwritable(target: Path, exc: OSError) -> InputError:
    """A file the system will not let us write (permissions, a read-only or full disk): the user's to fix."""
    return InputError(f"{target}: cannot be written: {exc.strerror or exc}")


def write_layers(path: Path, layers: dict[str, pd.DataFrame] | Iterable[tuple[str, pd.DataFrame]], *,
                 promote_to_multi: bool = False) -> None:
    """Write frames (GeoDataFrames or plain tables) as layers of one GeoPackage.

    ``layers`` may also be ``(name, frame)`` chunks; a name seen again is appended to its layer
    (with the same columns), so a large layer can be written a piece at a time.
    """
    written: set[str] = set()
    for name, frame in layers.items() if isinstance(layers, dict) else layers:
        append = name in written
        frame = _own_columns(frame)
        # A new file is GeoPackage 1.3 (GPKG_VERSION): QGIS 3.22's GDAL reads it without a word.
        created = {} if Path(path).exists() else {"dataset_options": {"VERSION": GPKG_VERSION}}
        if isinstance(frame, gpd.GeoDataFrame):
            pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", promote_to_multi=promote_to_multi,
                                    append=append, **created)
        else:
            pyogrio.write_dataframe(pd.DataFrame(frame), path, layer=name, driver="GPKG", append=append, **created)
        written.add(name)


#: Column names a GeoPackage layer keeps for itself (GDAL's feature id and geometry columns): a data column so
#: named (a ``fid`` a GeoJSON exported from QGIS carries) fails the write or becomes the feature id.
_GPKG_OWN_COLUMNS = ("fid", "geom")


def _own_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every data column a GeoPackage would refuse renamed ``<name>_input`` (``fid_input``): one it
    keeps for itself, or one named as an earlier column but for case (SQLite's names ignore case: a GeoJSON's
    ``Households`` beside ``households``, an input's ``Block_ID`` beside the plan's ``block_id``)."""
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    taken = {str(c).lower() for c in frame.columns}
    seen: set[str] = set()
    rename = {}
    for column in frame.columns:
        key = str(column).lower()
        if column != geometry and (key in _GPKG_OWN_COLUMNS or key in seen):
            new = f"{column}_input"
            while new.lower() in taken:
                new += "_"
            taken.add(new.lower())
            rename[column] = new
            key = new.lower()
        seen.add(key)
    return frame.rename(columns=rename) if rename else frame


def write_layers_atomic(target: str | Path, layers: Iterable[tuple[str, pd.DataFrame]]) -> str | Path:
    """Write ``(name, frame)`` chunks to a new GeoPackage or PostGIS schema, all or nothing.

    Polygons and lines are written as multi-geometries, so chunks mixing single and multi parts
    share one layer type. Returns ``target`` (a Path for a file).
    """
    if postgis.is_postgis(target):
        postgis.write_layers(str(target), layers)
        return str(target)
    path = Path(target)
    with atomic_path(path, ".gpkg") as tmp:
        write_layers(tmp, layers, promote_to_multi=True)
    return path


def write_plan(plan: Plan, path: str | Path, *, extra: dict[str, pd.DataFrame] | None = None,
               before_rename: Callable[[Path | str], None] | None = None) -> str | Path:
    """Write a :class:`~gridkit.plan.Plan` to a GeoPackage or PostGIS schema atomically.

    Parameters
    ----------
    plan : Plan
    path : str or Path
        Target ``.gpkg``, or a PostGIS URL whose ``schema`` receives one table
        per layer; replaced only when the whole plan is written.
    extra : dict, optional
        More layers to write (name -> frame).
    before_rename : callable, optional
        Called once everything is written, with the temporary file (or the
        PostGIS staging schema's name); an exception there leaves ``path`` untouched.

    Returns
    -------
    str or Path
        ``path`` (a Path for a file).
    """
    layers = {name: getattr(plan, name) for name in PLAN_LAYERS}
    for name in OPTIONAL_LAYERS:
        frame = getattr(plan, name, None)
        if frame is not None and len(frame):
            layers[name] = frame
    layers.update(extra or {})
    if postgis.is_postgis(path):
        postgis.write_layers(str(path), layers, before_commit=before_rename)
        return str(path)
    path = Path(path)
    with atomic_path(path, ".gpkg") as tmp:
        write_layers(tmp, layers)
        if before_rename is not None:
            before_rename(tmp)
    return path


def rewrite_layers(path: str | Path, layers: dict[str, pd.DataFrame]) -> Path:
    """Replace some layers of an existing GeoPackage in one step, keeping the others (and QGIS's styles).

    A consistent copy of the file (SQLite's backup) gets the new layers, then is
    renamed over the file: a failure leaves the file as it was. A file open for
    writing in another program (its ``-wal`` or ``-journal`` beside it: QGIS
    editing it) is refused, since renaming over it would lose that program's
    writes or replay them into the new file.

    Raises
    ------
    PlanError
        The file is missing or open for writing elsewhere.
    """
    path = Path(path)
    if not path.exists():
        raise PlanError(f"{path}: no such file")
    refuse_busy(path, PlanError)
    with atomic_path(path, ".gpkg") as tmp:
        source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            copy = sqlite3.connect(tmp)
            try:
                source.backup(copy)
            finally:
                copy.close()
        finally:
            source.close()
        write_layers(tmp, layers)
    return path


def read_plan(path: str | Path) -> Plan:
    """Read a plan written by :func:`write_plan` (a GeoPackage or a PostGIS URL).

    Raises
    ------
    PlanError
        Missing file or schema, not a GeoPackage, or a required layer missing.
    """
    from ..plan import Plan

    if postgis.is_postgis(path):
        where = postgis.redact(str(path))
        frames = postgis.read_tables(str(path), PLAN_LAYERS + OPTIONAL_LAYERS)
    else:
        where = str(path)
        frames = _read_gpkg(Path(path))
    missing = [n for n in PLAN_LAYERS if n not in frames]
    if missing:
        raise PlanError(f"{where}: not a gridkit plan: layer '{missing[0]}' is missing")
    _check_plan_frames(frames, where)
    frames = {name: frame if name not in _TABLES else pd.DataFrame(frame) for name, frame in frames.items()}
    _in_plan_crs(frames)
    _read_plan_counts(frames, where)
    for name in _AREAL:
        if name in frames:
            # A layer saved by a GIS or merged from several plans may hold every unit as a MultiPolygon.
            frame = frames[name]
            frame[frame.geometry.name] = gpd.GeoSeries(single_parts(frame.geometry.values.to_numpy()),
                                                       index=frame.index, crs=frame.crs)
    for name in ("grids", "buildings", "blocks", "communities", "groups"):
        if name not in frames:
            continue
        for col in ("code", "grid_code", "community_code", "group_code", "block_id", "building_id"):
            if col in frames[name]:
                frames[name][col] = frames[name][col].fillna("").astype(str)
    return Plan(**frames)


def _check_plan_frames(frames: dict[str, pd.DataFrame], where: str) -> None:
    """Refuse a plan missing a column its readers need, or with a unit or building without geometry
    (a layer edited by hand, a file another tool wrote)."""
    for name, columns in PLAN_COLUMNS.items():
        lacking = [c for c in columns if name in frames and c not in frames[name]]
        if lacking:
            raise PlanError(f"{where}, layer '{name}': not a gridkit plan: no column {', '.join(map(repr, lacking))}")
    for name in ("grids", "blocks"):
        if len(frames[name]) == 0:
            raise PlanError(f"{where}, layer '{name}': has no features (all deleted?); make the plan again with "
                            "gridkit partition, or switch to a saved scenario")
    for name in _AREAL:
        frame = frames.get(name)
        if frame is None:
            continue
        geoms = frame.geometry.values if isinstance(frame, gpd.GeoDataFrame) else None
        if geoms is None:
            raise PlanError(f"{where}, layer '{name}': not a gridkit plan: no geometry column")
        empty = np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        if len(empty):
            key = next((c for c in ("code", "block_id", "building_id") if c in frame), None)
            names = [f"{i + 1}" + (f" ({key} {str(frame[key].iat[i])!r})" if key else "") for i in empty]
            raise PlanError(f"{where}, layer '{name}': {'feature' if len(empty) == 1 else 'features'} "
                            f"{listed(names)} {'has' if len(empty) == 1 else 'have'} no geometry; "
                            "draw it again or delete the feature")


def _in_plan_crs(frames: dict[str, pd.DataFrame]) -> None:
    """Every layer in the plan's CRS (the run table's ``crs``): a layer a GIS saved again in another CRS
    (lon/lat, say) is reprojected, so it still meets the others; one without a CRS is taken as in it."""
    run = frames["run"]
    said = run.loc[run["key"] == "crs", "value"] if {"key", "value"} <= set(run.columns) else pd.Series([])
    crs = said.iat[0] if len(said) else frames["blocks"].crs
    if crs is None:
        return
    for name, frame in frames.items():
        if isinstance(frame, gpd.GeoDataFrame):
            frames[name] = frame.set_crs(crs) if frame.crs is None else frame.to_crs(crs)


def _read_plan_counts(frames: dict[str, pd.DataFrame], where: str) -> None:
    """The units' and buildings' counts as numbers (a layer edited by hand may hold them as text, read as
    any count is: :func:`gridkit.io.values.counts`); a value that is not a count is refused, features named."""
    for name in _AREAL:
        frame = frames.get(name)
        for col in ("households", "population", "buildings"):
            if frame is None or col not in frame or pd.api.types.is_numeric_dtype(frame[col]):
                continue
            number, bad = counts(frame[col])
            if bad.any():
                at = np.flatnonzero(bad.to_numpy())
                key = next((c for c in ("code", "block_id", "building_id") if c in frame), None)
                names = [f"{i + 1}" + (f" ({key} {str(frame[key].iat[i])!r})" if key else "") for i in at]
                values = listed([shown(v) for v in frame[col].to_numpy()[at]])
                raise PlanError(f"{where}, layer '{name}': {'feature' if len(at) == 1 else 'features'} "
                                f"{listed(names)}: {col} {values} {'is not a' if len(at) == 1 else 'are not'} "
                                "whole count >= 0")
            frame[col] = number


def plan_layer_names(path: Path) -> set[str]:
    """The layer names of a plan GeoPackage.

    Raises
    ------
    PlanError
        The file is missing or cannot be opened.
    """
    if not path.exists():
        raise PlanError(f"{path}: no such plan file")
    if path.is_dir():
        raise PlanError(f"{path}: is a folder, not a plan GeoPackage")
    try:
        return {str(n) for n, _ in pyogrio.list_layers(path)}
    except Exception as exc:  # GDAL raises many types; the user needs one line
        raise PlanError(f"{path}: cannot be opened as a GeoPackage: {reason(exc)}") from exc


def _read_gpkg(path: Path) -> dict[str, pd.DataFrame]:
    names = plan_layer_names(path)
    frames = {}
    for name in PLAN_LAYERS + OPTIONAL_LAYERS:
        if name not in names:
            continue
        try:
            frames[name] = pyogrio.read_dataframe(path, layer=name)
        except Exception as exc:
            raise PlanError(f"{path}, layer '{name}': cannot be read: {reason(exc)}") from exc
    return frames
