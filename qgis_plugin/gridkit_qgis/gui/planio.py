"""Plan GeoPackages seen from QGIS: their layers, snapshots for the worker, and writing
the worker's results back through QGIS's own data provider.

The plan file that QGIS has open is only ever written by QGIS (its GDAL and
SQLite); the worker reads it and returns plain values (docs/qgis.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qgis.core import (
    NULL,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsFeatureRequest,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsProject,
    QgsProviderRegistry,
    QgsVectorFileWriter,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from ..i18n import tr

__all__ = ["layer_path", "plan_layer", "is_plan_grids", "snapshot", "geometry", "transform", "apply_edit",
           "write_payload",
           "refresh_layers", "layer_names", "write_scenario", "export_layer", "in_plan", "project_layers_on",
           "plain_value", "wrote_no_layer"]

#: Grid attributes the worker reads (core.editing.GRID_COLUMNS).
GRID_COLUMNS = ("code", "name", "community_code", "group_code", "locked", "flags")


def layer_path(layer: QgsVectorLayer) -> tuple[str, str]:
    """(file, layer name) of an OGR layer ('' when it is not one)."""
    if layer is None or layer.providerType() != "ogr":
        return "", ""
    parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
    return str(parts.get("path") or ""), str(parts.get("layerName") or "")


def is_plan_grids(layer: Any) -> bool:
    """A ``grids`` layer of a GeoPackage with a ``code`` field."""
    if not isinstance(layer, QgsVectorLayer) or not layer.isValid():
        return False
    path, name = layer_path(layer)
    return name == "grids" and layer.fields().indexOf("code") >= 0 and in_plan(layer)


def in_plan(layer: Any) -> bool:
    """A layer of a plan GeoPackage (one with ``grids`` and ``blocks`` layers)."""
    path, _ = layer_path(layer) if isinstance(layer, QgsVectorLayer) and layer.isValid() else ("", "")
    return path.lower().endswith(".gpkg") and {"grids", "blocks"} <= layer_names(path)


#: Layer names of each file, with the modification they were listed at (the file's and its write-ahead log's):
#: asked for every layer added to the project and at every choice in the dock's combo.
_NAMES: dict[str, tuple[tuple, frozenset[str]]] = {}


def layer_names(path: str, fresh: bool = False) -> frozenset[str]:
    """Names of the layers of the file at ``path`` (empty when it is none QGIS reads); ``fresh``: list them
    again even when the file looks unchanged.

    Listed, not opened one by one: a layer opened by a name the file lacks puts a warning in QGIS's log
    ("Cannot find layer grids") for every input layer the user adds, and each opening held QGIS's GUI
    thread (opening a plan took 1.8 s there, 1.4 s of it opening layers to see whether it was a plan)."""
    file = Path(path)
    if not file.is_file():
        return frozenset()
    key, stamp = _stamp(file)
    if fresh or _NAMES.get(key, ((), frozenset()))[0] != stamp:
        _NAMES[key] = (stamp, frozenset(s.name() for s in QgsProviderRegistry.instance().querySublayers(path)))
    return _NAMES[key][1]


def _stamp(file: Path) -> tuple[str, tuple]:
    """The file's key in :data:`_NAMES` and its modification now.

    A layer made through QGIS may sit in the write-ahead log until a checkpoint: the log's changes count too.
    An empty log is no log: QGIS makes one when it merely opens a layer, and listing the file again for
    that took a third of opening a plan (three listings of 60 ms for one plan's three layers)."""
    return str(file.resolve()), tuple((f.stat().st_mtime_ns, f.stat().st_size) if f.exists() and f.stat().st_size
                                      else (0, 0) for f in (file, file.with_name(file.name + "-wal")))


def wrote_no_layer(path: str) -> None:
    """The file at ``path`` was written by a change that adds or drops no layer (a style stored in its
    ``layer_styles``): its listing stands, and is not taken again on the GUI thread."""
    file = Path(path)
    if file.is_file():
        key, stamp = _stamp(file)
        if key in _NAMES:
            _NAMES[key] = (stamp, _NAMES[key][1])


def export_layer(layer: QgsVectorLayer, path: str) -> str:
    """Write ``layer`` (any provider; its attributes as QGIS reads them, in the layer's encoding) to a new
    GeoPackage ``path`` as layer ``grids``, for the worker to read. Returns ``path``."""
    from qgis.core import QgsCoordinateTransformContext

    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = "grids"
    options.fileEncoding = "UTF-8"
    write = getattr(QgsVectorFileWriter, "writeAsVectorFormatV3", None) or QgsVectorFileWriter.writeAsVectorFormatV2
    error = write(layer, path, QgsCoordinateTransformContext(), options)
    if error[0] != QgsVectorFileWriter.NoError:
        raise OSError(tr("{layer}: cannot be exported for gridkit: {error}").format(layer=layer.name(), error=error[1]))
    return path


def plan_layer(path: str, name: str, title: str | None = None, names: frozenset[str] | None = None,
               stored_style: bool = True) -> QgsVectorLayer:
    """Layer ``name`` of the GeoPackage at ``path`` (not valid when the file has none; ``names``: its layers as
    just listed, not listed again; ``stored_style``: read the style stored in the plan, which a layer the dock
    styles itself does without: reading the grids' (a category per grid) took 0.1-0.2 s of the GUI thread)."""
    if names is None and name not in layer_names(path):
        names = layer_names(path, fresh=True)
    if names is not None and name not in names:
        return QgsVectorLayer()  # not opened: see layer_names
    return QgsVectorLayer(f"{path}|layername={name}", title or name, "ogr",
                          QgsVectorLayer.LayerOptions(loadDefaultStyle=stored_style))


def project_layers_on(path: str, project: QgsProject | None = None) -> list[QgsVectorLayer]:
    """Layers of the project that read ``path``."""
    project = project or QgsProject.instance()
    target = str(Path(path).resolve()) if path else ""
    out = []
    for layer in project.mapLayers().values():
        if isinstance(layer, QgsVectorLayer):
            p, _ = layer_path(layer)
            if p and str(Path(p).resolve()) == target:
                out.append(layer)
    return out


def plain_value(value: Any) -> Any:
    """A QGIS attribute value as plain Python (NULL → None, QVariant unwrapped)."""
    if value is None or value == NULL:
        return None
    if isinstance(value, QVariant):
        return None if value.isNull() else value.value()
    if isinstance(value, (bool, int, float, str, bytes)):
        return value
    return str(value)


def transform(source: QgsCoordinateReferenceSystem | None,
              target: QgsCoordinateReferenceSystem | None) -> QgsCoordinateTransform | None:
    """From ``source`` to ``target``; None when they are the same CRS or either is unknown (nothing to do)."""
    if source is None or target is None or not (source.isValid() and target.isValid()) or source == target:
        return None
    return QgsCoordinateTransform(source, target, QgsProject.instance().transformContext())


def snapshot(layer: QgsVectorLayer, crs: QgsCoordinateReferenceSystem | None = None) -> list[dict[str, Any]]:
    """The grid layer as the worker reads it: ``fid``, ``wkb`` (in ``crs``, the plan's: a plan saved again by
    QGIS in another CRS, lon/lat say, is still edited in its own metres) and the grid attributes."""
    names = [n for n in GRID_COLUMNS if layer.fields().indexOf(n) >= 0]
    into = transform(layer.crs(), crs)
    out = []
    for feature in layer.getFeatures():
        geom = feature.geometry()
        if into is not None and not geom.isNull():
            geom.transform(into)
        record = {"fid": int(feature.id()), "wkb": bytes(geom.asWkb()) if not geom.isNull() else None}
        for name in names:
            record[name] = plain_value(feature[name])
        out.append(record)
    return out


def geometry(wkb: bytes | None, into: QgsCoordinateTransform | None = None) -> QgsGeometry:
    """A worker's WKB as a QGIS geometry (transformed by ``into`` when given)."""
    geom = QgsGeometry()
    if wkb:
        geom.fromWkb(bytes(wkb))
        if into is not None:
            geom.transform(into)
    return geom


def _fit(geom: QgsGeometry, layer: QgsVectorLayer, crs: QgsCoordinateReferenceSystem | None = None) -> QgsGeometry:
    """A geometry (in ``crs`` when given, else the layer's) in the layer's CRS and of its kind (a polygon layer
    gets polygons, a multi layer multis)."""
    if geom.isNull():
        return geom
    into = transform(crs, layer.crs())
    if into is not None:
        geom.transform(into)
    multi_layer = QgsWkbTypes.isMultiType(layer.wkbType())
    if multi_layer and not geom.isMultipart():
        geom.convertToMultiType()
    elif not multi_layer and geom.isMultipart() and len(geom.asGeometryCollection()) == 1:
        geom.convertToSingleType()
    return geom


def _set_attributes(layer: QgsVectorLayer, feature: QgsFeature, values: dict[str, Any]) -> None:
    """The values that differ from ``feature``'s, each with its old value (QGIS would fetch the feature again)."""
    fields = layer.fields()
    for name, value in values.items():
        idx = fields.indexOf(name) if name != "geometry" else -1
        if idx >= 0 and plain_value(feature[idx]) != value:
            layer.changeAttributeValue(feature.id(), idx, NULL if value is None else value, feature[idx])


def apply_edit(layer: QgsVectorLayer, edit: dict[str, Any], text: str,
               crs: QgsCoordinateReferenceSystem | None = None) -> None:
    """Apply an edit of the worker (geometries in ``crs``, the plan's) to the grid layer as one undoable edit
    command.

    Only what differs from the layer goes into the command: a rebalance sends every grid, and each change is
    a step QGIS's undo replays with its signals (undoing a rebalance of 546 grids took 9 s for 8,700 steps)."""
    if not layer.isEditable():
        layer.startEditing()
    updates = {int(fid): values for fid, values in edit.get("update", {}).items()}
    current = {f.id(): f for f in layer.getFeatures(QgsFeatureRequest().setFilterFids(list(updates)))}
    layer.beginEditCommand(text)
    try:
        for fid, values in updates.items():
            feature = current.get(fid)
            if feature is None:  # deleted with QGIS's own tools meanwhile: the next check shows the layer as it is
                continue
            if "geometry" in values:
                geom = _fit(geometry(values["geometry"]), layer, crs)
                if bytes(geom.asWkb()) != bytes(feature.geometry().asWkb()):
                    layer.changeGeometry(fid, geom)
            _set_attributes(layer, feature, values)
        fields = layer.fields()
        for values in edit.get("add", []):
            feature = QgsFeature(fields)
            for name, value in values.items():
                idx = fields.indexOf(name)
                if idx >= 0 and name != "geometry":
                    feature.setAttribute(idx, NULL if value is None else value)
            pk = fields.indexOf("fid")
            if pk >= 0:
                feature.setAttribute(pk, NULL)
            feature.setGeometry(_fit(geometry(values.get("geometry")), layer, crs))
            layer.addFeature(feature)
        for fid in edit.get("delete", []):
            layer.deleteFeature(int(fid))
    except Exception:
        layer.destroyEditCommand()
        raise
    layer.endEditCommand()


# ---------------------------------------------------------------------- writing a plan's other layers


def _key_fids(layer: QgsVectorLayer, key: str) -> dict[str, int]:
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry).setSubsetOfAttributes([key],
                                                                                              layer.fields())
    return {str(plain_value(f[key])): int(f.id()) for f in layer.getFeatures(request)}


