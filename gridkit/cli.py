"""The ``gridkit`` command. Thin: every command calls the library and turns a
:class:`~gridkit.errors.GridkitError` into one line on stderr and exit code 2
(``--debug`` shows the traceback)."""

from __future__ import annotations

import contextlib
import signal
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from .errors import GridkitError, GridkitWarning, InputError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Divide a street office or town into base grids along its streets.")

_DEBUG = {"on": False}
EXIT_BAD_INPUT = 2
EXIT_INVALID_PLAN = 1
EXIT_INTERNAL = 3


class _Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP (a job killed by a scheduler, the terminal closed) taken as Ctrl-C: the write under
    way is undone as for an interrupt, instead of the process dying with a partial temporary file left."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, _frame: object) -> None:
    raise _Stopped(signum)


@app.callback()
def _main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False) -> None:
    _DEBUG["on"] = debug
    warnings.showwarning = _show_warning
    for name in ("SIGTERM", "SIGHUP"):  # SIGHUP is not on Windows
        with contextlib.suppress(AttributeError, ValueError):  # ValueError: not the main thread
            signal.signal(getattr(signal, name), _stop)


_SHOW_WARNING = warnings.showwarning


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: TextIO | None = None, line: str | None = None) -> None:
    """Python's warning display, but gridkit's own warnings as one line, as its errors are."""
    if issubclass(category, GridkitWarning):
        typer.echo(f"gridkit: warning: {message}", err=True)
    else:
        _SHOW_WARNING(message, category, filename, lineno, file, line)


