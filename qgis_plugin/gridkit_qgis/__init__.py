"""gridkit for QGIS: divide a street office into communities and base grids, and edit the grids.

QGIS calls :func:`classFactory` at load. It first checks, without importing
any of them, that the Python which will run gridkit (a separate worker
process, see docs/qgis.md) has gridkit's packages; if not, the plugin only
shows the exact command that installs them, instead of an import traceback.
"""


def classFactory(iface):  # noqa: ANN001, ANN201, N802 - QGIS API
    from qgis.PyQt.QtCore import QSettings

    from . import deps

    try:
        report = deps.check(deps.worker_python(QSettings().value("gridkit/python", "", type=str) or None))
    except Exception as exc:  # noqa: BLE001 - never an import traceback at QGIS start
        report = deps.DependencyReport(python=deps.worker_python(), ok=False, problem=f"{type(exc).__name__}: {exc}")
    if not report.ok:
        from .missing import MissingDependencies

        return MissingDependencies(iface, report, deps.install_command(report))
    from .plugin import GridkitPlugin

    return GridkitPlugin(iface, python=report.python, profiles=report.profiles)