def _update_layer(layer: QgsVectorLayer, key: str, update: dict[str, dict], delete: list[str],
                  crs: QgsCoordinateReferenceSystem) -> int:
    provider = layer.dataProvider()
    fids = _key_fids(layer, key)
    fields = layer.fields()
    attrs: dict[int, dict[int, Any]] = {}
    geoms: dict[int, QgsGeometry] = {}
    new = []
    for k, values in update.items():
        changes = {fields.indexOf(n): (NULL if v is None else v) for n, v in values.items()
                   if n != "geometry" and fields.indexOf(n) >= 0 and n != "fid"}
        fid = fids.get(str(k))
        if fid is None:
            feature = QgsFeature(fields)
            for idx, v in changes.items():
                feature.setAttribute(idx, v)
            if "geometry" in values:
                feature.setGeometry(_fit(geometry(values["geometry"]), layer, crs))
            new.append(feature)
            continue
        if changes:
            attrs[fid] = changes
        if "geometry" in values:
            geoms[fid] = _fit(geometry(values["geometry"]), layer, crs)
    ok = True
    if attrs:
        ok &= provider.changeAttributeValues(attrs)
    if geoms:
        ok &= provider.changeGeometryValues(geoms)
    if new:
        ok &= provider.addFeatures(new)[0]
    gone = [fids[str(k)] for k in delete if str(k) in fids]
    if gone:
        ok &= provider.deleteFeatures(gone)
    if not ok:
        raise OSError(tr("{source}: cannot write: {errors}").format(source=layer.source(), errors=_reasons(provider)))
    return len(attrs) + len(geoms) + len(new) + len(gone)


