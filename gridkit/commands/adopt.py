"""``gridkit adopt GRIDS --input AREA -o PLAN``: a grid layer another tool drew, as a gridkit plan."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add ``gridkit adopt`` to ``app``."""

    @app.command("adopt")
    def adopt_cmd(
        grids: Annotated[Path, typer.Argument(metavar="GRIDS", help="The grid layer's file (GeoPackage, Shapefile, GeoJSON, …).")],
        input_path: Annotated[str, typer.Option("--input", help="The area's input: buildings, roads, … (as for partition).")],
        output: Annotated[str, typer.Option("-o", "--output", help="Plan GeoPackage to write.")],
        layer: Annotated[str | None, typer.Option("--layer", help="The grid layer in a file of several layers.")] = None,
        code_column: Annotated[str | None, typer.Option("--code-column", help="Column of grid codes, e.g. 编码 (default: a usual name).")] = None,
        name_column: Annotated[str | None, typer.Option("--name-column", help="Column of grid names, e.g. 网格名称.")] = None,
        households_column: Annotated[str | None, typer.Option("--households-column", help="Column of households per grid, e.g. 户数: the buildings' estimates are scaled to it.")] = None,
        community_column: Annotated[str | None, typer.Option("--community-column", help="Column of each grid's community (code or name); default: communities made of whole grids.")] = None,
        profile: Annotated[str, typer.Option("--profile", help="Shipped profile name or a TOML file.")] = "default",
        households: Annotated[Path | None, typer.Option("--households", help="Register CSV/XLSX for the buildings' households.")] = None,
        from_gcj02: Annotated[bool, typer.Option("--from-gcj02", help="Input lon/lat are GCJ-02.")] = False,
        crs: Annotated[str | None, typer.Option("--crs", help="CRS of the grid layer and input layers that name none (a Shapefile without .prj, a DXF), e.g. EPSG:4549.")] = None,
    ) -> None:
        """Make a gridkit plan of GRIDS, a grid layer drawn elsewhere: its grids kept, every block given to
        the grid it overlaps most, households from --input (scaled to the layer's own counts if it has them)."""
        from ..cli import progress_bar, run_guarded
        from ..pipeline import adopt_file

        started = time.time()

        def run() -> Any:
            with progress_bar(str(grids)) as report:
                return adopt_file(grids, input_path, output, layer=layer, code_column=code_column,
                                  name_column=name_column, households_column=households_column,
                                  community_column=community_column, profile=profile, households=households,
                                  from_gcj02=from_gcj02, progress=report, crs=crs)

        plan = run_guarded(run)
        run_table = dict(zip(plan.run["key"], plan.run["value"], strict=True))
        typer.echo(f"columns: {run_table['adopt_columns']}")
        empty = run_table.get("log.adopt_grids_without_blocks", "")
        if empty:
            typer.echo(f"gridkit: warning: grids holding no block (too small or outside the input), left out: {empty}",
                       err=True)
        hh = int(plan.grids["households"].sum())
        typer.echo(f"{output}: {len(plan.grids)} grids of {run_table['log.adopt_grids']}, "
                   f"{len(plan.communities) if plan.communities is not None else 0} communities, {hh} households, "
                   f"{time.time() - started:.1f} s")
        bad = plan.metrics[(plan.metrics["kind"] == "invariant") & (plan.metrics["passed"] == "no")]
        if len(bad):
            typer.echo(f"gridkit: warning: the layer's grids break {', '.join(bad['level'] + '.' + bad['name'])}; "
                       "the plan is written so they can be fixed (gridkit validate, the QGIS dock)", err=True)
