"""One Processing algorithm per gridkit command: partition, validate, map, report, diff.

Each algorithm only turns typed parameters into the arguments of a worker job
(:mod:`gridkit_qgis.core.jobs`, which calls the library exactly as the CLI
does), reports progress through ``feedback`` and stops the worker when
``feedback.isCanceled()``. They run in the toolbox, in models and in batch
mode, in a background thread.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputBoolean,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QCoreApplication, QThread

from .. import gateway
from ..i18n import file_filter, in_chinese, library_text, plan_layer_title, profile_label, stage_text, tr, worker_message

__all__ = ["ALGORITHMS", "PartitionAlgorithm", "ValidateAlgorithm", "MapAlgorithm", "ReportAlgorithm",
           "DiffAlgorithm"]

PAPERS = ["A0", "A1", "A2", "A3", "A4"]
_GPKG = file_filter(("GeoPackage", "*.gpkg *.GPKG"))


def _sources() -> str:
    """Any file is accepted (gridkit reads every GDAL source, or a folder of layers typed in)."""
    return file_filter((tr("Vector sources"), "*.gpkg *.geojson *.json *.shp *.fgb *.osm *.pbf"),
                       (tr("All files"), "*"))


def _tables(label: str) -> str:
    return file_filter((label, "*.csv *.xlsx *.xls"), (tr("All files"), "*"))
#: Keeps post-processors alive until QGIS has run them (PyQGIS would collect them otherwise).
_POST: dict[str, QgsProcessingLayerPostProcessorInterface] = {}


def _style(layer, kind: str, colours: dict[str, str] | None) -> None:  # noqa: ANN001
    from ..gui import styles

    if kind == "grids":
        styles.style_grids(layer, colours or {})
    else:
        styles.style_communities(layer)


def _store_styles(output: str, colours: dict[str, str] | None) -> None:
    """Store the plan's grids and communities styles in it (``layer_styles``, as default) on the algorithm's
    thread, before QGIS loads them: stored when Processing loaded them, the two ``saveStyleToDatabase`` held
    the GUI thread 0.26-0.52 s after every Partition. The plan is a file gridkit has just written, so no style
    of the name is there for QGIS to ask about, and no layer of QGIS has it open yet."""
    from qgis.core import QgsVectorLayer

    from ..gui import styles

    for kind in ("communities", "grids"):
        layer = QgsVectorLayer(f"{output}|layername={kind}", kind, "ogr",
                               QgsVectorLayer.LayerOptions(loadDefaultStyle=False))
        if layer.isValid():
            _style(layer, kind, colours)
            styles.save_default_style(layer)


class _StylePlanLayer(QgsProcessingLayerPostProcessorInterface):
    """Styles a plan layer that Processing loads when the algorithm is done (Processing loads it without its
    stored style); stores the style only if the algorithm could not (``_store_styles``)."""

    def __init__(self, kind: str, colours: dict[str, str] | None = None) -> None:
        super().__init__()
        self.kind = kind
        self.colours = colours or {}

    def postProcessLayer(self, layer, context, feedback) -> None:  # noqa: ANN001, N802 - QGIS API
        from ..gui import styles

        _style(layer, self.kind, self.colours)
        styles.save_default_style(layer)


class GridkitAlgorithm(QgsProcessingAlgorithm):
    """Common parts: names, translation, running a worker job with progress and cancel."""

    #: Python the worker runs on (set by the provider).
    python: str | None = None
    NAME = ""
    TITLE = ""
    HELP = ""

    def name(self) -> str:  # noqa: D102 - QGIS API
        return self.NAME

    def displayName(self) -> str:  # noqa: N802, D102
        return tr(self.TITLE)

    def shortHelpString(self) -> str:  # noqa: N802, D102
        return tr(self.HELP)

    def group(self) -> str:  # noqa: D102
        return tr("Plans")

    def groupId(self) -> str:  # noqa: N802, D102
        return "plans"

    def tr(self, text: str) -> str:  # noqa: D102
        return QCoreApplication.translate("gridkit", text)

    def createInstance(self):  # noqa: ANN201, N802, D102
        algorithm = type(self)()
        algorithm.python = self.python
        return algorithm

    def output_path(self, parameters, context, name: str = "OUTPUT") -> str:  # noqa: ANN001
        """The file to write, with the parameter's default extension when the user typed a name without one."""
        output = self.parameterAsFileOutput(parameters, name, context)
        if output and not Path(output).suffix:
            output += "." + self.parameterDefinition(name).defaultFileExtension()
        return output

    def run_job(self, job: str, args: dict[str, Any], feedback) -> Any:  # noqa: ANN001
        """Run a worker job; progress and cancel through ``feedback``. None when cancelled."""
        started = time.time()
        shown = [""]

        def progress(pct: float, text: str) -> None:
            feedback.setProgress(pct)
            if text and text != shown[0]:  # a stage once in the log, not at every step of it
                shown[0] = text
                feedback.setProgressText(stage_text(text))

        def log(line: str) -> None:
            feedback.pushDebugInfo(line)

        try:
            return gateway.run_job(job, args, progress=progress, is_cancelled=feedback.isCanceled,
                                   python=self.python, log=log)
        except gateway.Cancelled:
            feedback.reportError(tr("Cancelled: nothing was written."), False)
            for key in ("output",):
                if args.get(key):
                    _remove_partial(args[key], started)
            return None
        except gateway.WorkerError as exc:
            if exc.details and exc.kind == "internal":  # a bug: its traceback; bad input: its message alone
                feedback.pushDebugInfo(exc.details)
            raise QgsProcessingException(worker_message(str(exc))) from None


