"""The division scheme report (划分方案): tables of communities and grids, a
summary with the plan's invariants and scores, the changes against the
existing plan, and the maps; as XLSX, self-contained HTML or PDF.

Each grid and community lists its boundary streets: the named roads of the
plan's ``roads`` layer that run within ``tolerance`` metres (3 m) of its
boundary for at least ``min_length`` metres (15 m, so a street that only
crosses the boundary does not count), longest first.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import InputError
from .io.write import MADE_BY, atomic_path
from .maps import RC, sheet_figure, sheet_png
from .maps.data import map_data
from .maps.text import fitting_size, text_em
from .plan_units import FLAG_NAMES, area_name, flag_names, plan_communities
from .roster import staff_by_grid

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_pdf import PdfPages
    
    from .plan import Plan

__all__ = [
    "CHANGE_NAMES",
    "Column",
    "LEVEL_NAMES",
    "METRIC_NAMES",
    "Report",
    "Table",
    "boundary_streets",
    "build_report",
    "changes_table",
    "community_table",
    "grid_table",
    "metrics_table",
    "summary_table",
    "write_report",
]

BASE_GRID_COLUMNS = ("code", "name", "community_code", "group_code", "households", "population", "buildings",
                     "area_m2", "locked", "flags", "geometry")
BASE_COMMUNITY_COLUMNS = ("code", "name", "households", "population", "buildings", "grids", "area_m2", "geometry")
#: Chinese headers of known columns; other columns keep their own name.
HEADERS = {
    "code": "编码", "name": "名称", "community_code": "社区编码", "community_name": "社区名称",
    "group_code": "居民小组编码", "households": "户数", "population": "人口", "buildings": "建筑数",
    "grids": "网格数", "area_m2": "面积(㎡)", "boundary_streets": "边界道路", "locked": "锁定", "flags": "标记",
    "responsible_persons": "网格负责人(人)", "grid_managers_min": "网格员下限(人)",
    "grid_managers_max": "网格员上限(人)", "harmony_promoters_min": "和谐促进员下限(人)",
    "harmony_promoters_max": "和谐促进员上限(人)", "community_workers": "社区工作者(人)",
    "office_m2": "办公服务用房(㎡)", "staff": "网格员", "staff_roles": "职务", "staff_phones": "联系电话",
    "staff_count": "名册人数", "groups": "居民小组数",
    "level": "层级", "change": "变更", "old_code": "原编码", "new_code": "新编码", "old_name": "原名称",
    "new_name": "新名称", "households_moved": "涉及户数", "buildings_moved": "涉及建筑",
    "old_households": "原户数", "new_households": "新户数",
}
CHANGE_NAMES = {"unchanged": "未变", "changed": "调整", "split": "拆分", "merged": "合并",
                "split+merged": "拆分并合并", "added": "新增", "removed": "撤销"}
LEVEL_NAMES = {"grid": "网格", "community": "社区", "group": "居民小组", "street": "街道", "plan": "方案"}
METRIC_NAMES = {
    "valid_geometry": "几何有效", "coverage": "覆盖完整", "overlap": "无重叠", "assignment": "建筑全部归属",
    "building_integrity": "建筑不被切分",
    "contiguity": "网格连通", "barriers": "不跨障碍", "within_bounds": "户数在上下限内的网格比例",
    "max_overshoot": "最大超上限比例", "balance_cv": "户数变异系数", "grid_count_ratio": "网格数/理想网格数",
    "road_following": "边界沿路比例", "major_road_share": "边界沿主干道比例",
    "road_following_where_possible": "可沿路处沿路比例", "cut_cost": "切分代价", "compactness": "平均紧凑度",
    "compactness_min": "最小紧凑度", "nesting": "层级嵌套", "community_contiguity": "社区连通",
    "stability": "与现状方案相比单元未变的户数比例", "input_buildings_missing": "输入中未入方案的建筑",
    "input_buildings_unknown": "方案中不在输入里的建筑",
}


@dataclass
class Column:
    key: str
    header: str
    kind: str  # "code", "text", "int", "float", "metric", "bool"


@dataclass
class Table:
    """A titled table: typed columns over a frame keyed by ``Column.key``."""

    name: str  # sheet name
    title: str
    columns: list[Column]
    frame: pd.DataFrame
    note: str = ""

    def kind(self, row: int, col: Column) -> str:
        """The column's kind, or for a ``mixed`` column the row's own (in the frame's ``kind``)."""
        return str(self.frame["kind"].iat[row]) if col.kind == "mixed" else col.kind

    def cell(self, row: int, col: Column) -> str:
        return _format(self.frame[col.key].iat[row], self.kind(row, col))


@dataclass
class Report:
    title: str
    area: str
    summary: Table
    communities: Table
    grids: Table
    changes: Table | None
    created: str
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- tables


def boundary_streets(geoms: np.ndarray, roads: gpd.GeoDataFrame | None, *, tolerance: float = 3.0,
                     min_length: float = 15.0) -> list[list[str]]:
    """Names of the roads along each polygon's boundary, longest first.

    Parameters
    ----------
    geoms : array of polygons
    roads : GeoDataFrame
        Lines with a ``name`` column (the plan's ``roads`` layer).
    tolerance : float
        How far from the boundary (m) a road may run.
    min_length : float
        Metres of a road within the band for it to count.
    """
    from .names import boundary_streets as named_roads_along

    if roads is None:
        return [[] for _ in range(len(geoms))]
    found = named_roads_along(np.asarray(geoms), roads, tolerance)
    return [[name for name, length in roads_here if length >= min_length] for roads_here in found]


def _numeric_kind(series: pd.Series) -> str:
    values = pd.to_numeric(series, errors="coerce")
    if values.isna().all() and series.notna().any():
        return "text"
    finite = values.dropna()
    return "int" if len(finite) == 0 or np.allclose(finite, finite.round()) else "float"


def _blank(series: pd.Series) -> bool:
    """All missing, empty text, or all false."""
    values = series.dropna()
    if len(values) == 0:
        return True
    if values.dtype == bool:
        return not values.any()
    return bool((values.astype(str).str.strip().isin(["", "False", "false", "0"])).all())


def _extra_columns(frame: pd.DataFrame, base: tuple[str, ...]) -> list[Column]:
    """Further columns of a layer (staffing and the like), skipping blank ones."""
    cols = []
    for key in frame.columns:
        if key in base or key.startswith("_") or key == "geometry" or _blank(frame[key]):
            continue
        if frame[key].dtype == object or str(frame[key].dtype).startswith(("string", "str")):
            kind = "text" if pd.to_numeric(frame[key], errors="coerce").isna().any() else _numeric_kind(frame[key])
        elif frame[key].dtype == bool:
            kind = "bool"
        else:
            kind = _numeric_kind(frame[key])
        cols.append(Column(key, HEADERS.get(key, key), kind))
    return cols


def _staff_columns(frame: pd.DataFrame, codes: pd.Series, staff: dict[str, list[dict[str, str]]]) -> None:
    people = [staff.get(c, []) for c in codes]
    frame["staff"] = ["、".join(p["name"] for p in ps) for ps in people]
    frame["staff_roles"] = ["、".join(p["role"] for p in ps if p["role"]) for ps in people]
    frame["staff_phones"] = ["、".join(p["phone"] for p in ps if p["phone"]) for ps in people]


def grid_table(plan: Plan, roster: pd.DataFrame | None = None) -> Table:
    """One row per grid: codes, names, counts, area, boundary streets, staffing and staff."""
    grids = plan.grids.reset_index(drop=True)
    comms = plan_communities(plan)
    frame = pd.DataFrame({
        "code": grids["code"].astype(str),
        "name": grids["name"].fillna("").astype(str),
        "community_code": grids["community_code"].fillna("").astype(str),
    })
    frame["community_name"] = frame["community_code"].map(dict(zip(comms["code"], comms["name"], strict=True)))
    cols = [Column("code", "网格编码", "code"), Column("name", "网格名称", "text"),
            Column("community_code", "社区编码", "code"), Column("community_name", "社区名称", "text")]
    if "group_code" in grids and (grids["group_code"].fillna("").astype(str) != "").any():
        frame["group_code"] = grids["group_code"].fillna("").astype(str)
        cols.append(Column("group_code", "居民小组编码", "code"))
    for key in ("households", "population", "buildings"):
        frame[key] = pd.to_numeric(grids[key], errors="coerce").fillna(0).round().astype(int)
        cols.append(Column(key, HEADERS[key], "int"))
    frame["area_m2"] = pd.to_numeric(grids["area_m2"], errors="coerce") if "area_m2" in grids \
        else shapely.area(grids.geometry.values)
    cols.append(Column("area_m2", HEADERS["area_m2"], "float"))
    frame["boundary_streets"] = ["、".join(s) for s in boundary_streets(grids.geometry.values, plan.roads)]
    cols.append(Column("boundary_streets", HEADERS["boundary_streets"], "text"))
    for col in _extra_columns(grids, BASE_GRID_COLUMNS):
        frame[col.key] = grids[col.key].to_numpy()
        cols.append(col)
    if roster is not None:
        _staff_columns(frame, frame["code"], staff_by_grid(roster))
        cols += [Column("staff", HEADERS["staff"], "text"), Column("staff_roles", HEADERS["staff_roles"], "text"),
                 Column("staff_phones", HEADERS["staff_phones"], "text")]
    flags = grids["flags"].fillna("").astype(str) if "flags" in grids else pd.Series([""] * len(grids))
    frame["flags"] = [", ".join(flag_names(f)) for f in flags]
    cols.append(Column("flags", HEADERS["flags"], "text"))
    if "locked" in grids and grids["locked"].fillna(False).astype(bool).any():
        frame["locked"] = grids["locked"].fillna(False).astype(bool)
        cols.append(Column("locked", HEADERS["locked"], "bool"))
    return Table("网格", "网格划分表", cols, frame)


def community_table(plan: Plan, roster: pd.DataFrame | None = None) -> Table:
    """One row per community: counts, area, boundary streets, staffing."""
    comms = plan_communities(plan)
    frame = pd.DataFrame({"code": comms["code"].astype(str), "name": comms["name"].astype(str)})
    cols = [Column("code", "社区编码", "code"), Column("name", "社区名称", "text")]
    for key in ("grids", "households", "population", "buildings"):
        frame[key] = pd.to_numeric(comms[key], errors="coerce").fillna(0).round().astype(int)
        cols.append(Column(key, HEADERS[key], "int"))
    frame["area_m2"] = pd.to_numeric(comms["area_m2"], errors="coerce")
    cols.append(Column("area_m2", HEADERS["area_m2"], "float"))
    frame["boundary_streets"] = ["、".join(s) for s in boundary_streets(comms.geometry.values, plan.roads)]
    cols.append(Column("boundary_streets", HEADERS["boundary_streets"], "text"))
    for col in _extra_columns(comms, BASE_COMMUNITY_COLUMNS + ("locked", "flags")):
        frame[col.key] = comms[col.key].to_numpy()
        cols.append(col)
    if "flags" in comms and not _blank(comms["flags"]):
        frame["flags"] = [", ".join(flag_names(f)) for f in comms["flags"].fillna("")]
        cols.append(Column("flags", HEADERS["flags"], "text"))
    if "locked" in comms and not _blank(comms["locked"]):
        frame["locked"] = comms["locked"].fillna(False).astype(bool).to_numpy()
        cols.append(Column("locked", HEADERS["locked"], "bool"))
    if roster is not None:
        cc = plan.grids.set_index(plan.grids["code"].astype(str))["community_code"].astype(str)
        per = pd.Series(roster["grid_code"].map(cc)).value_counts()
        frame["staff_count"] = frame["code"].map(per).fillna(0).astype(int)
        cols.append(Column("staff_count", HEADERS["staff_count"], "int"))
    return Table("社区", "社区划分表", cols, frame)


def metrics_table(plan: Plan) -> Table:
    """The plan's invariants and scores (the ``metrics`` layer without details)."""
    m = plan.metrics.copy()
    if "kind" not in m:
        m["kind"] = "score"
    if "passed" not in m:
        m["passed"] = ""
    m = m[m["kind"].isin(["invariant", "score"])].copy()
    m["kind"] = pd.Categorical(m["kind"], ["invariant", "score"])
    m = m.sort_values(["kind", "level"], kind="stable")
    frame = pd.DataFrame({
        "kind": m["kind"].map({"invariant": "不变量", "score": "评分"}).astype(str),
        "level": m["level"].astype(str).map(lambda v: LEVEL_NAMES.get(v, v)),
        "metric": m["name"].astype(str),
        "label": m["name"].astype(str).map(lambda v: METRIC_NAMES.get(v, "")),
        "value": pd.to_numeric(m["value"], errors="coerce"),
        "passed": m["passed"].fillna("").astype(str).map({"yes": "通过", "no": "未通过"}).fillna(""),
    })
    cols = [Column("kind", "类别", "text"), Column("level", "层级", "text"), Column("metric", "指标", "text"),
            Column("label", "说明", "text"), Column("value", "值", "metric"), Column("passed", "结果", "text")]
    return Table("指标", "不变量与评分", cols, frame.reset_index(drop=True))


def summary_table(plan: Plan, roster: pd.DataFrame | None = None) -> Table:
    """Key figures: the run, totals and counts, staffing totals, invariants passed."""
    grids = plan.grids
    comms = plan_communities(plan)
    hh = pd.to_numeric(grids["households"], errors="coerce").fillna(0)
    rows: list[tuple[str, str, object, str, str]] = []

    def add(section: str, item: str, value: object, kind: str = "text", passed: str = "") -> None:
        rows.append((section, item, value, kind, passed))

    add("方案", "区域", area_name(plan))
    add("方案", "输入数据", plan.run_value("input"))
    add("方案", "生成时间", plan.run_value("created"))
    add("方案", "gridkit 版本", plan.run_value("gridkit_version"))
    add("方案", "配置", plan.run_value("profile_name"))
    add("方案", "随机种子", plan.run_value("seed"))
    add("方案", "坐标系", plan.run_value("crs_name") or plan.run_value("crs"))
    add("合计", "社区数", len(comms), "int")
    groups = getattr(plan, "groups", None)
    if groups is not None and len(groups):
        add("合计", "居民小组数", len(groups), "int")
    add("合计", "网格数", len(grids), "int")
    add("合计", "户数", int(hh.sum()), "int")
    add("合计", "人口", int(pd.to_numeric(grids["population"], errors="coerce").fillna(0).sum()), "int")
    add("合计", "建筑数", int(pd.to_numeric(grids["buildings"], errors="coerce").fillna(0).sum()), "int")
    add("合计", "面积(㎡)", float(shapely.area(grids.geometry.values).sum()), "float")
    if len(grids):
        add("合计", "每网格户数 最少", int(hh.min()), "int")
        add("合计", "每网格户数 平均", float(hh.mean()), "float")
        add("合计", "每网格户数 最多", int(hh.max()), "int")
    flags = grids["flags"].fillna("").astype(str) if "flags" in grids else pd.Series([], dtype=str)
    add("合计", "标记网格数", int((flags != "").sum()), "int")
    for flag, label in FLAG_NAMES.items():
        n = int(flags.str.split(",").map(lambda v, flag=flag: flag in v).sum()) if len(flags) else 0
        if n:
            add("合计", f"  其中 {label}", n, "int")
    for key in ("responsible_persons", "grid_managers_min", "grid_managers_max", "harmony_promoters_min",
                "harmony_promoters_max"):
        if key in grids:
            add("配置", HEADERS[key].replace("(人)", "合计(人)"),
                int(pd.to_numeric(grids[key], errors="coerce").fillna(0).sum()), "int")
    for key in ("community_workers", "office_m2"):
        if key in comms:
            add("配置", HEADERS[key].replace("(", "合计("),
                int(pd.to_numeric(comms[key], errors="coerce").fillna(0).sum()), "int")
    if roster is not None:
        add("配置", "名册人数", len(roster), "int")
        add("配置", "名册覆盖网格数", int(roster["grid_code"].nunique()), "int")
    m = plan.metrics
    if "kind" in m and len(m):
        inv = m[m["kind"] == "invariant"]
        ok = int((inv["passed"] == "yes").sum()) if "passed" in inv else 0
        add("检验", "不变量通过", f"{ok} / {len(inv)}", passed="通过" if ok == len(inv) else "未通过")
    metrics = metrics_table(plan).frame
    for rec in metrics.itertuples(index=False):
        label = f"{rec.label}（{rec.metric}）" if rec.label else rec.metric
        if rec.level not in ("网格", ""):
            label = f"{rec.level}：{label}"
        add(rec.kind, label, rec.value, "metric", rec.passed)
    changes = getattr(plan, "changes", None)
    if changes is not None and len(changes):
        counts = changes["change"].astype(str).value_counts() if "change" in changes else pd.Series(dtype=int)
        add("变更", "对比现状方案", "、".join(f"{CHANGE_NAMES.get(k, k)} {v}" for k, v in counts.items()))
    else:
        add("变更", "对比现状方案", "无（方案未附现状划分）")
    frame = pd.DataFrame(rows, columns=["section", "item", "value", "kind", "passed"])
    cols = [Column("section", "类别", "text"), Column("item", "项目", "text"), Column("value", "数值", "mixed"),
            Column("passed", "结果", "text")]
    return Table("汇总", "汇总：合计、不变量与评分", cols, frame)


def changes_table(plan: Plan) -> Table | None:
    """The plan's ``changes`` layer (against the existing division), or None."""
    changes = getattr(plan, "changes", None)
    if changes is None or len(changes) == 0:
        return None
    frame = pd.DataFrame(changes).drop(columns=["geometry"], errors="ignore").reset_index(drop=True)
    cols = []
    for key in frame.columns:
        if key in ("level",):
            frame[key] = frame[key].astype(str).map(lambda v: LEVEL_NAMES.get(v, v))
            kind = "text"
        elif key == "change":
            frame[key] = frame[key].astype(str).map(lambda v: CHANGE_NAMES.get(v, v))
            kind = "text"
        elif key.endswith("_code"):
            frame[key] = frame[key].fillna("").astype(str)
            kind = "code"
        elif frame[key].dtype == object:
            kind = "text" if pd.to_numeric(frame[key], errors="coerce").isna().any() else _numeric_kind(frame[key])
        else:
            kind = _numeric_kind(frame[key])
        cols.append(Column(key, HEADERS.get(key, key), kind))
    return Table("变更", "与现状方案的变更", cols, frame)


def build_report(plan: Plan, roster: pd.DataFrame | None = None) -> Report:
    """Every table of the report."""
    name = area_name(plan)
    return Report(
        title=f"{name} 社区与网格划分方案",
        area=name,
        summary=summary_table(plan, roster),
        communities=community_table(plan, roster),
        grids=grid_table(plan, roster),
        changes=changes_table(plan),
        created=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
    )


# --------------------------------------------------------------------------- formatting


def _format(value: Any, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if kind == "int":
        try:
            return f"{round(float(value)):,}"
        except (TypeError, ValueError):
            return str(value)
    if kind == "float":
        try:
            return f"{float(value):,.1f}"
        except (TypeError, ValueError):
            return str(value)
    if kind == "metric":
        try:
            return f"{float(value):.4g}"
        except (TypeError, ValueError):
            return str(value)
    if kind == "bool":
        return "是" if bool(value) else ""
    if kind == "mixed":
        if isinstance(value, (int, np.integer)):
            return f"{int(value):,}"
        if isinstance(value, (float, np.floating)):
            return f"{float(value):,.1f}"
    return str(value)


def _display_width(text: str) -> float:
    return sum(2.0 if ord(ch) >= 0x2E80 else 1.0 for ch in str(text))


# --------------------------------------------------------------------------- XLSX


def _write_xlsx(report: Report, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.worksheets[0])  # the empty sheet a new workbook starts with
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="D5D8DC")
    formats = {"int": "#,##0", "float": "#,##0.0", "metric": "General", "code": "@", "text": "@"}
    tables = [report.summary, report.communities, report.grids]
    if report.changes is not None:
        tables.append(report.changes)
    for table in tables:
        ws = book.create_sheet(table.name)
        ws.append([c.header for c in table.columns])
        for cell in ws[1]:
            cell.font = header_font
            cell.fill = header_fill
            cell.alignment = Alignment(vertical="center")
        widths = [_display_width(c.header) for c in table.columns]
        for r in range(len(table.frame)):
            values = []
            for j, col in enumerate(table.columns):
                v = table.frame[col.key].iat[r]
                kind = table.kind(r, col)
                if v is None or (isinstance(v, float) and math.isnan(v)):
                    v = None
                elif kind == "int":
                    v = round(float(v))
                elif kind in ("float", "metric"):
                    v = float(v)
                elif kind == "bool":
                    v = "是" if bool(v) else ""
                else:
                    v = str(v) or None
                values.append(v)
                widths[j] = max(widths[j], _display_width(_format(v, kind) if v is not None else ""))
            ws.append(values)
            for j, col in enumerate(table.columns):
                kind = table.kind(r, col)
                cell = ws.cell(row=r + 2, column=j + 1)
                if kind in formats and cell.value is not None:
                    cell.number_format = formats[kind]
        for j, w in enumerate(widths):
            ws.column_dimensions[get_column_letter(j + 1)].width = min(max(w + 2, 6), 60)
        ws.freeze_panes = "C2" if table.name in ("网格", "社区") else "A2"
        ws.auto_filter.ref = ws.dimensions
    book.properties.title = report.title
    book.properties.creator = MADE_BY
    book.save(path)


# --------------------------------------------------------------------------- HTML


_CSS = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "Droid Sans Fallback", sans-serif;
       margin: 2em auto; max-width: 1400px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 2px solid #7d3c98; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 3px 7px; vertical-align: top; }
th { background: #eceff1; position: sticky; top: 0; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.code { font-family: "DejaVu Sans Mono", monospace; white-space: nowrap; }
tr:nth-child(even) td { background: #fafafa; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #ccc; }
figcaption { color: #555; font-size: 0.9em; }
.meta { color: #555; }
"""


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(c.header)}</th>" for c in table.columns)
    body = []
    for r in range(len(table.frame)):
        cells = []
        for c in table.columns:
            kind = table.kind(r, c)
            cls = "num" if kind in ("int", "float", "metric") else "code" if kind == "code" else ""
            cells.append(f"<td class=\"{cls}\">{html.escape(_format(table.frame[c.key].iat[r], kind))}</td>"
                         if cls else f"<td>{html.escape(_format(table.frame[c.key].iat[r], kind))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _write_html(report: Report, maps: list[tuple[str, bytes]], path: Path) -> None:
    parts = [(f"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
              f"<meta name=\"generator\" content=\"{MADE_BY}\">"
              f"<title>{html.escape(report.title)}</title><style>{_CSS}</style></head><body>"),
             f"<h1>{html.escape(report.title)}</h1>",
             f"<p class=\"meta\">报告生成 {html.escape(report.created)} · gridkit</p>",
             "<h2>汇总（合计、不变量与评分）</h2>", _html_table(report.summary)]
    for caption, png in maps:
        data = base64.b64encode(png).decode("ascii")
        parts.append(f"<figure><img alt=\"{html.escape(caption)}\" src=\"data:image/png;base64,{data}\">"
                     f"<figcaption>{html.escape(caption)}</figcaption></figure>")
    parts += [f"<h2>{html.escape(report.communities.title)}</h2>", _html_table(report.communities),
              f"<h2>{html.escape(report.grids.title)}（{len(report.grids.frame)} 个）</h2>",
              _html_table(report.grids)]
    if report.changes is not None:
        parts += [f"<h2>{html.escape(report.changes.title)}</h2>", _html_table(report.changes)]
    parts.append("</body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")


# --------------------------------------------------------------------------- PDF


def _wrap(text: str, max_em: float) -> list[str]:
    """Break ``text`` into lines of at most ``max_em`` (CJK one em, others ~0.62), at 、 where possible."""
    if text_em(text) <= max_em:
        return [text]
    lines, current = [], ""
    tokens = [t + "、" for t in text.split("、")]
    tokens[-1] = tokens[-1][:-1]
    for token in tokens:
        if text_em(current + token) <= max_em:
            current += token
            continue
        if current:
            lines.append(current)
            current = ""
        while text_em(token) > max_em:
            cut = 1
            while cut < len(token) and text_em(token[:cut + 1]) <= max_em:
                cut += 1
            lines.append(token[:cut])
            token = token[cut:]
        current = token
    if current:
        lines.append(current)
    return lines


def _pdf_table_pages(pdf: PdfPages, table: Table, font: list[str], area: str, page_no: list[int],
                     landscape: bool = True) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    w_mm, h_mm = (297.0, 210.0) if landscape else (210.0, 297.0)
    margin = 12.0
    usable = w_mm - 2 * margin
    size = 7.0
    rows = [[table.cell(r, c) for c in table.columns] for r in range(len(table.frame))]
    kinds = [c.kind for c in table.columns]
    ems = [max([text_em(c.header)] + [text_em(r[j]) for r in rows]) + 1.2 for j, c in enumerate(table.columns)]
    # Shrink the type, then wrap the widest text columns, until the table is as wide as the page.
    while sum(ems) * size * 25.4 / 72 > usable and size > 5.0:
        size -= 0.25
    em_mm = size * 25.4 / 72
    cap = [e for e in ems]
    while sum(cap) * em_mm > usable:
        j = int(np.argmax([c if kinds[k] == "text" else 0 for k, c in enumerate(cap)]))
        if kinds[j] != "text" or cap[j] <= 8:
            break
        cap[j] = max(8.0, cap[j] - (sum(cap) - usable / em_mm) - 0.5)
    widths = [c * em_mm for c in cap]
    cells = [[_wrap(v, cap[j] - 1.2) if kinds[j] == "text" and cap[j] < ems[j] else [v] for j, v in enumerate(r)]
             for r in rows]
    line_h = size * 1.35 * 25.4 / 72
    pad = 0.8

    def draw_row(ax: Axes, xs: np.ndarray, values: list[list[str]], y: float, header: bool, shade: bool) -> float:
        n = max(len(v) for v in values)
        hgt = n * line_h + 2 * pad
        if header or shade:
            ax.add_patch(Rectangle((margin, y - hgt), sum(widths), hgt,
                                   facecolor="#d5d8dc" if header else "#f2f3f4", edgecolor="none", zorder=0))
        for j, lines in enumerate(values):
            num = kinds[j] in ("int", "float", "metric") and not header
            x = xs[j + 1] - 0.6 * em_mm if num else xs[j] + 0.6 * em_mm
            ax.text(x, y - pad, "\n".join(lines), fontsize=size, family=font, va="top",
                    ha="right" if num else "left", linespacing=1.35)
        return hgt

    top_y = h_mm - margin - 10
    bottom_y = margin + 6
    r = 0
    part = 0
    while r < len(rows) or (part == 0 and not rows):
        fig = Figure(figsize=(w_mm / 25.4, h_mm / 25.4), dpi=72)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, w_mm)
        ax.set_ylim(0, h_mm)
        ax.set_axis_off()
        title = table.title + ("（续）" if part else "")
        heading = f"{area} · {title}"
        ax.text(margin, h_mm - margin, heading, fontsize=fitting_size(heading, 12, usable), family=font, va="top")
        y = top_y
        xs = np.cumsum([margin] + widths)

        y -= draw_row(ax, xs, [[c.header] for c in table.columns], y, True, False)
        k = 0
        while r < len(rows):
            hgt = max(len(v) for v in cells[r]) * line_h + 2 * pad
            if y - hgt < bottom_y and k > 0:
                break
            y -= draw_row(ax, xs, cells[r], y, False, k % 2 == 1)
            r += 1
            k += 1
        if not rows:
            ax.text(margin, y - 4, "（无）", fontsize=size, family=font, va="top")
        page_no[0] += 1
        ax.text(w_mm - margin, margin - 4, f"第 {page_no[0]} 页", fontsize=7, family=font, ha="right")
        ax.text(margin, margin - 4, f"gridkit 划分方案 · {dt.date.today().isoformat()}", fontsize=7, family=font)
        pdf.savefig(fig)
        part += 1
        if not rows:
            break


def _write_pdf(report: Report, plan: Plan, path: Path, roster: pd.DataFrame | None, source: str | None) -> None:
    from matplotlib import rc_context
    from matplotlib.backends.backend_pdf import PdfPages

    data = map_data(plan, roster, source)
    font = data.font
    page_no = [0]
    meta = {"Title": report.title, "Creator": MADE_BY, "Subject": "划分方案"}
    with rc_context(RC), PdfPages(path, metadata=meta) as pdf:
        _pdf_table_pages(pdf, report.summary, font, report.area, page_no, landscape=False)
        sheets = [None] + (list(data.communities["code"]) if len(data.communities) > 1 else [])
        for sheet in sheets:
            page_no[0] += 1
            pdf.savefig(sheet_figure(plan, sheet, paper="A3", page=(page_no[0], None), _data=data))
        _pdf_table_pages(pdf, report.communities, font, report.area, page_no)
        _pdf_table_pages(pdf, report.grids, font, report.area, page_no)
        if report.changes is not None:
            _pdf_table_pages(pdf, report.changes, font, report.area, page_no)


# --------------------------------------------------------------------------- entry point


def write_report(plan: Plan, path: str | Path, *, roster: pd.DataFrame | None = None,
                 source: str | None = None) -> Path:
    """Write the division scheme report to ``.xlsx``, ``.html`` or ``.pdf`` (atomically).

    Parameters
    ----------
    plan : Plan
    path : str or Path
    roster : DataFrame, optional
        Staff per grid (:func:`gridkit.roster.load_roster`).
    source : str, optional
        Data source line on the maps.

    Returns
    -------
    Path
    """
    path = Path(path)
    fmt = path.suffix.lower()
    if fmt not in (".xlsx", ".html", ".htm", ".pdf"):
        raise InputError(f"{path}: report output must end in .xlsx, .html or .pdf")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file")
    report = build_report(plan, roster)
    with atomic_path(path) as tmp:
        if fmt == ".xlsx":
            _write_xlsx(report, tmp)
        elif fmt == ".pdf":
            _write_pdf(report, plan, tmp, roster, source)
        else:
            data = map_data(plan, roster, source)
            maps = [("街道全图", sheet_png(plan, None, dpi=110, _data=data))]
            if len(data.communities) > 1:
                maps += [(f"{n}（{c}）", sheet_png(plan, c, dpi=80, _data=data))
                         for c, n in zip(data.communities["code"], data.communities["name"], strict=True)]
            _write_html(report, maps, tmp)
    return path
