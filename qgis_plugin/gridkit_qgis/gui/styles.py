"""Layer styles like gridkit's wall chart: grids filled so that neighbours differ (colours from
:func:`gridkit.maps.grid_fill_colours`, computed by the worker), labelled name / code / households;
communities as heavy purple outlines; blocks as fine grey lines."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsFillSymbol,
    QgsPalLayerSettings,
    QgsRendererCategory,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtCore import QVariant
from qgis.PyQt.QtGui import QColor, QFont, QFontDatabase

from ..i18n import tr
from .planio import layer_path, wrote_no_layer

__all__ = ["style_grids", "update_grid_colours", "style_communities", "style_blocks", "save_default_style",
           "GRID_LABEL", "cjk_family"]

#: Same colours as gridkit.maps (grid edges, community edges).
GRID_EDGE = "#4d4d4d"
COMMUNITY_EDGE = "#7d3c98"
BLOCK_EDGE = "#9a9a9a"
UNKNOWN_FILL = "#d9d9d9"
#: The wall chart's grid label: name, code, households (户).
GRID_LABEL = "coalesce(\"name\", '') || '\\n' || coalesce(\"code\", '') || '\\n' || " \
             "coalesce(to_string(\"households\"), '') || '户'"
_CJK_FAMILIES = ("Droid Sans Fallback", "Noto Sans CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei",
                 "PingFang SC")


def cjk_family() -> str:
    """An installed font family with Chinese glyphs (the application font otherwise)."""
    families = set(QFontDatabase().families())
    for family in _CJK_FAMILIES:
        if family in families:
            return family
    return QFont().family()


def _text_format(size: float, bold: bool = False, colour: str = "#111111") -> QgsTextFormat:
    fmt = QgsTextFormat()
    font = QFont(cjk_family())
    font.setBold(bold)
    fmt.setFont(font)
    fmt.setSize(size)
    fmt.setColor(QColor(colour))
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(True)
    buffer.setSize(0.7)
    buffer.setColor(QColor("white"))
    fmt.setBuffer(buffer)
    return fmt


def _fill(colour: str, outline: str, width: float, style: str = "solid") -> QgsFillSymbol:
    return QgsFillSymbol.createSimple({"color": colour, "outline_color": outline, "outline_width": str(width),
                                       "outline_width_unit": "MM", "style": style})


def _categories(colours: dict[str, str]) -> list[QgsRendererCategory]:
    """A category per code, and one for every other code: a style stored before grids were added or split
    still draws their new codes (grey) when the plan is opened without the dock."""
    codes = sorted(colours.items())
    return [*(QgsRendererCategory(code, _fill(colour, GRID_EDGE, 0.3), code) for code, colour in codes),
            QgsRendererCategory(QVariant(), _fill(UNKNOWN_FILL, GRID_EDGE, 0.3), "")]


def style_grids(layer: QgsVectorLayer, colours: dict[str, str] | None = None) -> None:
    """Categorised by ``code`` (neighbours differ) and labelled like the wall chart."""
    colours = colours or {}
    if not colours:
        idx = layer.fields().indexOf("code")
        codes = sorted({str(v) for v in layer.uniqueValues(idx)}) if idx >= 0 else []
        colours = {c: UNKNOWN_FILL for c in codes}
    renderer = QgsCategorizedSymbolRenderer("code", _categories(colours))
    renderer.setSourceSymbol(_fill(UNKNOWN_FILL, GRID_EDGE, 0.3))
    layer.setRenderer(renderer)
    settings = QgsPalLayerSettings()
    settings.fieldName = GRID_LABEL
    settings.isExpression = True
    settings.placement = QgsPalLayerSettings.Horizontal
    settings.multilineAlign = QgsPalLayerSettings.MultiCenter
    settings.centroidInside = True
    settings.setFormat(_text_format(7.5))
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)
    layer.setCustomProperty("gridkit/styled", "grids")
    layer.triggerRepaint()


def update_grid_colours(layer: QgsVectorLayer, colours: dict[str, str]) -> bool:
    """Re-colour the grids after edits (new codes, new neighbours); True when anything changed."""
    renderer = layer.renderer()
    current = {}
    if isinstance(renderer, QgsCategorizedSymbolRenderer) and renderer.classAttribute() == "code":
        current = {str(c.value()): c.symbol().color().name() for c in renderer.categories() if c.value() is not None}
    wanted = {code: QColor(colour).name() for code, colour in colours.items()}
    if current == wanted:
        return False
    if not isinstance(renderer, QgsCategorizedSymbolRenderer) or renderer.classAttribute() != "code":
        style_grids(layer, colours)
        return True
    new = QgsCategorizedSymbolRenderer("code", _categories(colours))
    new.setSourceSymbol(_fill(UNKNOWN_FILL, GRID_EDGE, 0.3))
    layer.setRenderer(new)
    layer.triggerRepaint()
    return True


def style_communities(layer: QgsVectorLayer) -> None:
    """No fill, heavy purple outline, the community name."""
    from qgis.core import QgsSingleSymbolRenderer

    layer.setRenderer(QgsSingleSymbolRenderer(_fill("0,0,0,0", COMMUNITY_EDGE, 0.9, style="no")))
    settings = QgsPalLayerSettings()
    settings.fieldName = "name"
    settings.placement = QgsPalLayerSettings.Horizontal
    settings.setFormat(_text_format(10, bold=True, colour=COMMUNITY_EDGE))
    settings.obstacle = False
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(False)  # the grid labels matter more; switch on in the layer panel
    layer.setCustomProperty("gridkit/styled", "communities")
    layer.triggerRepaint()


def style_blocks(layer: QgsVectorLayer) -> None:
    """Fine grey outlines: where the blocks the dock moves are."""
    from qgis.core import QgsSingleSymbolRenderer

    symbol = _fill("0,0,0,0", BLOCK_EDGE, 0.15, style="no")
    symbol.symbolLayer(0).setStrokeStyle(2)  # Qt.DashLine
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    layer.setCustomProperty("gridkit/styled", "blocks")
    layer.triggerRepaint()


def _style_name(layer: QgsVectorLayer) -> str:
    # Named by the plan's layer ('grids'), not the project's title of it ('cn_shanghai_bund_plan — grids'): the
    # GeoPackage's layer_styles.styleName holds 30 characters, and GDAL warned on stderr at every longer one.
    return layer_path(layer)[1] or layer.name()[:30]


def _has_stored_style(layer: QgsVectorLayer) -> bool:
    """Whether the layer's file holds a style of the layer's own name for it.

    Read from the file's ``layer_styles`` table (read-only): QGIS's own listing logs the warning "No styles
    available on DB" for every plan that has none yet."""
    path, name = layer_path(layer)
    try:
        with contextlib.closing(sqlite3.connect(f"{Path(path).as_uri()}?mode=ro", uri=True)) as db:
            if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'layer_styles'").fetchone() is None:
                return False
            return db.execute("SELECT 1 FROM layer_styles WHERE f_table_name = ? AND styleName = ?",
                              (name, _style_name(layer))).fetchone() is not None
    except (sqlite3.Error, ValueError):  # not a file sqlite reads: ask QGIS
        count, _ids, names, _descriptions, _error = layer.listStylesInDatabase()
        return _style_name(layer) in names[:max(count, 0)]


def save_default_style(layer: QgsVectorLayer) -> bool:
    """Store the style in the GeoPackage (``layer_styles``) as the layer's default, so that the plan opens styled
    without the dock too; only when the layer has no stored style of that name yet. True when stored.

    QGIS 3.22 asks "A style named … already exists in the database for this layer. Do you want to overwrite
    it?" in a modal box when a style of that name is stored again, and unsets the layer's default style
    before it asks. The dock stored its styles at every opening of a plan: a plan opened in a new QGIS
    session asked that twice, and offscreen (nobody to answer) it froze QGIS for good. A style stored once
    is kept: grids coded later (a split in the dock) take its category for other codes, and the dock colours
    them itself.
    """
    if _has_stored_style(layer):
        return False
    result = layer.saveStyleToDatabase(_style_name(layer), tr("gridkit plan style"), True, "")
    wrote_no_layer(layer_path(layer)[0])
    message = result[1] if isinstance(result, tuple) else result
    return not message
