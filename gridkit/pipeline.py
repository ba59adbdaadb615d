"""Whole jobs from files to files: what ``gridkit partition``, ``map`` and ``report`` do.

Each function here reads its inputs, calls the library and writes its output atomically,
after refusing an output that would overwrite one of its inputs. The CLI, the QGIS plugin
and the batch runner call these and add nothing but their own way of showing progress and
errors, so a rule about files (which suffixes, which inputs are protected, where the
register's unmatched rows go) is written once.

Examples
--------
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "plan.gpkg"
>>> plan = partition_file("data/samples/hk_tsim_sha_tsui.gpkg", out, seed=0)
>>> out.exists() and len(plan.grids) > 0
True
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from .area import Area, read_area
from .calibrate import read_totals
from .existing import read_existing
from .households import floor_areas
from .io import postgis
from .io.write import check_output, read_plan, write_plan
from .plan import Plan, partition
from .profile import Profile, load_profile
from .progress import Progress, stages
from .register import Register, RegisterMatch, match_register, read_register, unmatched_path, write_unmatched

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["partition_file", "adopt_file", "map_file", "report_file", "PLAN_SUFFIXES", "MAP_SUFFIXES",
           "REPORT_SUFFIXES"]

PLAN_SUFFIXES = (".gpkg",)
MAP_SUFFIXES = (".png", ".pdf", ".svg")
REPORT_SUFFIXES = (".xlsx", ".html", ".pdf")
#: Stages of :func:`partition_file` and their share of the time (benchmarks/results/stages.md); the second is
#: :func:`gridkit.partition` (or :func:`gridkit.adopt.adopt`), which names its own.
FILE_STAGES: tuple[tuple[str | None, float], ...] = (
    ("reading the input", 0.03), (None, 0.95), ("writing the plan", 0.02))


def partition_file(
    input_path: str | Path,
    output: str | Path,
    *,
    profile: Profile | str = "default",
    seed: int | None = None,
    prefer: str | None = None,
    households: str | Path | None = None,
    key_column: str | None = None,
    households_column: str | None = None,
    population_column: str | None = None,
    totals: str | Path | None = None,
    existing: str | Path | None = None,
    from_gcj02: bool = False,
    progress: Progress | None = None,
    crs: str | None = None,
) -> Plan:
    """Read an area and its registers, divide it, and write the plan.

    Parameters
    ----------
    input_path : str or Path
        A GeoPackage, GeoJSON, Shapefile, folder, OSM file or PostGIS URL (:func:`gridkit.read_area`).
    output : str or Path
        The plan: a ``.gpkg`` or a PostGIS URL with ``?schema=``. Never one of the inputs.
    profile : Profile or str
        A profile, or a shipped profile's name or a TOML file.
    seed : int, optional
        Overrides the profile's seed.
    prefer : str, optional
        Overrides the profile's ``partition.prefer``: ``"fewest"`` grids, or
        ``"roads"`` (a few more grids where that puts boundaries on streets).
    households : str or Path, optional
        A household register (:func:`gridkit.register.read_register`); its unmatched rows are
        written beside a file plan (:func:`gridkit.register.unmatched_path`).
    key_column, households_column, population_column : str, optional
        The register's columns, where their names are not the usual ones.
    totals : str or Path, optional
        Known totals to calibrate estimates to (:func:`gridkit.calibrate.read_totals`).
    existing : str or Path, optional
        An existing plan to keep where the rules allow.
    from_gcj02 : bool
        The input's longitude/latitude are GCJ-02.
    progress : callable, optional
        ``progress(fraction, stage)`` (:mod:`gridkit.progress`); may raise
        :class:`~gridkit.errors.Cancelled`, and then nothing is written.
    crs : str, optional
        The CRS of input layers that name none (:func:`gridkit.read_area`).

    Returns
    -------
    Plan
        The plan as written.

    Raises
    ------
    InputError
        A bad input or an output that is not a plan file or would overwrite an input.
    """
    register_out = _check_plan_output(output, [input_path, households, totals, existing], profile, households)
    steps = stages(progress, FILE_STAGES)
    next(steps)
    prof = (profile if isinstance(profile, Profile) else load_profile(profile)).with_seed(seed).with_prefer(prefer)
    register = read_register(households, key_column=key_column, households_column=households_column,
                             population_column=population_column) if households is not None else None
    known = read_totals(totals) if totals is not None else None
    area = read_area(input_path, from_gcj02=from_gcj02, profile=prof, crs=crs)
    if existing is not None:
        area = dataclasses.replace(area, existing=read_existing(existing).to_crs(area.crs))
    match = _match(area, register, prof)
    _, step = next(steps)
    plan = partition(area, prof, register=match, totals=known, progress=step)
    _, step = next(steps)
    _write(plan, output, match, register_out)
    next(steps, None)
    return plan


def adopt_file(
    grids_path: str | Path,
    input_path: str | Path,
    output: str | Path,
    *,
    layer: str | None = None,
    code_column: str | None = None,
    name_column: str | None = None,
    households_column: str | None = None,
    community_column: str | None = None,
    profile: Profile | str = "default",
    households: str | Path | None = None,
    from_gcj02: bool = False,
    progress: Progress | None = None,
    crs: str | None = None,
) -> Plan:
    """Make a gridkit plan of a grid layer another tool drew (:mod:`gridkit.adopt`) and write it.

    Parameters
    ----------
    grids_path : str or Path
        The grid layer's file (any GDAL source); ``layer`` names its layer in a multi-layer source.
    input_path : str or Path
        The area's input (buildings, roads, …), as for :func:`partition_file`.
    output : str or Path
        The plan ``.gpkg`` (or PostGIS URL), never one of the inputs.
    code_column, name_column, households_column, community_column : str, optional
        The grid layer's columns (default: the first with a usual name, :data:`gridkit.adopt.COLUMN_ALIASES`).
    profile : Profile or str
    households : str or Path, optional
        A household register for the buildings (its unmatched rows written beside a file plan).
    from_gcj02 : bool
        The input's longitude/latitude are GCJ-02.
    progress : callable, optional
    crs : str, optional
        The CRS of the grid layer's and the input's layers that name none (``EPSG:4549``: a DXF, a Shapefile
        without its ``.prj``), as for :func:`partition_file`.

    Returns
    -------
    Plan
        The plan as written.

    Raises
    ------
    InputError
        A bad grid layer or input, or an output that would overwrite an input.
    """
    from .adopt import adopt, read_grids

    register_out = _check_plan_output(output, [grids_path, input_path, households], profile, households)
    steps = stages(progress, FILE_STAGES)
    next(steps)
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    grids = read_grids(grids_path, layer=layer, crs=crs, code_column=code_column, name_column=name_column,
                       households_column=households_column, community_column=community_column)
    register = read_register(households) if households is not None else None
    area = read_area(input_path, from_gcj02=from_gcj02, profile=prof,
                     within=(grids.units, f"the grids of {grids.source}"), crs=crs)
    match = _match(area, register, prof)
    _, step = next(steps)
    plan = adopt(area, grids, prof, register=match, progress=step)
    _, step = next(steps)
    _write(plan, output, match, register_out)
    next(steps, None)
    return plan


def _check_plan_output(output: str | Path, inputs: list[str | Path | None], profile: Profile | str,
                       households: str | Path | None) -> Path | None:
    """Refuse a plan output that is not one or would replace an input (a profile file included); returns
    where the register's unmatched rows go."""
    given = [p for p in inputs if p is not None]
    if isinstance(profile, str) and profile.lower().endswith(".toml"):
        given.append(profile)
    register_out = None if households is None or postgis.is_postgis(output) else unmatched_path(output)
    check_output(output, PLAN_SUFFIXES, inputs=given, also=[register_out] if register_out else ())
    return register_out