def _reasons(provider: Any) -> str:
    """Why QGIS's provider refused a write (its own words, in QGIS's language)."""
    return "; ".join(provider.errors()) or tr("QGIS gave no reason")


def _add_rows(layer: QgsVectorLayer, rows: list[dict[str, Any]],
              crs: QgsCoordinateReferenceSystem | None = None) -> None:
    """Add ``rows`` (columns the layer has; ``geometry`` as WKB in ``crs`` on a spatial layer) through the
    provider."""
    fields = layer.fields()
    features = []
    for row in rows:
        feature = QgsFeature(fields)
        for name, value in row.items():
            idx = fields.indexOf(name)
            if idx >= 0 and name not in ("fid", "geometry"):
                feature.setAttribute(idx, NULL if value is None else value)
        if "geometry" in row and layer.isSpatial():
            feature.setGeometry(_fit(geometry(row["geometry"]), layer, crs))
        features.append(feature)
    if features and not layer.dataProvider().addFeatures(features)[0]:
        raise OSError(tr("{source}: cannot write: {errors}").format(source=layer.source(),
                                                                   errors=_reasons(layer.dataProvider())))


def _delete_rows(layer: QgsVectorLayer, where: tuple[str, str] | None = None) -> None:
    """Delete every row of a layer, or those whose column ``where[0]`` holds ``where[1]``."""
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry)
    gone = [int(f.id()) for f in layer.getFeatures(request)
            if where is None or str(plain_value(f[where[0]])) == where[1]]
    if gone and not layer.dataProvider().deleteFeatures(gone):
        raise OSError(tr("{source}: cannot delete rows: {errors}").format(source=layer.source(),
                                                                         errors=_reasons(layer.dataProvider())))