def _remove_partial(output: str, since: float) -> None:
    """Temporary files a cancelled write may leave beside ``output`` (gridkit writes atomically)."""
    target = Path(output)
    folder = target.parent
    if not folder.is_dir():
        return
    for p in folder.glob(f".{target.stem}.*{target.suffix}"):
        try:
            if p.stat().st_mtime >= since - 1:
                p.unlink()
        except OSError:
            pass


def _file(context: QgsProcessingContext, alg: QgsProcessingAlgorithm, parameters, name: str) -> str | None:  # noqa: ANN001
    value = alg.parameterAsFile(parameters, name, context)
    return value or None


def _open_in_project(path: str, context: QgsProcessingContext) -> bool:
    """Whether a layer of the project reads ``path`` (checked on the GUI thread only)."""
    app = QCoreApplication.instance()
    if app is None or QThread.currentThread() is not app.thread() or context.project() is None:
        return False
    from ..gui.planio import project_layers_on

    return bool(project_layers_on(path, context.project()))


def _tell_register(told: dict[str, str], feedback) -> None:  # noqa: ANN001
    """What the register did (the lines ``gridkit partition`` prints), in the user's language: a register whose
    hidden sheet held the figures, or whose rows matched no building, said nothing in the Processing log."""
    if not told:
        return
    feedback.pushInfo(tr("Register ({encoding}): {matched} rows matched ({by_id} by building id, {by_address} by "
                         "address), {unmatched} unmatched").format(
        encoding=told.get("encoding", ""), matched=told.get("rows_matched", "0"),
        by_id=told.get("rows_matched_building_id", "0"), by_address=told.get("rows_matched_address", "0"),
        unmatched=told.get("rows_unmatched", "0")))
    if told.get("rows_unmatched", "0") != "0" and told.get("unmatched_file"):
        feedback.pushInfo(tr("The unmatched rows, each with why: {path}").format(path=told["unmatched_file"]))
    said = {"sheets_left_out": tr("Register: sheets left out: {value}"),
            "households_entered_twice": tr("Register: households entered twice: {value}"),
            "sheets_as_compounds": tr("Register: sheets read as compounds: {value}"),
            "sheets_hidden": tr("Register: hidden sheets not read: {value}"),
            "rows_hidden": tr("Register: rows hidden in the workbook (by a filter) are counted; delete those that "
                              "should not count: {value}"),
            "rows_over_buildings": tr("Register: rows naming several buildings, their figures split between them: "
                                      "{value}")}
    for key, text in said.items():
        if told.get(key):
            feedback.pushWarning(text.format(value=library_text(told[key])))