def _match(area: Area, register: Register | None, profile: Profile) -> RegisterMatch | None:
    return match_register(area.buildings, register, fuzzy_min_ratio=profile.households.register_fuzzy_min_ratio,
                          left_out=area.left_out, weights=floor_areas(area.buildings, profile.households)) \
        if register is not None else None


def _write(plan: Plan, output: str | Path, match: RegisterMatch | None, register_out: Path | None) -> None:
    """Write the plan atomically, the register's unmatched rows beside it just before it appears."""
    def unmatched(_: object) -> None:
        if match is not None and register_out is not None:
            write_unmatched(match, register_out)

    write_plan(plan, output, before_rename=unmatched)


def map_file(plan_path: str | Path, output: str | Path, *, community: str | None = None, all_sheets: bool = False,
             paper: str = "A3", dpi: int = 200, roster: str | Path | None = None,
             source: str | None = None) -> int:
    """Draw a plan's wall chart (:func:`gridkit.maps.draw_map`) to ``output``; returns the number of sheets."""
    from .maps import draw_map
    from .plan_units import plan_communities

    check_output(output, MAP_SUFFIXES, inputs=[p for p in (plan_path, roster) if p is not None])
    plan = read_plan(plan_path)
    staff = _roster(roster, plan)
    draw_map(plan, Path(output), community=community, all_sheets=all_sheets, paper=paper, dpi=dpi, roster=staff,
             source=source)
    return 1 + len(plan_communities(plan)) if all_sheets else 1


def report_file(plan_path: str | Path, output: str | Path, *, roster: str | Path | None = None,
                source: str | None = None) -> tuple[int, int]:
    """Write a plan's division scheme (:func:`gridkit.report.write_report`); returns (communities, grids)."""
    from .plan_units import plan_communities
    from .report import write_report

    check_output(output, REPORT_SUFFIXES, inputs=[p for p in (plan_path, roster) if p is not None])
    plan = read_plan(plan_path)
    write_report(plan, Path(output), roster=_roster(roster, plan), source=source)
    return len(plan_communities(plan)), len(plan.grids)


def _roster(path: str | Path | None, plan: Plan) -> pd.DataFrame | None:
    from .roster import load_roster

    return load_roster(path, plan) if path is not None else None