def _replace_table(layer: QgsVectorLayer, rows: list[dict[str, Any]]) -> None:
    """Delete every row of a table and write ``rows`` (columns the table has)."""
    _delete_rows(layer)
    _add_rows(layer, rows)


_CHANGE_TYPES = {"households_moved": QVariant.Int, "buildings_moved": QVariant.Int, "old_households": QVariant.Int,
                 "new_households": QVariant.Int}
_SCENARIO_TYPES = {"households": QVariant.Int, "locked": QVariant.Bool}


def _new_layer(path: str, name: str, rows: list[dict[str, Any]], crs, types: dict[str, Any]) -> None:  # noqa: ANN001
    """Write ``rows`` (polygons as WKB in ``geometry``) as a new layer ``name`` of the GeoPackage, through QGIS."""
    memory = QgsVectorLayer(f"Polygon?crs={crs.authid() or 'EPSG:4326'}", name, "memory")
    if not crs.authid():
        memory.setCrs(crs)
    fields = QgsFields()
    for column in rows[0]:
        if column != "geometry":
            fields.append(QgsField(column, types.get(column, QVariant.String)))
    memory.dataProvider().addAttributes(fields.toList())
    memory.updateFields()
    _add_rows(memory, rows)
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = name
    options.actionOnExistingFile = QgsVectorFileWriter.CreateOrOverwriteLayer
    from qgis.core import QgsCoordinateTransformContext

    write = getattr(QgsVectorFileWriter, "writeAsVectorFormatV3", None) or QgsVectorFileWriter.writeAsVectorFormatV2
    error = write(memory, path, QgsCoordinateTransformContext(), options)
    if error[0] != QgsVectorFileWriter.NoError:
        raise OSError(tr("{path}: cannot write the {name} layer: {error}").format(path=path, name=name, error=error[1]))


