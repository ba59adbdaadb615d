"""The live preview on the map: a box beside the cursor while blocks are dragged into a grid.

As in the North Road redistricting plugin (a ``QgsMapCanvasItem`` drawing population
statistics on the canvas), the households the receiving and every giving grid would
have are drawn next to the cursor, before → after, red for a grid that would go over
its maximum and orange for one that would fall under its minimum (the states are the
library's, :func:`gridkit.checks.bound_state`, sent with the preview).
"""

from __future__ import annotations

from typing import Any

from qgis.core import QgsPointXY
from qgis.gui import QgsMapCanvasItem
from qgis.PyQt.QtCore import QPointF, QRectF
from qgis.PyQt.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen

from ..i18n import tr
from .gridtable import ERROR_COLOUR, WARNING_COLOUR

__all__ = ["PreviewOverlay", "preview_lines", "STATE_COLOURS"]

#: Text colour of a grid line by its bound state after the move (others: the overlay's text colour).
STATE_COLOURS = {"over_max": ERROR_COLOUR, "under_min": WARNING_COLOUR}
_OFFSET_PX = QPointF(18.0, 18.0)  # from the cursor to the box's top left corner
_PAD_PX = 6.0
_BACKGROUND = QColor(255, 255, 255, 230)
_FRAME = QColor(60, 60, 60)
_TEXT = QColor(20, 20, 20)


def _short(code: str) -> str:
    return code[-3:] if len(code) > 3 else code


def preview_lines(preview: dict[str, Any], names: dict[int, str] | None = None) -> list[tuple[str, str]]:
    """The overlay's lines for a worker preview (``gridkit.edits.Editor.preview_move``): a heading, then
    the receiving grid and each giving grid as ``(text, state)``; ``names``: grid names by feature id."""
    names = names or {}
    grids = preview["grids"]
    target = int(preview["target"])
    emptied = set(preview.get("emptied", []))
    out = [(tr("{n} block(s) into grid {code}").format(n=int(preview.get("moving", 0)),
                                                       code=_short(grids[target]["code"])), "")]
    order = [target] + sorted((f for f in grids if f != target), key=lambda f: str(grids[f]["code"]))
    for fid in order:
        v = grids[fid]
        label = f"{_short(v['code'])} {names.get(fid, '')}".strip()
        role = "+" if fid == target else "−"
        text = tr("{role} {grid}: {before} → {after} households").format(role=role, grid=label, before=v["before"],
                                                                         after=v["after"])
        if fid in emptied:
            text += " " + tr("(emptied: deleted)")
        elif v.get("state") == "over_max":
            text += " " + tr("(over the maximum)")
        elif v.get("state") == "under_min":
            text += " " + tr("(under the minimum)")
        out.append((text, "" if fid in emptied else str(v.get("state", ""))))
    return out


class PreviewOverlay(QgsMapCanvasItem):
    """A box of text lines anchored at a map point (the cursor), drawn above the map."""

    def __init__(self, canvas) -> None:  # noqa: ANN001
        super().__init__(canvas)
        self.canvas = canvas
        self.lines: list[tuple[str, str]] = []
        self.anchor = QgsPointXY()
        self._font = QFont(canvas.font())
        self._size = QRectF()
        self.setZValue(1000)

    def set_lines(self, anchor: QgsPointXY, lines: list[tuple[str, str]]) -> None:
        """Show ``lines`` (text, bound state) beside map point ``anchor``."""
        metrics = QFontMetricsF(self._font)
        width = max((QFontMetricsF(self._line_font(i, state)).horizontalAdvance(text)
                     for i, (text, state) in enumerate(lines)), default=0.0)
        self.prepareGeometryChange()
        self.lines = list(lines)
        self._size = QRectF(_OFFSET_PX.x(), _OFFSET_PX.y(), width + 2 * _PAD_PX,
                            metrics.height() * len(lines) + 2 * _PAD_PX)
        self.move_to(anchor)

    def _line_font(self, index: int, state: str) -> QFont:
        """The heading and the lines of grids out of bounds are bold."""
        font = QFont(self._font)
        font.setBold(index == 0 or state in STATE_COLOURS)
        return font

    def move_to(self, anchor: QgsPointXY) -> None:
        self.anchor = QgsPointXY(anchor)
        self.updatePosition()
        self.update()

    def updatePosition(self) -> None:  # noqa: N802 - QgsMapCanvasItem API (the extent changed)
        self.setPos(self.toCanvasCoordinates(self.anchor))

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        return self._size.adjusted(-1, -1, 1, 1)

    def paint(self, painter, option=None, widget=None) -> None:  # noqa: ANN001 - Qt API
        if not self.lines:
            return
        painter.save()
        painter.setRenderHint(QPainter.Antialiasing, True)
        painter.setPen(QPen(_FRAME, 1))
        painter.setBrush(QBrush(_BACKGROUND))
        painter.drawRoundedRect(self._size, 4, 4)
        metrics = QFontMetricsF(self._font)
        y = self._size.top() + _PAD_PX + metrics.ascent()
        for i, (text, state) in enumerate(self.lines):
            painter.setFont(self._line_font(i, state))
            painter.setPen(QPen(STATE_COLOURS.get(state, _TEXT)))
            painter.drawText(QPointF(self._size.left() + _PAD_PX, y), text)
            y += metrics.height()
        painter.restore()

    def remove(self) -> None:
        """Take the overlay off the canvas."""
        scene = self.canvas.scene() if self.canvas is not None else None
        if scene is not None and self.scene() is scene:
            scene.removeItem(self)
        self.lines = []

