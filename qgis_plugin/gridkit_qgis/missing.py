"""What the plugin is when gridkit's Python lacks packages: a message with the exact install command."""

from __future__ import annotations

from qgis.core import Qgis, QgsMessageLog
from qgis.PyQt.QtWidgets import QApplication, QMessageBox, QPushButton

from . import deps
from .i18n import install_translator, remove_translator, tr

__all__ = ["MissingDependencies", "message"]


def message(report, command: str) -> str:  # noqa: ANN001 - deps.DependencyReport
    parts = []
    if report.problem:
        parts.append(report.problem)
    if report.missing:
        parts.append(tr("missing: {names}").format(names=", ".join(report.missing)))
    if report.old:
        parts.append(tr("too old: {names}").format(names=", ".join(
            tr("{name} {have} (needs {least})").format(name=n, have=have, least=least) for n, have, least in report.old)))
    text = tr("gridkit cannot run in {python}: {problems}. Install what it needs with:\n{command}\n"
              "then restart QGIS.").format(python=report.python, problems="; ".join(parts), command=command)
    if "gridkit" in report.missing and not (deps.BUNDLED_LIB / "gridkit").is_dir() and deps.library_source() is None:
        # A plugin folder copied without its library: the command cannot name a source for it.
        text += "\n" + tr("This copy of the plugin has no gridkit library: install the plugin from its zip, which "
                          "holds it (bash scripts/plugin-zip.sh writes dist/gridkit_qgis.zip), or install gridkit "
                          "into {python} from its source folder (python -m pip install FOLDER). The package named "
                          "gridkit on PyPI is another project.").format(python=report.python)
    return text


class MissingDependencies:
    """Stands in for the plugin: shows the install command (message bar, log, a dialog on request)."""

    def __init__(self, iface, report, command: str) -> None:  # noqa: ANN001
        self.iface = iface
        self.report = report
        self.command = command
        self.text = ""
        install_translator()

    def initGui(self) -> None:  # noqa: N802 - QGIS API
        self.text = message(self.report, self.command)
        QgsMessageLog.logMessage(self.text, "gridkit", Qgis.Warning)
        bar = self.iface.messageBar()
        item = bar.createMessage(tr("gridkit"), self.text)
        copy = QPushButton(tr("Copy the command"))
        copy.clicked.connect(self.copy)
        details = QPushButton(tr("Details"))
        details.clicked.connect(self.show_dialog)
        item.layout().addWidget(copy)
        item.layout().addWidget(details)
        bar.pushWidget(item, Qgis.Warning)

    def copy(self) -> None:
        QApplication.clipboard().setText(self.command)

    def show_dialog(self) -> None:
        box = QMessageBox(QMessageBox.Warning, tr("gridkit"), self.text, QMessageBox.Ok, self.iface.mainWindow())
        box.setDetailedText(self.command)
        box.setTextInteractionFlags(box.textInteractionFlags())
        box.exec_()

    def unload(self) -> None:
        remove_translator()
