"""Map tools of the editing dock: pick blocks (click or drag a box, with the live preview beside the cursor),
draw a split line."""

from __future__ import annotations

import time

from qgis.core import QgsFeatureRequest, QgsGeometry, QgsPointXY, QgsRectangle, QgsVectorLayer, QgsWkbTypes
from qgis.gui import QgsMapTool, QgsRubberBand
from qgis.PyQt.QtCore import QPoint, Qt, pyqtSignal
from qgis.PyQt.QtGui import QColor

from .overlay import PreviewOverlay

__all__ = ["BlockPickTool", "LineTool", "blocks_at"]

_DRAG_PX = 4
#: Least time (s) between two previews while a box is dragged.
_PREVIEW_S = 0.15


def blocks_at(layer: QgsVectorLayer, area: QgsGeometry) -> list[str]:
    """``block_id`` of the blocks of ``layer`` that ``area`` (layer CRS) hits: a point picks the block
    it lies in; a box picks every block whose inside point lies in it."""
    request = QgsFeatureRequest().setFilterRect(area.boundingBox())
    point = area.type() == QgsWkbTypes.PointGeometry
    out = []
    for feature in layer.getFeatures(request):
        geom = feature.geometry()
        if point and geom.contains(area):
            out.append(str(feature["block_id"]))
        elif not point and area.contains(geom.pointOnSurface()):
            out.append(str(feature["block_id"]))
    return out


class BlockPickTool(QgsMapTool):
    """Click a block, or drag a box over blocks; emits their ids.

    While a box is dragged, :meth:`show_preview` puts the dock's preview of the move beside the cursor
    (a :class:`~gridkit_qgis.gui.overlay.PreviewOverlay`); it is taken off the canvas when the button is
    released, on Escape and when the tool is put away.
    """

    picked = pyqtSignal(list)
    #: While a box is dragged: the blocks it would pick (emitted when that set changes, at most every 150 ms).
    dragging = pyqtSignal(list)

    def __init__(self, canvas, blocks_layer: QgsVectorLayer) -> None:  # noqa: ANN001
        super().__init__(canvas)
        self.blocks_layer = blocks_layer
        self._start: QPoint | None = None
        self._boxing = False
        self._cursor = QgsPointXY()
        self._last_preview = 0.0
        self._previewed: list[str] = []
        self.overlay: PreviewOverlay | None = None
        self._band = QgsRubberBand(canvas, QgsWkbTypes.PolygonGeometry)
        self._band.setColor(QColor(31, 119, 180, 60))
        self._band.setStrokeColor(QColor(31, 119, 180))
        self._band.setWidth(1)
        self.setCursor(Qt.PointingHandCursor)

    @property
    def is_dragging(self) -> bool:
        """A box is being dragged (the button is down and has moved)."""
        return self._start is not None and self._boxing

    def show_preview(self, lines: list[tuple[str, str]]) -> None:
        """Show the preview's lines (text, bound state) beside the cursor; ignored once the drag has ended."""
        if not self.is_dragging:
            return
        if self.overlay is None:
            self.overlay = PreviewOverlay(self.canvas())
        self.overlay.set_lines(self._cursor, lines)

    def _hide_preview(self) -> None:
        if self.overlay is not None:
            self.overlay.remove()
            self.overlay = None

    def _end_drag(self) -> None:
        self._start = None
        self._boxing = False
        self._previewed = []
        self._band.reset(QgsWkbTypes.PolygonGeometry)
        self._hide_preview()

    def canvasPressEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt API
        if event.button() == Qt.LeftButton:
            self._end_drag()
            self._start = event.pos()
            self._last_preview = 0.0

    def canvasMoveEvent(self, event) -> None:  # noqa: ANN001, N802
        if self._start is None:
            return
        if (event.pos() - self._start).manhattanLength() > _DRAG_PX:
            a = self.toMapCoordinates(self._start)
            b = self.toMapCoordinates(event.pos())
            self._boxing = True
            self._cursor = b
            self._band.setToGeometry(QgsGeometry.fromRect(QgsRectangle(a, b)), None)
            if self.overlay is not None:
                self.overlay.move_to(b)
            now = time.monotonic()
            if now - self._last_preview >= _PREVIEW_S:
                self._last_preview = now
                la = self.toLayerCoordinates(self.blocks_layer, a)
                lb = self.toLayerCoordinates(self.blocks_layer, b)
                ids = blocks_at(self.blocks_layer, QgsGeometry.fromRect(QgsRectangle(la, lb)))
                if ids != self._previewed:
                    self._previewed = ids
                    if not ids:
                        self._hide_preview()
                    self.dragging.emit(ids)

    def canvasReleaseEvent(self, event) -> None:  # noqa: ANN001, N802
        if self._start is None or event.button() != Qt.LeftButton:
            return
        start = self._start
        self._end_drag()
        if (event.pos() - start).manhattanLength() > _DRAG_PX:
            a = self.toLayerCoordinates(self.blocks_layer, self.toMapCoordinates(start))
            b = self.toLayerCoordinates(self.blocks_layer, self.toMapCoordinates(event.pos()))
            area = QgsGeometry.fromRect(QgsRectangle(a, b))
        else:
            area = QgsGeometry.fromPointXY(QgsPointXY(self.toLayerCoordinates(self.blocks_layer, event.pos())))
        ids = blocks_at(self.blocks_layer, area)
        if ids:
            self.picked.emit(ids)

    def keyPressEvent(self, event) -> None:  # noqa: ANN001, N802
        if event.key() == Qt.Key_Escape:
            self._end_drag()  # the drag is cancelled: nothing moves

    def deactivate(self) -> None:
        self._end_drag()
        super().deactivate()


class LineTool(QgsMapTool):
    """Left click adds points, right click (or double click) ends the line; emits it in ``layer``'s CRS."""

    drawn = pyqtSignal(object)

    def __init__(self, canvas, layer: QgsVectorLayer) -> None:  # noqa: ANN001
        super().__init__(canvas)
        self.layer = layer
        self._points: list[QgsPointXY] = []
        self._band = QgsRubberBand(canvas, QgsWkbTypes.LineGeometry)
        self._band.setColor(QColor(214, 39, 40))
        self._band.setWidth(2)
        self.setCursor(Qt.CrossCursor)

    def canvasReleaseEvent(self, event) -> None:  # noqa: ANN001, N802
        if event.button() == Qt.LeftButton:
            self._points.append(self.toMapCoordinates(event.pos()))
            self._band.addPoint(self._points[-1])
        elif event.button() == Qt.RightButton:
            self.finish()

    def canvasDoubleClickEvent(self, event) -> None:  # noqa: ANN001, N802
        self.finish()

    def canvasMoveEvent(self, event) -> None:  # noqa: ANN001, N802
        if self._points:
            self._band.movePoint(self.toMapCoordinates(event.pos()))

    def keyPressEvent(self, event) -> None:  # noqa: ANN001, N802
        if event.key() == Qt.Key_Escape:
            self.clear()

    def clear(self) -> None:
        self._points = []
        self._band.reset(QgsWkbTypes.LineGeometry)

    def finish(self) -> None:
        points = [self.toLayerCoordinates(self.layer, p) for p in self._points]
        self.clear()
        if len(points) >= 2:
            self.drawn.emit(QgsGeometry.fromPolylineXY(points))

    def deactivate(self) -> None:
        self.clear()
        super().deactivate()
