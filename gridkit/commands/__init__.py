"""Extra CLI commands, one module per command group; each module defines ``register(app)``.

Keeping them apart from ``cli.py`` lets a command grow (maps, reports, diff)
without touching the core commands. Commands wrap their work in
``gridkit.cli.run_guarded`` so errors become one clear line and exit code 2.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

__all__ = ["register_all"]


def register_all(app: typer.Typer) -> None:
    """Import every module of this package and let it add its commands to ``app``."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.register(app)