def _write_changes(path: str, rows: list[dict[str, Any]], crs) -> None:  # noqa: ANN001
    """Replace the plan's ``changes`` layer (creating it when the plan has none)."""
    layer = plan_layer(path, "changes")
    if layer.isValid():
        _replace_table(layer, rows)
    elif rows:
        _new_layer(path, "changes", rows, crs, _CHANGE_TYPES)


def write_scenario(path: str, name: str, rows: list[dict[str, Any]], crs) -> int:  # noqa: ANN001
    """Write scenario ``name`` (the worker's ``session_scenario`` rows) into the plan's ``scenarios`` layer,
    replacing a scenario of that name; the layer is made when the plan has none. Returns the rows written."""
    layer = plan_layer(path, "scenarios")
    if not layer.isValid():
        _new_layer(path, "scenarios", rows, crs, _SCENARIO_TYPES)
        return len(rows)
    _delete_rows(layer, ("scenario", name))
    _add_rows(layer, rows, crs)
    return len(rows)


def write_payload(path: str, payload: dict[str, Any], crs) -> dict[str, int]:  # noqa: ANN001
    """Write what the worker's ``session_save`` returned (geometries in ``crs``, the plan's) into the plan's
    layers (not ``grids``), each in its own CRS.

    Every write goes through QGIS's OGR provider, the same library that has
    the file open, on layers of its own (none of the project's), so it may run
    off the GUI thread; :func:`refresh_layers` then shows the result. Returns how
    many features each layer had changed.
    """
    done = {}
    for name in ("blocks", "buildings", "communities", "groups"):
        part = payload.get(name)
        if not part:
            continue
        layer = plan_layer(path, name)
        if not layer.isValid():
            continue
        done[name] = _update_layer(layer, part["key"], part.get("update", {}), part.get("delete", []), crs)
    metrics = plan_layer(path, "metrics")
    if metrics.isValid():
        _replace_table(metrics, payload.get("metrics", []))
        done["metrics"] = len(payload.get("metrics", []))
    run = plan_layer(path, "run")
    if run.isValid() and payload.get("run"):
        _add_rows(run, payload["run"])
        done["run"] = len(payload["run"])
    _write_changes(path, payload.get("changes", []), crs)
    done["changes"] = len(payload.get("changes", []))
    return done


def refresh_layers(path: str) -> None:
    """Redraw the project's layers of ``path`` (but the grids being edited) from the file (GUI thread)."""
    for layer in project_layers_on(path):
        if layer_path(layer)[1] != "grids" and not layer.isEditable():
            layer.reload()
            layer.triggerRepaint()
