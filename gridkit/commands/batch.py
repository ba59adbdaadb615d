"""``gridkit batch``: every street office of a city on Dask (the work is :func:`gridkit.batch.run_batch`)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register", "EXIT_OFFICES_FAILED"]

#: Exit status when the batch finished but some offices failed (they are listed on stderr), or none was divided.
EXIT_OFFICES_FAILED = 1


@contextmanager
def _office_bar() -> Iterator[Callable[[str, float], None] | None]:
    """A bar over the offices on stderr when it is a terminal; in a pipe or a log, a line each time the
    count of offices done moves (a city runs for many minutes: a log with nothing in it looks hung)."""
    if not sys.stderr.isatty():
        started, last = time.monotonic(), [""]

        def line(stage: str, fraction: float) -> None:
            if stage != last[0]:
                last[0] = stage
                typer.echo(f"gridkit batch: {stage} ({time.monotonic() - started:.0f} s)", err=True)

        yield line
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress as Bar, TextColumn, TimeElapsedColumn

    with Bar(TextColumn("batch"), BarColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
             transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task("", total=1.0)
        yield lambda stage, fraction: bar.update(task, completed=fraction, description=stage)


def register(app: typer.Typer) -> None:
    """Add ``gridkit batch`` to ``app``."""

    @app.command("batch")
    def batch_cmd(
        # str, not Path: a PostGIS URL would lose its '//' to Path.
        areas: Annotated[str, typer.Argument(metavar="AREAS", help=(
            "City-wide input with an 'offices' layer of street-office boundaries (or --offices), "
            "or a folder of per-office inputs; file, folder or PostGIS URL."))],
        output: Annotated[str, typer.Option("-o", "--output", help="Merged plan: .gpkg or PostGIS URL.")],
        offices: Annotated[Path | None, typer.Option("--offices", help="Street-office boundaries (name, code).")] = None,
        office_column: Annotated[str | None, typer.Option(
            "--office-column", help="Instead of boundaries: the buildings' column naming each one's street office.")] = None,
        profile: Annotated[str, typer.Option("--profile", help="Profile name or TOML file.")] = "default",
        seed: Annotated[int | None, typer.Option("--seed", help="Seed for every office.")] = None,
        workers: Annotated[int, typer.Option("--workers", min=1, help="LocalCluster worker processes.")] = 2,
        scheduler: Annotated[str | None, typer.Option(
            "--scheduler", help="Existing Dask cluster: tcp://host:8786 or a scheduler file.")] = None,
        resume: Annotated[bool, typer.Option("--resume", help="Skip offices finished by an earlier run.")] = False,
        retries: Annotated[int, typer.Option("--retries", min=0, help="Re-runs of a task that crashed.")] = 2,
        work_dir: Annotated[Path | None, typer.Option(
            "--work-dir", help="Offices' inputs, plans and manifest (default OUTPUT.batch); workers must reach it.")] = None,
        from_gcj02: Annotated[bool, typer.Option("--from-gcj02", help="Input lon/lat are GCJ-02.")] = False,
        crs: Annotated[str | None, typer.Option("--crs", help="CRS of input layers that name none (a Shapefile without .prj, a DXF), e.g. EPSG:4549.")] = None,
        keep_inputs: Annotated[bool, typer.Option("--keep-inputs", help=(
            "Write every office's own input to WORK_DIR/inputs, reused offices' too "
            "(a failed office's is always written)."))] = False,
    ) -> None:
        """Divide every street office of a city, one Dask task each, and merge the plans into one."""
        from ..batch import run_batch
        from ..cli import run_guarded
        from ..io import postgis

        with _office_bar() as progress:
            result = run_guarded(lambda: run_batch(
                areas, output, offices=offices, office_column=office_column, profile=profile, seed=seed,
                from_gcj02=from_gcj02,
                workers=workers, scheduler=scheduler, resume=resume, retries=retries, work_dir=work_dir,
                keep_inputs=keep_inputs, progress=progress, crs=crs))
        ok = result.summary[result.summary["status"] == "ok"]
        reused = int(result.summary["reused"].sum())
        empty = f", {len(result.empty)} empty" if len(result.empty) else ""
        typer.echo(f"{postgis.shown(result.output)}: {len(ok)}/{len(result.summary)} offices ({reused} from an earlier "
                   f"run{empty}), {int(ok['grids'].sum())} grids, {int(ok['households'].sum())} households, "
                   f"{result.seconds:.0f} s")
        if result.outside:
            typer.echo(f"gridkit: {result.outside} building{'s' if result.outside > 1 else ''} of the city lie in no "
                       "street office's boundary (gaps between the boundaries, or beyond them): no plan holds them",
                       err=True)
        for row in result.empty.itertuples():
            typer.echo(f"gridkit: office {row.code} {row.name} is empty, no plan divides it (status 'empty' in the "
                       f"offices layer): {row.error}", err=True)
        for row in result.failures.itertuples():
            typer.echo(f"gridkit: office {row.code} {row.name} failed: {row.error}", err=True)
        # No office divided at all is no result, even when each was only empty (boundaries in the wrong place?).
        if len(result.failures) or not len(ok):
            raise typer.Exit(EXIT_OFFICES_FAILED)
