"""The ``gridkit`` command. Thin: every command calls the library and turns a
:class:`~gridkit.errors.GridkitError` into one line on stderr and exit code 2
(``--debug`` shows the traceback)."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from .errors import GridkitError, InputError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Divide a street office or town into base grids along its streets.")

_DEBUG = {"on": False}
EXIT_BAD_INPUT = 2
EXIT_INVALID_PLAN = 1
EXIT_INTERNAL = 3


@app.callback()
def _main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False) -> None:
    _DEBUG["on"] = debug


def run_guarded(action: Callable[[], Any]) -> Any:
    """Run ``action``; a GridkitError becomes one line on stderr and exit 2, a bug one line and exit 3."""
    try:
        return action()
    except GridkitError as exc:
        if _DEBUG["on"]:
            traceback.print_exc()
        typer.echo(f"gridkit: error: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except KeyboardInterrupt:
        typer.echo("gridkit: interrupted; nothing was written", err=True)
        raise typer.Exit(130) from None
    except typer.Exit:
        raise
    except Exception as exc:  # a bug, not bad input: still one line unless --debug
        if _DEBUG["on"]:
            traceback.print_exc()
        typer.echo(f"gridkit: internal error: {type(exc).__name__}: {exc} (run with --debug for details); "
                   "nothing was written", err=True)
        raise typer.Exit(EXIT_INTERNAL) from None


def _check_output(path: Path, suffixes: tuple[str, ...]) -> None:
    if path.suffix.lower() not in suffixes:
        raise InputError(f"{path}: output must end in {' or '.join(suffixes)}")
    if path.exists() and path.is_dir():
        raise InputError(f"{path}: is a folder, not a file")


def _partition_to(input_path: Path, output: Path, profile: str, seed: int | None, households: Path | None,
                  from_gcj02: bool, existing: Path | None = None, columns: dict[str, str | None] | None = None,
                  totals: Path | None = None) -> Any:
    import dataclasses

    from . import partition, read_area, write_plan
    from .calibrate import read_totals
    from .existing import read_existing
    from .profile import load_profile
    from .register import match_register, read_register, unmatched_path, write_unmatched

    _check_output(output, (".gpkg",))
    prof = load_profile(profile).with_seed(seed)
    register = read_register(households, **(columns or {})) if households else None
    known = read_totals(totals) if totals else None
    area = read_area(input_path, from_gcj02=from_gcj02, hull_buffer_m=prof.blocks.hull_buffer_m)
    if existing is not None:
        units = read_existing(existing).to_crs(area.crs)
        area = dataclasses.replace(area, existing=units)
    match = match_register(area.buildings, register, fuzzy_min_ratio=prof.households.register_fuzzy_min_ratio) \
        if register is not None else None
    plan = partition(area, prof, register=match, totals=known)
    write_plan(plan, output)
    if match is not None:
        write_unmatched(match, unmatched_path(output))
    return plan


def _print_metrics(metrics: Any) -> None:
    for row in metrics.itertuples():
        if row.kind == "detail":
            continue
        mark = {"yes": "ok  ", "no": "FAIL"}.get(row.passed, "    ")
        typer.echo(f"{mark} {row.level:<9} {row.name:<20} {row.value:.6g}")


@app.command("partition")
def partition_cmd(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT", help="GeoPackage, GeoJSON, Shapefile, folder or OSM file.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Plan GeoPackage to write.")],
    profile: Annotated[str, typer.Option("--profile", help="Shipped profile name or a TOML file.")] = "default",
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed (default: the profile's).")] = None,
    households: Annotated[Path | None, typer.Option("--households", help="Register CSV/XLSX: building_id or address -> households, population.")] = None,
    from_gcj02: Annotated[bool, typer.Option("--from-gcj02", help="Input lon/lat are GCJ-02.")] = False,
    existing: Annotated[Path | None, typer.Option("--existing", help="Existing plan GeoPackage to keep where the rules allow.")] = None,
    key_column: Annotated[str | None, typer.Option("--key-column", help="Register column naming the building (an id or an address), e.g. 楼栋编号.")] = None,
    households_column: Annotated[str | None, typer.Option("--households-column", help="Register column of households, e.g. 户数.")] = None,
    population_column: Annotated[str | None, typer.Option("--population-column", help="Register column of population, e.g. 人口.")] = None,
    totals: Annotated[Path | None, typer.Option("--totals", help="Known households (and population) per existing community, or one figure for the area: estimates are calibrated to them.")] = None,
) -> None:
    """Divide INPUT into communities and base grids and write the plan GeoPackage."""
    started = time.time()
    columns = {"key_column": key_column, "households_column": households_column,
               "population_column": population_column}
    plan = run_guarded(lambda: _partition_to(input_path, output, profile, seed, households, from_gcj02, existing,
                                             columns, totals))
    m = plan.metrics[plan.metrics["level"] == "grid"].set_index("name")["value"]
    bad = plan.metrics[(plan.metrics["kind"] == "invariant") & (plan.metrics["passed"] == "no")]
    if plan.changes is not None:
        from .changes import summary

        typer.echo("changes: " + ", ".join(f"{k} {v}" for k, v in summary(plan.changes).items()))
    typer.echo(f"{output}: {int(m['grids'])} grids, {int(m['households'])} households, "
               f"road_following {m['road_following']:.2f}, {time.time() - started:.1f} s")
    _echo_inputs(plan, output)
    if len(bad):
        typer.echo(f"gridkit: warning: invariants failed: {', '.join(bad['name'])}", err=True)


def _echo_inputs(plan: Any, output: Path) -> None:
    """What the register and the totals did, from the plan's run log."""
    from .register import unmatched_path

    log = dict(zip(plan.run["key"], plan.run["value"], strict=True))
    if "log.register_rows_matched" in log:
        typer.echo(f"register ({log['log.register_encoding']}): {log['log.register_rows_matched']} rows matched "
                   f"({log['log.register_rows_matched_building_id']} by building id, "
                   f"{log['log.register_rows_matched_address']} by address), "
                   f"{log['log.register_rows_unmatched']} unmatched -> {unmatched_path(output)}")
    for key, value in log.items():
        if key.startswith("log.calibration."):
            typer.echo(f"calibration {key.removeprefix('log.calibration.')}: {value}",
                       err=value.startswith("not calibrated"))