class PartitionAlgorithm(GridkitAlgorithm):
    NAME = "partition"
    TITLE = "Partition into communities and grids"
    HELP = ("Divide a street office or town into communities and base grids along its streets "
            "(gridkit partition) and write the plan GeoPackage. INPUT is a GeoPackage (or any GDAL source, "
            "a folder of layers, an OSM file) with buildings and, usually, roads, boundary and barriers.")

    def initAlgorithm(self, config=None) -> None:  # noqa: ANN001, N802, D102
        self.addParameter(QgsProcessingParameterFile("INPUT", tr("Input area (GeoPackage, OSM, folder…)"),
                                                     behavior=QgsProcessingParameterFile.File,
                                                     fileFilter=_sources()))
        self.profiles = list(getattr(type(self), "PROFILES", None) or ["default"])
        # Options say what each profile is for ('default' alone told a new user nothing); the value stays its index.
        self.addParameter(QgsProcessingParameterEnum("PROFILE", tr("Profile"),
                                                     options=[profile_label(p) for p in self.profiles],
                                                     defaultValue=self.profiles.index("default")
                                                     if "default" in self.profiles else 0))
        self.addParameter(QgsProcessingParameterFile("PROFILE_FILE", tr("Profile file (TOML, overrides Profile)"),
                                                     optional=True,
                                                     fileFilter=file_filter((tr("Profiles"), "*.toml"))))
        self.addParameter(QgsProcessingParameterNumber("SEED", tr("Random seed"),
                                                       type=QgsProcessingParameterNumber.Integer, defaultValue=0,
                                                       minValue=0))
        self.addParameter(QgsProcessingParameterFile("HOUSEHOLDS", tr("Household register (CSV/XLSX)"),
                                                     optional=True,
                                                     fileFilter=_tables(tr("Registers"))))
        self.addParameter(QgsProcessingParameterBoolean("FROM_GCJ02", tr("Input longitude/latitude are GCJ-02"),
                                                        defaultValue=False))
        self.addParameter(QgsProcessingParameterFile("EXISTING", tr("Existing plan to keep where the rules allow"),
                                                     optional=True, fileFilter=_GPKG))
        self.addParameter(QgsProcessingParameterFileDestination("OUTPUT", tr("Plan GeoPackage"), fileFilter=_GPKG))
        self.addOutput(QgsProcessingOutputVectorLayer("GRIDS", tr("Grids"), QgsProcessing.TypeVectorPolygon))
        self.addOutput(QgsProcessingOutputVectorLayer("COMMUNITIES", tr("Communities"),
                                                      QgsProcessing.TypeVectorPolygon))
        self.addOutput(QgsProcessingOutputNumber("GRID_COUNT", tr("Number of grids")))
        self.addOutput(QgsProcessingOutputNumber("HOUSEHOLDS", tr("Households")))
        self.addOutput(QgsProcessingOutputString("FAILURES", tr("Failed invariants")))

    def prepareAlgorithm(self, parameters, context, feedback) -> bool:  # noqa: ANN001, N802, D102
        output = self.output_path(parameters, context)
        if output and Path(output).exists() and _open_in_project(output, context):
            raise QgsProcessingException(tr("{path} is open in this project; remove its layers or write the plan "
                                            "to another file").format(path=output))
        return True

    def processAlgorithm(self, parameters, context, feedback) -> dict[str, Any]:  # noqa: ANN001, N802, D102
        output = self.output_path(parameters, context)
        if not output.lower().endswith(".gpkg"):
            output += ".gpkg"
        profile = _file(context, self, parameters, "PROFILE_FILE") or \
            self.profiles[self.parameterAsEnum(parameters, "PROFILE", context)]
        args = {"input": self.parameterAsFile(parameters, "INPUT", context), "output": output, "profile": profile,
                "seed": self.parameterAsInt(parameters, "SEED", context),
                "households": _file(context, self, parameters, "HOUSEHOLDS"),
                "from_gcj02": self.parameterAsBool(parameters, "FROM_GCJ02", context),
                "existing": _file(context, self, parameters, "EXISTING")}
        result = self.run_job("partition", args, feedback)
        if result is None:
            return {}
        feedback.pushInfo(tr("{output}: {grids} grids in {communities} communities, {households} households, "
                             "{seconds} s").format(**result))
        for text in result.get("warnings", ()):
            feedback.pushWarning(worker_message(text))
        _tell_register(result.get("register") or {}, feedback)
        if result["failures"]:
            feedback.reportError(tr("Invariants failed: {failures}").format(failures=", ".join(result["failures"])),
                                 False)
        outputs = {"OUTPUT": output, "GRID_COUNT": result["grids"], "HOUSEHOLDS": result["households"],
                   "FAILURES": ", ".join(result["failures"])}
        stem = Path(output).stem
        _store_styles(output, result.get("colours"))
        for key, layer, kind in (("COMMUNITIES", "communities", "communities"), ("GRIDS", "grids", "grids")):
            uri = f"{output}|layername={layer}"
            outputs[key] = uri
            if context.willLoadLayerOnCompletion(uri):
                continue
            details = QgsProcessingContext.LayerDetails(plan_layer_title(stem, layer), context.project(), key)
            # Our names wherever the plan is written: without forceName, Processing's "prefer file name as
            # layer name" setting renames layers of files outside its temporary folder to the file's name.
            details.forceName = True
            post = _StylePlanLayer(kind, result.get("colours"))
            _POST[f"{output}:{layer}"] = post
            details.setPostProcessor(post)
            context.addLayerToLoadOnCompletion(uri, details)
        return outputs


