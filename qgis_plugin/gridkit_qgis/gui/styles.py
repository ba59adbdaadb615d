"""Layer styles like gridkit's wall chart: grids filled so that neighbours differ (colours from
:func:`gridkit.maps.grid_fill_colours`, computed by the worker, kept in a layer variable the fill looks its code
up in), labelled name / code / households;
communities as heavy purple outlines; blocks as fine grey lines."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

from qgis.core import (
    QgsExpressionContextUtils,
    QgsFillSymbol,
    QgsPalLayerSettings,
    QgsProperty,
    QgsSingleSymbolRenderer,
    QgsSymbolLayer,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtGui import QColor, QFont, QFontDatabase

from ..i18n import tr
from .planio import layer_path, wrote_no_layer

__all__ = ["style_grids", "update_grid_colours", "drawn_colours", "style_communities", "style_blocks",
           "save_default_style", "GRID_COLOURS", "GRID_LABEL", "cjk_family"]

#: Same colours as gridkit.maps (grid edges, community edges).
GRID_EDGE = "#4d4d4d"
COMMUNITY_EDGE = "#7d3c98"
BLOCK_EDGE = "#9a9a9a"
UNKNOWN_FILL = "#d9d9d9"
#: The wall chart's grid label: name, code, households (户).
GRID_LABEL = "coalesce(\"name\", '') || '\\n' || coalesce(\"code\", '') || '\\n' || " \
             "coalesce(to_string(\"households\"), '') || '户'"
#: The layer variable holding the grids' colour map (JSON, code → colour): a layer variable is stored with the
#: style, in the project and in the plan's ``layer_styles``, and changing it replaces no renderer.
GRID_COLOURS = "gridkit_grid_colours"
#: The grids' fill: their code's colour in the map; grey for a code the map has not (a grid split after the
#: style was stored, the plan opened without the dock). QGIS reads the map once per drawing (a static node).
GRID_FILL = f"coalesce(map_get(json_to_map(@{GRID_COLOURS}), \"code\"), '{UNKNOWN_FILL}')"
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


def _grid_renderer() -> QgsSingleSymbolRenderer:
    """One symbol whose fill is looked up by code in the layer's colour map (:data:`GRID_FILL`)."""
    symbol = _fill(UNKNOWN_FILL, GRID_EDGE, 0.3)
    symbol.symbolLayer(0).setDataDefinedProperty(QgsSymbolLayer.PropertyFillColor, QgsProperty.fromExpression(GRID_FILL))
    return QgsSingleSymbolRenderer(symbol)


def _styled_by_map(layer: QgsVectorLayer) -> bool:
    """Whether the grids are filled from the colour map (not a style stored before, categorised by code)."""
    renderer = layer.renderer()
    if not isinstance(renderer, QgsSingleSymbolRenderer) or renderer.symbol() is None:
        return False
    fill = renderer.symbol().symbolLayer(0).dataDefinedProperties().property(QgsSymbolLayer.PropertyFillColor)
    return fill.isActive() and fill.expressionString() == GRID_FILL


def drawn_colours(layer: QgsVectorLayer) -> dict[str, str]:
    """Grid code → the fill colour the layer's colour map gives it (empty when it has none)."""
    stored = QgsExpressionContextUtils.layerScope(layer).variable(GRID_COLOURS)
    try:
        colours = json.loads(stored) if isinstance(stored, str) else {}
    except ValueError:
        return {}
    return colours if isinstance(colours, dict) else {}


def _set_colours(layer: QgsVectorLayer, colours: dict[str, str]) -> None:
    text = json.dumps({code: QColor(colour).name() for code, colour in sorted(colours.items())}, ensure_ascii=False)
    QgsExpressionContextUtils.setLayerVariable(layer, GRID_COLOURS, text)


def style_grids(layer: QgsVectorLayer, colours: dict[str, str] | None = None) -> None:
    """Filled by code from the colour map ``colours`` (neighbours differ), labelled like the wall chart."""
    _set_colours(layer, colours or {})
    layer.setRenderer(_grid_renderer())
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
    """Re-colour the grids after edits (new codes, new neighbours); True when anything changed.

    Only the layer's colour map changes, the renderer stays: replacing a renderer of a category per grid held
    the GUI thread 0.15-0.55 s on a plan of 3,373 grids (QGIS rebuilt the legend of every category). A layer
    styled otherwise (a plan whose stored style is categorised by code, from before) is styled anew.
    """
    if not _styled_by_map(layer):
        style_grids(layer, colours)
        return True
    if drawn_colours(layer) == {code: QColor(colour).name() for code, colour in colours.items()}:
        return False
    _set_colours(layer, colours)
    layer.triggerRepaint()
    return True


def style_communities(layer: QgsVectorLayer) -> None:
    """No fill, heavy purple outline, the community name."""
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
