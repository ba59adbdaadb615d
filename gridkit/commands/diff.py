"""``gridkit diff OLD NEW``: what moved between two plans."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

__all__ = ["register", "write_changes"]


def write_changes(table: pd.DataFrame, path: Path) -> Path:
    """Write a change table to CSV (UTF-8 with BOM, so Excel reads Chinese) or XLSX, atomically."""
    from ..errors import InputError
    from ..io.write import atomic_path

    table = pd.DataFrame(table).drop(columns=["geometry"], errors="ignore")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputError(f"{path}: change table must end in .csv or .xlsx")
    with atomic_path(path) as tmp:
        if suffix == ".csv":
            table.to_csv(tmp, index=False, encoding="utf-8-sig")
        else:
            with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
                table.to_excel(xl, index=False, sheet_name="changes")
                sheet = xl.sheets["changes"]
                sheet.freeze_panes = "A2"
                for col in sheet.columns:
                    width = max(len(str(c.value or "")) for c in col)
                    sheet.column_dimensions[col[0].column_letter].width = min(40, max(10, width * 1.6))
    return path


def register(app: typer.Typer) -> None:
    @app.command("diff")
    def diff_cmd(
        old: Annotated[Path, typer.Argument(metavar="OLD", help="The earlier plan GeoPackage.")],
        new: Annotated[Path, typer.Argument(metavar="NEW", help="The later plan GeoPackage.")],
        output: Annotated[Path | None, typer.Option("-o", "--output", help="CHANGES.csv or .xlsx")] = None,
    ) -> None:
        """Print (and write) what moved between two plans: units added, removed, merged, split, changed."""
        from ..changes import compare_plans, summary
        from ..cli import run_guarded
        from ..io.write import read_plan

        table = run_guarded(lambda: compare_plans(read_plan(old), read_plan(new)))
        shown = table[table["change"] != "unchanged"]
        for r in shown.itertuples():
            typer.echo(f"{r.level:<9} {r.change:<12} {r.old_code or '-':<16} -> {r.new_code or '-':<16} "
                       f"{r.households_moved:>6} households {r.buildings_moved:>5} buildings")
        typer.echo(", ".join(f"{k} {v}" for k, v in summary(table).items()) or "no units")
        if output is not None:
            run_guarded(lambda: write_changes(table, output))
            typer.echo(f"wrote {output}")