class ValidateAlgorithm(GridkitAlgorithm):
    NAME = "validate"
    TITLE = "Validate a plan"
    HELP = ("Recompute every invariant and score of a plan from its own layers (gridkit validate). "
            "VALID is false when an invariant fails; with 'Fail when invalid' the algorithm fails instead.")

    def initAlgorithm(self, config=None) -> None:  # noqa: ANN001, N802, D102
        self.addParameter(QgsProcessingParameterFile("PLAN", tr("Plan GeoPackage"), fileFilter=_GPKG))
        self.addParameter(QgsProcessingParameterFile("INPUT", tr("The input the plan was made from"), optional=True,
                                                     fileFilter=_sources()))
        self.addParameter(QgsProcessingParameterBoolean("FAIL", tr("Fail when invalid"), defaultValue=False))
        self.addParameter(QgsProcessingParameterFileDestination("METRICS", tr("Metrics table (CSV)"),
                                                                fileFilter="CSV (*.csv)", optional=True,
                                                                createByDefault=False))
        self.addOutput(QgsProcessingOutputBoolean("VALID", tr("Valid")))
        self.addOutput(QgsProcessingOutputString("FAILURES", tr("Failed invariants")))

    def processAlgorithm(self, parameters, context, feedback) -> dict[str, Any]:  # noqa: ANN001, N802, D102
        plan = self.parameterAsFile(parameters, "PLAN", context)
        result = self.run_job("validate", {"plan": plan, "input": _file(context, self, parameters, "INPUT")},
                              feedback)
        if result is None:
            return {}
        zh = in_chinese()
        marks = {"yes": tr("passed"), "no": tr("FAILED")}
        for row in result["metrics"]:
            if row["kind"] == "detail":
                continue
            level, name = (row["level_zh"] or row["level"], row["name_zh"] or row["name"]) if zh else \
                (row["level"], row["name"])
            line = f"{marks.get(row['passed'], ''):<6} {level:<9} {name:<20} {row['value']:.6g}"
            if row["passed"] == "no":
                feedback.reportError(line, False)
            else:
                feedback.pushInfo(line)
        failures = result["failures"]
        metrics = self.output_path(parameters, context, "METRICS")
        outputs: dict[str, Any] = {"VALID": not failures, "FAILURES": ", ".join(failures)}
        if metrics:
            with open(metrics, "w", newline="", encoding="utf-8-sig") as fh:
                writer = csv.DictWriter(fh, fieldnames=["level", "name", "value", "kind", "passed"],
                                        extrasaction="ignore")
                writer.writeheader()
                writer.writerows(result["metrics"])
            outputs["METRICS"] = metrics
        if failures:
            message = tr("The plan is INVALID: {failures}").format(failures=", ".join(failures))
            if self.parameterAsBool(parameters, "FAIL", context):
                raise QgsProcessingException(message)
            feedback.reportError(message, False)
        else:
            feedback.pushInfo(tr("The plan is valid."))
        return outputs


