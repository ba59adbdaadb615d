"""The editing model of the dock: :class:`gridkit.edits.Editor` in the shapes the worker sends.

Every rule lives in the library (:mod:`gridkit.edits`, :mod:`gridkit.checks`):
which blocks belong to which grid, the edits, the live checks, the edited
plan. This module only turns violations into plain dicts that name the grid
layer's feature ids. It runs in the gridkit worker process (docs/qgis.md),
never inside QGIS, and imports only gridkit's public API.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np

from gridkit.checks import VIOLATION_KINDS, Tolerance
from gridkit.edits import GRID_COLUMNS, Edit, EditError, Editor, grids_frame

__all__ = ["Tolerance", "Edit", "EditError", "EditModel", "grids_frame", "GRID_COLUMNS", "VIOLATION_KINDS"]


class EditModel(Editor):
    """:class:`gridkit.edits.Editor` whose violations are plain dicts with the grids' feature ids (``fids``)."""

    def violations(self, grids: gpd.GeoDataFrame, labels: np.ndarray | None = None,  # type: ignore[override]
                   severities: tuple[str, ...] = ("error",)) -> list[dict[str, Any]]:
        fids = grids.index.to_numpy()
        return [{**v.as_dict(), "fids": [int(fids[r]) for r in v.rows]}
                for v in super().violations(grids, labels, severities)]
