"""``gridkit scenario save|list|switch|delete``: named versions of a plan's division inside its GeoPackage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]

# Module level: with postponed annotations, typer reads them in this module's namespace.
_PLAN = typer.Argument(metavar="PLAN", help="Plan GeoPackage.")
_NAME = typer.Argument(metavar="NAME", help="Scenario name (any text without '#', up to 60 characters).")


def register(app: typer.Typer) -> None:
    """Add the ``gridkit scenario`` commands to ``app``."""
    group = typer.Typer(no_args_is_help=True, help="Named scenarios of a plan, kept inside its GeoPackage "
                                                   "(compare two with gridkit diff PLAN.gpkg#A PLAN.gpkg#B).")
    app.add_typer(group, name="scenario")

    @group.command("save")
    def save_cmd(
        plan: Annotated[Path, _PLAN],
        name: Annotated[str, _NAME],
        replace: Annotated[bool, typer.Option("--replace", help="Replace a scenario of that name.")] = False,
    ) -> None:
        """Keep the plan's division as scenario NAME (grids, groups, communities with codes, names, locks)."""
        from ..cli import run_guarded
        from ..scenarios import save_scenario

        rows = run_guarded(lambda: save_scenario(plan, name, replace=replace))
        typer.echo(f"{plan}: saved scenario {rows['scenario'].iat[0]!r} "
                   f"({int((rows['level'] == 'grid').sum())} grids)")

    @group.command("list")
    def list_cmd(plan: Annotated[Path, _PLAN]) -> None:
        """List the plan's scenarios; * marks the one the plan's layers hold now."""
        from ..cli import run_guarded
        from ..scenarios import list_scenarios

        table = run_guarded(lambda: list_scenarios(plan))
        if len(table) == 0:
            typer.echo(f"{plan}: no scenarios")
        for r in table.itertuples():
            typer.echo(f"{'*' if r.current else ' '} {r.scenario:<24} {r.saved:<25} {r.communities:>4} communities "
                       f"{r.grids:>5} grids {r.households:>8} households")

    @group.command("switch")
    def switch_cmd(plan: Annotated[Path, _PLAN], name: Annotated[str, _NAME]) -> None:
        """Make scenario NAME the plan's division: its layers rebuilt and replaced in one step."""
        from ..changes import summary
        from ..cli import run_guarded
        from ..scenarios import switch_scenario

        built = run_guarded(lambda: switch_scenario(plan, name))
        moved = summary(built.changes[built.changes["change"] != "unchanged"]) if built.changes is not None else {}
        typer.echo(f"{plan}: now scenario {name.strip()!r}, {len(built.grids)} grids"
                   + (f"; changed: {', '.join(f'{k} {v}' for k, v in moved.items())}" if moved else ""))

    @group.command("delete")
    def delete_cmd(plan: Annotated[Path, _PLAN], name: Annotated[str, _NAME]) -> None:
        """Remove scenario NAME from the plan (the plan's layers are not touched)."""
        from ..cli import run_guarded
        from ..scenarios import delete_scenario

        run_guarded(lambda: delete_scenario(plan, name))
        typer.echo(f"{plan}: deleted scenario {name.strip()!r}")