class MapAlgorithm(GridkitAlgorithm):
    NAME = "map"
    TITLE = "Draw the grid map"
    HELP = ("Draw the grid division wall chart of a plan (gridkit map): the street office, one community, "
            "or every sheet as one PDF.")

    def initAlgorithm(self, config=None) -> None:  # noqa: ANN001, N802, D102
        self.addParameter(QgsProcessingParameterFile("PLAN", tr("Plan GeoPackage"), fileFilter=_GPKG))
        self.addParameter(QgsProcessingParameterString("COMMUNITY", tr("One community (code, name or serial)"),
                                                       optional=True))
        self.addParameter(QgsProcessingParameterBoolean("ALL", tr("Every sheet (street office and each "
                                                                  "community, PDF)"), defaultValue=False))
        self.addParameter(QgsProcessingParameterEnum("PAPER", tr("Paper"), options=PAPERS, defaultValue=3))
        self.addParameter(QgsProcessingParameterNumber("DPI", tr("Resolution of PNG output (dpi)"),
                                                       type=QgsProcessingParameterNumber.Integer, defaultValue=200,
                                                       minValue=30, maxValue=1200))
        self.addParameter(QgsProcessingParameterFile("ROSTER", tr("Staff roster (CSV/XLSX)"), optional=True,
                                                     fileFilter=_tables(tr("Rosters"))))
        self.addParameter(QgsProcessingParameterString("SOURCE", tr("Data source line"), optional=True))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", tr("Map"), fileFilter="PNG (*.png);;PDF (*.pdf);;SVG (*.svg)"))
        self.addOutput(QgsProcessingOutputNumber("SHEETS", tr("Sheets")))

    def processAlgorithm(self, parameters, context, feedback) -> dict[str, Any]:  # noqa: ANN001, N802, D102
        output = self.output_path(parameters, context)
        args = {"plan": self.parameterAsFile(parameters, "PLAN", context), "output": output,
                "community": self.parameterAsString(parameters, "COMMUNITY", context) or None,
                "all_sheets": self.parameterAsBool(parameters, "ALL", context),
                "paper": PAPERS[self.parameterAsEnum(parameters, "PAPER", context)],
                "dpi": self.parameterAsInt(parameters, "DPI", context),
                "roster": _file(context, self, parameters, "ROSTER"),
                "source": self.parameterAsString(parameters, "SOURCE", context) or None}
        result = self.run_job("map", args, feedback)
        if result is None:
            return {}
        return {"OUTPUT": output, "SHEETS": result["sheets"]}