def run_guarded(action: Callable[[], Any]) -> Any:
    """Run ``action``; a GridkitError becomes one line on stderr and exit 2, a bug one line and exit 3."""
    try:
        return action()
    except GridkitError as exc:
        if _DEBUG["on"]:
            traceback.print_exc()
        typer.echo(f"gridkit: error: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except KeyboardInterrupt as exc:
        typer.echo("gridkit: interrupted; nothing was written", err=True)
        # 128 + the signal's number, as a shell reports a process a signal ended (Ctrl-C: SIGINT, 2).
        raise typer.Exit(128 + (exc.signum if isinstance(exc, _Stopped) else signal.SIGINT)) from None
    except typer.Exit:
        raise
    except Exception as exc:  # a bug, not bad input: still one line unless --debug
        if _DEBUG["on"]:
            traceback.print_exc()
        typer.echo(f"gridkit: internal error: {type(exc).__name__}: {exc} (run with --debug for details); "
                   "nothing was written", err=True)
        raise typer.Exit(EXIT_INTERNAL) from None


def progress_bar(label: str) -> Any:
    """A context manager yielding a :mod:`gridkit.progress` callback that draws a bar on stderr.

    Off a terminal (a pipe, a log file, CI) it draws nothing and yields ``None``.
    """
    if not sys.stderr.isatty():
        return contextlib.nullcontext(None)
    return _rich_bar(label)


@contextlib.contextmanager
def _rich_bar(label: str) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TextColumn("{task.fields[stage]}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=1.0, stage="")

        def report(fraction: float, stage: str) -> None:
            bar.update(task, completed=fraction, stage=stage)

        yield report


def _print_metrics(metrics: Any) -> None:
    for row in metrics.itertuples():
        if row.kind == "detail":
            continue
        mark = {"yes": "ok  ", "no": "FAIL"}.get(row.passed, "    ")
        typer.echo(f"{mark} {row.level:<9} {row.name:<20} {row.value:.6g}")


@app.command("partition")
def partition_cmd(
    # str, not Path: a PostGIS URL would lose its '//' to Path.
    input_path: Annotated[str, typer.Argument(metavar="INPUT", help="GeoPackage, GeoJSON, Shapefile, folder, OSM file or PostGIS URL.")],
    output: Annotated[str, typer.Option("-o", "--output", help="Plan to write: a GeoPackage, or a PostGIS URL (postgresql://…?schema=…).")],
    profile: Annotated[str, typer.Option("--profile", help="Shipped profile name or a TOML file.")] = "default",
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed (default: the profile's).")] = None,
    prefer: Annotated[str | None, typer.Option("--prefer", help="fewest: as few grids as the bounds allow; roads: up to partition.roads_extra_grids more per piece where that lowers the cut cost (default: the profile's).")] = None,
    households: Annotated[Path | None, typer.Option("--households", help="Register CSV/XLSX: building_id or address -> households, population.")] = None,
    from_gcj02: Annotated[bool, typer.Option("--from-gcj02", help="Input lon/lat are GCJ-02.")] = False,
    crs: Annotated[str | None, typer.Option("--crs", help="CRS of input layers that name none (a Shapefile without .prj, a DXF), e.g. EPSG:4549.")] = None,
    existing: Annotated[Path | None, typer.Option("--existing", help="Existing plan GeoPackage to keep where the rules allow.")] = None,
    key_column: Annotated[str | None, typer.Option("--key-column", help="Register column naming the building (an id or an address), e.g. 楼栋编号.")] = None,
    households_column: Annotated[str | None, typer.Option("--households-column", help="Register column of households, e.g. 户数.")] = None,
    population_column: Annotated[str | None, typer.Option("--population-column", help="Register column of population, e.g. 人口.")] = None,
    totals: Annotated[Path | None, typer.Option("--totals", help="Known households (and population) per existing community, per compound (小区名称), or one figure for the area: estimates are calibrated to them.")] = None,
) -> None:
    """Divide INPUT into communities and base grids and write the plan (never over an input)."""
    from .pipeline import partition_file

    started = time.time()

    def run() -> Any:
        with progress_bar(str(input_path)) as report:
            return partition_file(input_path, output, profile=profile, seed=seed, prefer=prefer, households=households,
                                  key_column=key_column, households_column=households_column,
                                  population_column=population_column, totals=totals, existing=existing,
                                  from_gcj02=from_gcj02, progress=report, crs=crs)

    from .io import postgis

    plan = run_guarded(run)
    m = plan.metrics[plan.metrics["level"] == "grid"].set_index("name")["value"]
    bad = plan.metrics[(plan.metrics["kind"] == "invariant") & (plan.metrics["passed"] == "no")]
    if plan.changes is not None:
        from .changes import summary

        typer.echo("changes: " + ", ".join(f"{k} {v}" for k, v in summary(plan.changes).items()))
    typer.echo(f"{postgis.shown(output)}: {int(m['grids'])} grids, {int(m['households'])} households, "
               f"road_following {m['road_following']:.2f}, {time.time() - started:.1f} s")
    _echo_inputs(plan, output)
    if len(bad):
        typer.echo(f"gridkit: warning: invariants failed: {', '.join(bad['name'])}", err=True)


def _echo_inputs(plan: Any, output: str) -> None:
    """Warnings, and what the register and the totals did, from the plan's run log."""
    from .io import postgis
    from .register import TOLD, unmatched_path

    log = dict(zip(plan.run["key"], plan.run["value"], strict=True))
    for text in plan.warnings():
        typer.echo(f"gridkit: warning: {text}", err=True)
    if "log.register_rows_matched" in log:
        typer.echo(f"register ({log['log.register_encoding']}): {log['log.register_rows_matched']} rows matched "
                   f"({log['log.register_rows_matched_building_id']} by building id, "
                   f"{log['log.register_rows_matched_address']} by address), "
                   f"{log['log.register_rows_unmatched']} unmatched"
                   + (f" ({outside} naming buildings outside the boundary)"
                      if (outside := log.get("log.register_rows_outside_boundary", "0")) != "0" else "")
                   + ("" if postgis.is_postgis(output) else f" -> {unmatched_path(output)}"))
    said = {"sheets_left_out": "sheets left out", "households_entered_twice": "households entered twice",
            "sheets_as_compounds": "sheets read as compounds", "sheets_hidden": "hidden sheets not read",
            "rows_hidden": "rows hidden in the workbook (by a filter) are counted; delete those that should not count",
            "rows_over_buildings": "rows naming several buildings, their figures split between them"}
    for key in TOLD:
        if f"log.register_{key}" in log:
            typer.echo(f"register: {said[key]}: {log[f'log.register_{key}']}")
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
    from .pipeline import partition_file
    from .validate import validate

    sample = run_guarded(_sample_path)
    output_dir.mkdir(parents=True, exist_ok=True)
    plan_path = output_dir / "plan.gpkg"
    png = output_dir / "plan.png"
    pdf = output_dir / "plan.pdf"
    plan = run_guarded(lambda: partition_file(sample, plan_path, seed=seed))
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