@app.command("validate")
def validate_cmd(
    # str, not Path: a PostGIS URL would lose its '//' to Path.
    plan_path: Annotated[str, typer.Argument(metavar="PLAN", help="Plan GeoPackage or PostGIS URL (postgresql://…?schema=…).")],
    input_path: Annotated[str | None, typer.Option("--input", help="The input the plan was made from (file, folder or PostGIS URL).")] = None,
) -> None:
    """Recompute every invariant and score of a plan; exit 1 if an invariant fails."""
    from .validate import validate, validate_against_input

    result = run_guarded(lambda: validate_against_input(plan_path, input_path) if input_path else validate(plan_path))
    _print_metrics(result.metrics)
    if result.failures:
        typer.echo(f"gridkit: plan is INVALID: {', '.join(result.failures)}", err=True)
        raise typer.Exit(EXIT_INVALID_PLAN)
    typer.echo("plan is valid")


def _sample_path() -> Path:
    here = Path(__file__).resolve().parents[1] / "data" / "samples" / "cn_shanghai_bund.gpkg"
    if not here.exists():
        raise InputError(f"{here}: bundled sample not found (run gridkit demo from a clone of the repository)")
    return here


@app.command("demo")
def demo_cmd(
    output_dir: Annotated[Path, typer.Option("-o", "--output-dir", help="Folder for the demo outputs.")] = Path("out/demo"),
    seed: Annotated[int, typer.Option("--seed")] = 0,
) -> None:
    """Partition the bundled Shanghai sample, validate it, and draw its map and wall chart PDF."""
    from .maps import draw_map
    from .validate import validate

    sample = run_guarded(_sample_path)
    plan_path = output_dir / "plan.gpkg"
    png = output_dir / "plan.png"
    pdf = output_dir / "plan.pdf"
    plan = run_guarded(lambda: _partition_to(sample, plan_path, "default", seed, None, False))
    result = run_guarded(lambda: validate(plan_path))
    run_guarded(lambda: draw_map(plan, png))
    run_guarded(lambda: draw_map(plan, pdf, all_sheets=True))
    _print_metrics(result.metrics)
    typer.echo(f"wrote {plan_path}, {png} and {pdf}")
    if result.failures:
        raise typer.Exit(EXIT_INVALID_PLAN)


def _register_extra_commands() -> None:
    from .commands import register_all

    register_all(app)


_register_extra_commands()


def main() -> None:  # pragma: no cover - console entry for python -m gridkit
    app(prog_name="gridkit")


if __name__ == "__main__":  # pragma: no cover
    main()