class ReportAlgorithm(GridkitAlgorithm):
    NAME = "report"
    TITLE = "Write the division report"
    HELP = ("Write the division scheme of a plan (gridkit report): communities, grids, summary and changes "
            "as XLSX, or with the maps as HTML or PDF.")

    def initAlgorithm(self, config=None) -> None:  # noqa: ANN001, N802, D102
        self.addParameter(QgsProcessingParameterFile("PLAN", tr("Plan GeoPackage"), fileFilter=_GPKG))
        self.addParameter(QgsProcessingParameterFile("ROSTER", tr("Staff roster (CSV/XLSX)"), optional=True,
                                                     fileFilter=_tables(tr("Rosters"))))
        self.addParameter(QgsProcessingParameterString("SOURCE", tr("Data source line"), optional=True))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", tr("Report"), fileFilter="Excel (*.xlsx);;HTML (*.html);;PDF (*.pdf)"))
        self.addOutput(QgsProcessingOutputNumber("COMMUNITIES", tr("Communities")))
        self.addOutput(QgsProcessingOutputNumber("GRIDS", tr("Grids")))

    def processAlgorithm(self, parameters, context, feedback) -> dict[str, Any]:  # noqa: ANN001, N802, D102
        output = self.output_path(parameters, context)
        args = {"plan": self.parameterAsFile(parameters, "PLAN", context), "output": output,
                "roster": _file(context, self, parameters, "ROSTER"),
                "source": self.parameterAsString(parameters, "SOURCE", context) or None}
        result = self.run_job("report", args, feedback)
        if result is None:
            return {}
        return {"OUTPUT": output, "COMMUNITIES": result["communities"], "GRIDS": result["grids"]}


class DiffAlgorithm(GridkitAlgorithm):
    NAME = "diff"
    TITLE = "Compare two plans"
    HELP = ("What moved between two plans (gridkit diff): units added, removed, merged, split or changed, "
            "with households and buildings moved; optionally as a CSV or XLSX table.")

    def initAlgorithm(self, config=None) -> None:  # noqa: ANN001, N802, D102
        self.addParameter(QgsProcessingParameterFile("OLD", tr("Earlier plan"), fileFilter=_GPKG))
        self.addParameter(QgsProcessingParameterFile("NEW", tr("Later plan"), fileFilter=_GPKG))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", tr("Change table"), fileFilter="CSV (*.csv);;Excel (*.xlsx)", optional=True,
            createByDefault=False))
        self.addOutput(QgsProcessingOutputString("SUMMARY", tr("Summary")))
        self.addOutput(QgsProcessingOutputNumber("CHANGED", tr("Units changed")))

    def processAlgorithm(self, parameters, context, feedback) -> dict[str, Any]:  # noqa: ANN001, N802, D102
        output = self.output_path(parameters, context) or None
        args = {"old": self.parameterAsFile(parameters, "OLD", context),
                "new": self.parameterAsFile(parameters, "NEW", context), "output": output}
        result = self.run_job("diff", args, feedback)
        if result is None:
            return {}
        zh = in_chinese()
        changed = [r for r in result["rows"] if r["change"] != "unchanged"]
        for r in changed:
            level, change = (r["level_zh"], r["change_zh"]) if zh else (r["level"], r["change"])
            feedback.pushInfo(f"{level:<9} {change:<12} {r['old_code'] or '-':<16} -> "
                              f"{r['new_code'] or '-':<16} {r['households_moved']:>6}")
        summary = ", ".join(f"{k} {v}" for k, v in result["summary"].items())
        feedback.pushInfo("，".join(f"{k} {v}" for k, v in result["summary_zh"].items()) if zh else summary)
        outputs: dict[str, Any] = {"SUMMARY": summary, "CHANGED": len(changed)}
        if output:
            outputs["OUTPUT"] = output
        return outputs


ALGORITHMS = (PartitionAlgorithm, ValidateAlgorithm, MapAlgorithm, ReportAlgorithm, DiffAlgorithm)

