"""The dock's grid table as a Qt model: rows change one by one, nothing is rebuilt.

A ``QTableWidget`` filled item by item (with its header resizing to contents on
every item) froze QGIS for seconds after each edit of a 150-grid plan. This
model holds one tuple of display values per grid; an update compares them with
the last ones and tells the view which rows changed (``dataChanged``), which
were removed and which inserted, so the view repaints only those.
"""

from __future__ import annotations

from typing import Any

from qgis.PyQt.QtCore import QAbstractTableModel, QModelIndex, Qt
from qgis.PyQt.QtGui import QBrush, QColor, QFont
from qgis.PyQt.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from ..i18n import tr

__all__ = ["GridTableModel", "GridTable", "COLUMNS", "ERROR_COLOUR", "WARNING_COLOUR", "ACCEPTED_COLOUR"]

ERROR_COLOUR = QColor(214, 39, 40)
WARNING_COLOUR = QColor(196, 120, 0)
ACCEPTED_COLOUR = QColor(110, 110, 110)

#: (key, header) of each column; the code column shows the grid's serial (the full code in its tooltip),
#: so a narrow dock still shows the name and the households.
COLUMNS = ("serial", "name", "households", "buildings", "area_m2", "managers", "promoters", "locked")


def _headers() -> list[str]:
    return [tr("Grid"), tr("Name"), tr("Households"), tr("Buildings"), tr("Area (m²)"), tr("Grid managers"),
            tr("Harmony promoters"), tr("Locked")]


class GridTableModel(QAbstractTableModel):
    """One row per grid (feature id), sorted by code."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.fids: list[int] = []
        self.rows: list[tuple] = []
        self.codes: list[str] = []
        self.state: list[str] = []  # "", "error", "warning", "accepted": how the households cell is shown
        self.tips: list[str] = []  # why (the households cell's tooltip)
        self.headers = _headers()

    # ------------------------------------------------------------------ Qt API

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        return 0 if parent.isValid() else len(self.fids)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Horizontal and role == Qt.DisplayRole and 0 <= section < len(self.headers):
            return self.headers[section]
        return None

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        value = self.rows[r][c]
        if role == Qt.DisplayRole:
            return value
        if role == Qt.UserRole:
            return self.fids[r]
        if role == Qt.ToolTipRole and c == 0:
            return self.codes[r]
        if role == Qt.ToolTipRole and c == 2:
            return self.tips[r] or None
        if role == Qt.TextAlignmentRole and isinstance(value, (int, float)):
            return int(Qt.AlignRight | Qt.AlignVCenter)
        if c == 2 and self.state[r]:
            if role == Qt.ForegroundRole:
                return QBrush({"error": ERROR_COLOUR, "warning": WARNING_COLOUR,
                               "accepted": ACCEPTED_COLOUR}[self.state[r]])
            if role == Qt.FontRole and self.state[r] == "accepted":
                font = QFont()
                font.setItalic(True)
                return font
        return None

    # ------------------------------------------------------------------ updates

    def update(self, fids: list[int], rows: list[tuple], codes: list[str], state: list[str],
               tips: list[str] | None = None) -> int:
        """Show these rows (already sorted); returns how many rows were repainted, inserted or removed."""
        tips = tips if tips is not None else ["" for _ in fids]
        old = {f: i for i, f in enumerate(self.fids)}
        new_set = set(fids)
        kept_old = [f for f in self.fids if f in new_set]
        kept_new = [f for f in fids if f in old]
        if kept_old != kept_new:  # rows moved (codes changed order): one reset is simplest
            self.beginResetModel()
            self.fids, self.rows, self.codes, self.state = list(fids), list(rows), list(codes), list(state)
            self.tips = list(tips)
            self.endResetModel()
            return len(fids)
        touched = 0
        for i in range(len(self.fids) - 1, -1, -1):
            if self.fids[i] not in new_set:
                self.beginRemoveRows(QModelIndex(), i, i)
                for column in (self.fids, self.rows, self.codes, self.state, self.tips):
                    del column[i]
                self.endRemoveRows()
                touched += 1
        for i, f in enumerate(fids):
            if i < len(self.fids) and self.fids[i] == f:
                if (self.rows[i], self.codes[i], self.state[i], self.tips[i]) != (rows[i], codes[i], state[i], tips[i]):
                    self.rows[i], self.codes[i], self.state[i], self.tips[i] = rows[i], codes[i], state[i], tips[i]
                    self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))
                    touched += 1
                continue
            self.beginInsertRows(QModelIndex(), i, i)
            self.fids.insert(i, f)
            self.rows.insert(i, rows[i])
            self.codes.insert(i, codes[i])
            self.state.insert(i, state[i])
            self.tips.insert(i, tips[i])
            self.endInsertRows()
            touched += 1
        return touched

    def clear(self) -> None:
        self.update([], [], [], [], [])

    def row_of(self, fid: int) -> int:
        try:
            return self.fids.index(fid)
        except ValueError:
            return -1


class GridTable(QTableView):
    """The grid table's view: whole rows selected, fixed-width columns (no resizing to contents per item)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.grid_model = GridTableModel(self)
        self.setModel(self.grid_model)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.setStretchLastSection(True)
        width = self.fontMetrics().averageCharWidth()
        labels = header.fontMetrics()
        for column, chars in enumerate((6, 14, 8, 7, 9, 6, 6, 5)):
            # As wide as its values or its header, whichever is wider ('Households' was cut to 'ouseholds').
            title = str(self.grid_model.headerData(column, Qt.Horizontal))
            self.setColumnWidth(column, max(width * chars + 12, labels.horizontalAdvance(title) + 16))

    def rowCount(self) -> int:  # noqa: N802 - as QTableWidget
        return self.grid_model.rowCount()
