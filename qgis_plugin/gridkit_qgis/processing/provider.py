"""The gridkit Processing provider: one algorithm per gridkit command."""

from __future__ import annotations

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .. import deps
from ..i18n import tr
from .algorithms import ALGORITHMS, PartitionAlgorithm

__all__ = ["GridkitProvider"]


class GridkitProvider(QgsProcessingProvider):
    """Algorithms run gridkit in a worker process on ``python`` (see docs/qgis.md)."""

    def __init__(self, python: str | None = None, profiles: list[str] | None = None) -> None:
        super().__init__()
        self.python = python
        self.profiles = profiles or ["default"]

    def id(self) -> str:  # noqa: D102 - QGIS API
        return "gridkit"

    def name(self) -> str:  # noqa: D102
        return "gridkit"

    def longName(self) -> str:  # noqa: N802, D102
        return tr("gridkit: communities and base grids along streets")

    def icon(self) -> QIcon:  # noqa: D102
        return QIcon(str(deps.PLUGIN_DIR / "icon.svg"))

    def loadAlgorithms(self) -> None:  # noqa: N802, D102
        PartitionAlgorithm.PROFILES = list(self.profiles)
        for cls in ALGORITHMS:
            algorithm = cls()
            algorithm.python = self.python
            self.addAlgorithm(algorithm)
