"""Registers as street offices keep them: real files in every usual encoding and layout, joined by id
or by address whatever the spelling; unmatched rows reported, guesses never joined."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from openpyxl import Workbook, load_workbook

from gridkit import load_profile
from gridkit.address import address_key
from gridkit.errors import InputError
from gridkit.households import assign_households
from gridkit.register import Register, match_register, read_register, unmatched_path, write_unmatched
from gridkit.roster import read_roster

RULES = load_profile().households
RATIO = RULES.register_fuzzy_min_ratio


def _buildings(ids, streets=None, numbers=None, widths=None) -> gpd.GeoDataFrame:
    widths = widths or [20] * len(ids)
    geoms = [shapely.box(i * 100, 0, i * 100 + w, 10) for i, w in enumerate(widths)]
    cols = {"building_id": ids, "building": ["apartments"] * len(ids)}
    if streets is not None:
        cols |= {"addr:street": streets, "addr:housenumber": numbers}
    return gpd.GeoDataFrame(cols, geometry=geoms, crs="EPSG:32650")


def _joined(register_path, buildings=None, **kw):
    buildings = _buildings(["B1", "B2", "B3"]) if buildings is None else buildings
    register = read_register(register_path, **kw)
    log: list = []
    out = assign_households(buildings, RULES, register=register, log=log)
    return register, out.set_index("building_id"), dict(log)


CHINESE_CSV = "楼栋编号,地址,户数,人口\nB1,建设路1号,40,100\nB2,建设路2号,7,20\nX9,建设路9号,3,9\n"


def test_gbk_csv_with_chinese_headers_joins_every_matching_row(tmp_path):
    path = tmp_path / "登记表.csv"
    path.write_bytes(CHINESE_CSV.encode("gbk"))
    register, b, log = _joined(path)
    assert register.encoding == "GBK/GB18030" and log["register_encoding"] == "GBK/GB18030"
    assert b.loc["B1", ["households", "population"]].tolist() == [40, 100]
    assert b.loc["B2", "households"] == 7 and b.loc["B2", "households_source"] == "given"
    assert b.loc["B1", "register_key"] == "building_id"
    assert b.loc["B3", "households_source"] == "estimated" and b.loc["B3", "register_key"] == ""
    assert log["register_rows_matched_building_id"] == "2" and log["register_rows_unmatched"] == "1"
    assert log["households_estimated_buildings"] == "1"
    assert "X9" in log["register_unmatched_keys"]


@pytest.mark.parametrize(("encoding", "name", "sep"), [("utf-8-sig", "UTF-8 with BOM", ","),
                                                       ("utf-8", "UTF-8", ","),
                                                       ("utf-16", "UTF-16", "\t")])  # Excel's "Unicode text"
def test_utf8_bom_utf8_and_utf16_are_detected_and_named(tmp_path, encoding, name, sep):
    path = tmp_path / "r.csv"
    path.write_bytes(CHINESE_CSV.replace(",", sep).encode(encoding))
    register, b, _ = _joined(path)
    assert register.encoding == name
    assert register.rows.columns[0] == "building_id"  # a BOM is not part of the first header
    assert b.loc["B1", "households"] == 40 and b.loc["B2", "households"] == 7


def _office_workbook(path):
    """Two sheets (one per community), each with two title rows and a two-row header of merged cells,
    as a street office's 住户登记表 is drawn, and a 合计 row at the end."""
    book = Workbook()
    for n, (community, rows) in enumerate((("幸福社区", [("B1", 30, 80, 75), ("B2", 10, 25, 30)]),
                                           ("和平社区", [("B3", 12, 40, 33), ("B404", 5, 9, 9)]))):
        ws = book.active if n == 0 else book.create_sheet()
        ws.title = community
        ws.append([f"{community}住户登记表"])
        ws.merge_cells("A1:D1")
        ws.append(["填报单位：某某街道办事处", None, "2024年6月"])
        ws.append(["楼栋编号", "户数（户）", "人口", None])
        ws.append([None, None, "户籍", "常住"])
        ws.merge_cells("A3:A4")
        ws.merge_cells("B3:B4")
        ws.merge_cells("C3:D3")
        for row in rows:
            ws.append(list(row))
        ws.append(["合计", sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows)])
    book.save(path)


def test_a_formulas_float_noise_is_the_whole_count_it_stands_for(tmp_path):
    """A workbook's households computed by a formula cache their binary rounding (=0.3/0.1 is
    2.9999999999999996); the register was refused as "not a whole count". A real fraction still is."""
    path = tmp_path / "r.xlsx"
    book = Workbook()
    for row in (["楼栋编号", "户数"], ["B1", 0.3 / 0.1], ["B2", 4.35 * 100]):
        book.active.append(row)
    book.save(path)
    register = read_register(path)
    assert register.rows["households"].tolist() == [3, 435]
    path = tmp_path / "r.csv"
    path.write_text("id,households\nB1,2.5000001\n", encoding="utf-8")
    with pytest.raises(InputError, match="row 2: households '2.5000001'"):
        read_register(path)


def test_a_register_none_of_whose_rows_is_a_building_of_the_area_is_refused_with_examples(tmp_path):
    """Another area's register, or one keyed by another numbering (a housing system's 房屋编码 against the map's
    ids): every row was listed unmatched, the plan made of estimates, exit 0 ("0 rows matched"). Now refused,
    showing both sides' keys; a register with a near address (a slip) still joins what it can."""
    path = tmp_path / "r.csv"
    path.write_text("房屋编码,地址,户数\nF0001,解放路1号,3\nF0002,,4\n", encoding="utf-8")
    buildings = _buildings(["B1", "B2"], ["九江路", "九江路"], ["12", "14"])
    with pytest.raises(InputError, match=r"r\.csv: none of its 2 rows matches a building of the area: its building "
                                         r"ids \('F0001', 'F0002'\) are none of the buildings' \('B1', 'B2'\); its "
                                         r"building addresses \('解放路1号'\) are none of the buildings' "
                                         r"\('九江路12', '九江路14'\)\. .* --key-column$"):
        _joined(path, buildings)
    path.write_text("地址,户数\n九江路12号之1,3\n", encoding="utf-8")  # a slip: suggested, not refused
    register, _, log = _joined(path, buildings)
    assert log["register_rows_unmatched"] == "1" and log["register_rows_fuzzy_suggested"] == "1"


def test_sum_rows_named_with_what_they_sum_are_skipped(tmp_path):
    """`本页小计` (a printed export's page sum), `3栋小计` (a building's units summed), `幸福社区合计` were read as
    records with those ids, listed unmatched among the real rows."""
    path = tmp_path / "r.csv"
    path.write_text("楼栋编号,户数\nB1,3\n3栋小计,3\nB2,4\n本页小计,7\n幸福社区合计,7\n合  计,7\n", encoding="utf-8")
    register = read_register(path)
    assert register.rows["building_id"].tolist() == ["B1", "B2"]
    assert dict(register.log)["register_total_rows_skipped"] == "4"


def test_ids_with_a_number_formats_thousands_separators_join(tmp_path):
    """A CSV saved from a sheet whose id column has a number format keeps its separators ("2,460,795")."""
    path = tmp_path / "r.csv"
    path.write_text('楼栋编号,户数\n"2,460,795",3\n"1,234",4\n', encoding="utf-8")
    _, out, _ = _joined(path, _buildings(["2460795", "1234"]))
    assert out["households"].tolist() == [3, 4]


def test_counts_a_workbook_holds_as_formulas_it_never_computed_are_refused_saying_so(tmp_path):
    """A workbook a program wrote with formulas and no stored values (openpyxl, an export script; Excel and WPS
    store values as they save): the counts read as empty, their rows left out as rows without a count, and those
    buildings estimated without a word. Now refused, saying to save the workbook in Excel or WPS."""
    path = tmp_path / "r.xlsx"
    book = Workbook()
    for row in (["楼栋编号", "户数"], ["B1", 3], ["B2", "=2+3"], ["B3", "=B3*0+4"]):
        book.active.append(row)
    book.save(path)
    with pytest.raises(InputError, match=r"rows 3, 4: households '=2\+3', '=B3\*0\+4' are not whole counts >= 0; "
                                         r"'=2\+3' is a formula whose value the workbook does not store .* open it in "
                                         r"Excel or WPS and save it$"):
        read_register(path)


def test_a_header_repeated_on_every_page_is_no_record(tmp_path):
    """A printed export repeats its header on every page: the repeat was read as a record and the register refused
    ("row 4: households '户数' is not a whole count")."""
    path = tmp_path / "r.csv"
    path.write_text("楼栋编号,户数\nB1,3\nB2,4\n楼栋编号,户数\nB3,5\n 楼栋编号 ,户数（户）\nB4,6\n", encoding="utf-8")
    register = read_register(path)
    assert register.rows[["building_id", "households"]].values.tolist() == [["B1", 3], ["B2", 4], ["B3", 5], ["B4", 6]]
    assert dict(register.log)["register_header_rows_repeated"] == "2"


def test_a_csv_separated_by_full_width_commas_is_read(tmp_path):
    """Typed with a Chinese input method on: `楼栋编号，户数` (U+FF0C), below a title; Python's sniffer weighs
    only ASCII separators, so the header was not found. A comma CSV with `，` inside its text stays one."""
    path = tmp_path / "r.csv"
    path.write_text("外滩街道住户登记表\n楼栋编号，户数\nB1，12\nB2，7\n", encoding="utf-8")
    assert read_register(path).rows[["building_id", "households"]].values.tolist() == [["B1", 12], ["B2", 7]]
    path.write_text("地址,户数,备注\n九江路12号,12,临街，有商铺\n九江路14号,7,无\n", encoding="utf-8")
    assert read_register(path).rows[["address", "households"]].values.tolist() == [["九江路12号", 12],
                                                                                 ["九江路14号", 7]]


def test_rounded_approximate_and_ranged_counts_are_refused_saying_why(tmp_path):
    """`1.2万`, `约12`, `12-15` stand for counts but are none: refused (an exact figure is put on buildings),
    and the message says what each is rather than only that it is no count."""
    path = tmp_path / "r.csv"
    path.write_text("楼栋编号,户数\nB1,1.2万\nB2,约12户\nB3,12-15\nB4,30余\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"rows 2, 3, 4, 5: households .* are not whole counts >= 0; '1.2万' is "
                                         r"rounded to 万, '约12户' is approximate, '12-15' is a range: write the "
                                         r"exact count$"):
        read_register(path)


def test_xlsx_with_title_rows_merged_header_cells_and_one_sheet_per_community(tmp_path):
    path = tmp_path / "住户登记表.xlsx"
    _office_workbook(path)
    register, b, log = _joined(path)
    assert register.encoding == "XLSX"
    assert register.rows["sheet"].tolist() == ["幸福社区", "幸福社区", "和平社区", "和平社区"]
    assert register.rows["row"].tolist() == [5, 6, 5, 6]  # below the titles and both header rows
    assert b.loc[["B1", "B2", "B3"], "households"].tolist() == [30, 10, 12]
    # 人口 over 户籍 | 常住: those who live in the building, as of sheets (户籍 people may live elsewhere).
    assert b.loc[["B1", "B2", "B3"], "population"].tolist() == [75, 30, 33]
    assert log["register_sheets"] == "幸福社区, 和平社区"
    assert log["register_total_rows_skipped"] == "2"  # the 合计 rows are sums, not buildings
    assert "人口/常住" in log["register_columns"]
    assert log["register_rows_unmatched"] == "1" and "B404" in log["register_unmatched_keys"]


def test_xls_is_read_too(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    ws = book.add_sheet("登记")
    ws.write_merge(0, 0, 0, 2, "住户登记表")
    for c, text in enumerate(("楼号", "户", "人数")):
        ws.write(1, c, text)
    for r, row in enumerate((("B1", 40, 90), ("B3", 6, 12)), start=2):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    path = tmp_path / "r.xls"
    book.save(str(path))
    register, b, _ = _joined(path)
    assert register.encoding == "XLS"
    assert b.loc[["B1", "B3"], "households"].tolist() == [40, 6]


def test_address_register_differing_only_by_hao_spaces_and_full_width_digits_matches_osm(tmp_path):
    buildings = _buildings(["w1", "w2", "w3", "w4", "w5", "w6"],
                           ["建设路", "建设路", "建设路", "解放大道", "建设路", "建设路"],
                           ["12", "14", "16", "1125-2", "18", "20"])
    path = tmp_path / "addresses.csv"
    path.write_text("地址,户数\n建设路１２号,21\n建设路 14 号,22\n建设路十六号,23\n解放大道1125号2栋,24\n"
                    "建设路99号,5\n建设街18号,6\n", encoding="utf-8")
    register, b, log = _joined(path, buildings)
    assert b.loc[["w1", "w2", "w3", "w4"], "households"].tolist() == [21, 22, 23, 24]
    assert (b.loc[["w1", "w2", "w3", "w4"], "register_key"] == "address").all()
    # A close guess is reported, never joined.
    assert b.loc["w5", "households_source"] == "estimated"
    assert log["register_rows_matched_address"] == "4" and log["register_rows_unmatched"] == "2"
    assert log["register_rows_fuzzy_suggested"] == "1"
    match = match_register(buildings, register, fuzzy_min_ratio=RATIO)
    out = write_unmatched(match, unmatched_path(tmp_path / "plan.gpkg"))
    assert out == tmp_path / "plan_register_unmatched.csv"
    table = pd.read_csv(out, dtype=str, encoding="utf-8-sig").fillna("")
    assert table["key"].tolist() == ["建设路99号", "建设街18号"]
    assert table["row"].tolist() == ["6", "7"]
    assert table["suggested_building_id"].tolist() == ["", "w5"]
    assert table["reason"].tolist() == ["no building with this address"] * 2


def test_address_keys():
    assert address_key("建设路１２号") == address_key("建设路 12 号") == address_key("建设路十二号") == "建设路12"
    assert address_key("建设路12号3单元") == "建设路12"
    assert address_key("建设路12号3栋") == address_key("建设路12号3幢") == address_key("建设路12-3") == "建设路12-3"
    assert address_key("二环路5号") == "二环路5"  # numerals in a street name are its name
    assert address_key(None) == ""


def test_unit_rows_are_summed_and_a_shared_address_is_split_by_footprint(tmp_path):
    buildings = _buildings(["a", "b", "c"], ["建设路", "建设路", "建设路"], ["12", "12", "14"], widths=[30, 10, 20])
    path = tmp_path / "units.csv"
    path.write_text("地址,户数,人口\n建设路12号1单元,20,50\n建设路12号2单元,20,50\n建设路14号,9,\n", encoding="utf-8")
    _, b, log = _joined(path, buildings)
    assert b.loc[["a", "b"], "households"].tolist() == [30, 10]  # 40 over 300 m2 and 100 m2
    assert b.loc[["a", "b"], "population"].sum() == 100
    assert b.loc["c", "households"] == 9
    assert b.loc["c", "population"] == round(9 * RULES.persons_per_household)  # none given: estimated
    assert log["register_rows_summed"] == "1" and log["register_addresses_split_over_buildings"] == "1"


def test_a_shared_address_is_split_by_floor_area_as_households_are_estimated(tmp_path):
    """A tower (6 levels, 100 m2) and its podium (1 level, 300 m2) at one address: split by footprint, the
    podium took three quarters of the households."""
    buildings = _buildings(["tower", "podium"], ["建设路", "建设路"], ["12", "12"], widths=[10, 30])
    buildings["building:levels"] = [6, 1]
    path = tmp_path / "r.csv"
    path.write_text("地址,户数\n建设路12号,45\n", encoding="utf-8")
    _, b, _ = _joined(path, buildings)
    assert b.loc[["tower", "podium"], "households"].tolist() == [30, 15]


def test_columns_named_explicitly(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("说明：本表由社区填报\n楼宇代码,住户总数,备注\nB2,15,\n建设路1号,4,\n", encoding="utf-8")
    with pytest.raises(InputError, match="header row"):
        read_register(path)
    buildings = _buildings(["B1", "B2"], ["建设路", "建设路"], ["1", "2"])
    _, b, log = _joined(path, buildings, key_column="楼宇代码", households_column="住户总数")
    assert b.loc["B2", "households"] == 15 and b.loc["B2", "register_key"] == "building_id"
    assert b.loc["B1", "households"] == 4 and b.loc["B1", "register_key"] == "address"
    with pytest.raises(InputError, match="column '户数合计' for households not found"):
        read_register(path, key_column="楼宇代码", households_column="户数合计")


def test_bad_counts_name_the_sheet_and_row(tmp_path):
    path = tmp_path / "r.xlsx"
    book = Workbook()
    book.active.title = "幸福社区"
    for row in (["楼栋编号", "户数"], ["B1", 12], ["B2", "十二"]):
        book.active.append(row)
    book.save(path)
    with pytest.raises(InputError, match=r"r\.xlsx: sheet '幸福社区', row 3: households '十二' is not a whole count"):
        read_register(path)
    path = tmp_path / "r.csv"
    path.write_text("id,households\nB1,2.5\n", encoding="utf-8")
    with pytest.raises(InputError, match="row 2: households '2.5'"):
        read_register(path)
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="starts as UTF-16 but is not"):
        read_register(path)


def test_roster_uses_the_same_reader_every_sheet_and_encoding(tmp_path):
    path = tmp_path / "名册.csv"
    path.write_bytes("网格员名册\n网格编码,姓名,手机号码\n001,张三,13800000000\n".encode("utf-16"))
    assert read_roster(path)[["grid_code", "name", "phone"]].values.tolist() == [["001", "张三", "13800000000"]]


def test_cli_register_with_named_columns_writes_unmatched_csv_and_totals_calibrate(tmp_path):
    from test_cli import _box_buildings, _write, run

    import pyogrio

    b = _box_buildings(building=["apartments"] * 3, **{"addr:street": ["建设路"] * 3,
                                                       "addr:housenumber": ["12", "14", "16"]})
    src = _write(tmp_path / "in.gpkg", {"buildings": b})
    register = tmp_path / "登记表.csv"
    register.write_bytes("社区住户登记表\n楼宇代码,住户总数\n建设路１２号,40\n建设路99号,3\n".encode("gbk"))
    totals = tmp_path / "totals.csv"
    totals.write_text("户数\n100\n", encoding="utf-8")
    out = tmp_path / "plan.gpkg"
    result = run("partition", src, "-o", out, "--households", register, "--key-column", "楼宇代码",
                 "--households-column", "住户总数", "--totals", totals)
    assert result.returncode == 0, result.stderr
    assert "register (GBK/GB18030): 1 rows matched (0 by building id, 1 by address), 1 unmatched" in result.stdout
    bld = pyogrio.read_dataframe(out, layer="buildings").set_index("building_id")
    assert bld.loc["1", "households"] == 40 and bld.loc["1", "register_key"] == "address"
    assert bld["households"].sum() == 100  # the area's total holds; the register's 40 is kept
    assert (bld.loc[["2", "3"], "calibrated_to"] == "area").all()
    unmatched = pd.read_csv(tmp_path / "plan_register_unmatched.csv", dtype=str, encoding="utf-8-sig")
    assert unmatched["key"].tolist() == ["建设路99号"] and unmatched["row"].tolist() == ["4"]
    log = pyogrio.read_dataframe(out, layer="run").set_index("key")["value"]
    assert log["log.calibration.area"].startswith("total 100 households held")


def test_a_table_in_memory_is_a_register_too():
    table = pd.DataFrame({"id": ["B1", "B3"], "households": [12, 4.0]})
    log: list = []
    out = assign_households(_buildings(["B1", "B2", "B3"]), RULES, register=table, log=log).set_index("building_id")
    assert out.loc[["B1", "B3"], "households"].tolist() == [12, 4]
    assert dict(log)["register_rows_matched_building_id"] == "2"


def _html_xls(rows: list[list[str]]) -> bytes:
    """What a web system's "export to Excel" often is: an HTML table named .xls, in GBK, with a title
    spanning the columns and a header cell spanning two rows."""
    body = "".join("<tr>" + "".join(rows_cell for rows_cell in r) + "</tr>" for r in rows)
    return (f"<html><head><meta charset=gbk></head><body><table border=1>{body}</table></body></html>"
            .encode("gbk"))


def test_a_workbook_is_read_by_what_its_bytes_are_not_its_name(tmp_path):
    """Offices' systems export CSV or HTML tables named .xls, and files get renamed: XLSX named .xls,
    XLS named .xlsx, GBK CSV named .xls, an HTML table (rowspan/colspan merged) named .xls all read."""
    xlwt = pytest.importorskip("xlwt")
    book = Workbook()
    book.active.append(["楼栋编号", "户数", "人口"])
    book.active.append(["B1", 40, 100])
    book.save(tmp_path / "xlsx.xls")
    old = xlwt.Workbook()
    ws = old.add_sheet("登记")
    for r, row in enumerate((("楼栋编号", "户数", "人口"), ("B1", 40, 100))):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    old.save(str(tmp_path / "xls.xlsx"))
    (tmp_path / "csv.xls").write_bytes("楼栋编号,户数,人口\nB1,40,100\n".encode("gbk"))
    (tmp_path / "html.xls").write_bytes(_html_xls([
        ['<td colspan="3">幸福社区住户登记表</td>'],
        ['<th rowspan="2">楼栋编号</th>', '<th>户数</th>', "<th>人口</th>"],
        ["<th>（户）</th>", "<th>（人）</th>"],
        ["<td>B1</td>", "<td>40</td>", "<td>100</td>"],
        ["<td>B3</td>", "<td>&nbsp;6 </td>", "<td>12</td>"],
        ["<td>B2", "<td>7", "<td>15"]]))  # end tags left out, as HTML allows
    for name, encoding in (("xlsx.xls", "XLSX"), ("xls.xlsx", "XLS"), ("csv.xls", "GBK/GB18030"),
                           ("html.xls", "HTML (GBK/GB18030)")):
        register, b, _ = _joined(tmp_path / name)
        assert register.encoding == encoding, name
        assert b.loc["B1", ["households", "population"]].tolist() == [40, 100], name
    assert b.loc["B3", "households"] == 6 and b.loc["B3", "households_source"] == "given"
    assert b.loc["B2", ["households", "population"]].tolist() == [7, 15]


def test_an_ods_or_a_password_protected_workbook_is_refused_saying_what_to_do(tmp_path):
    ods = tmp_path / "r.ods"
    ods.write_bytes(b"PK\x03\x04" + b"\0" * 26 + b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet")
    with pytest.raises(InputError, match=r"r\.ods: is an OpenDocument spreadsheet .* save it as \.xlsx"):
        read_register(ods)
    locked = tmp_path / "r.xlsx"  # Excel's "Encrypt with Password" makes an OLE2 file of an EncryptedPackage
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "EncryptedPackage".encode("utf-16-le"))
    with pytest.raises(InputError, match=r"r\.xlsx: is protected by a password; .* remove the password"):
        read_register(locked)


def test_a_damaged_workbook_is_refused_saying_so_and_what_to_do(tmp_path, capsys):
    """An .xls cut short in a copy, or only its first bytes an OLE2 file's, said xlrd's words (`Expected
    "little-endian" marker`, `array index out of range`) after xlrd's warnings on stdout; a cut .xlsx said
    `File is not a zip file`."""
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    sheet = book.add_sheet("s")
    for r in range(200):
        sheet.write(r, 0, f"B{r}")
        sheet.write(r, 1, r)
    book.save(str(tmp_path / "whole.xls"))
    data = (tmp_path / "whole.xls").read_bytes()
    (tmp_path / "cut.xls").write_bytes(data[:len(data) // 2])
    (tmp_path / "ole.xls").write_bytes(data[:8] + b"\0" * 600)
    workbook = Workbook()
    workbook.active.append(["楼栋编号", "户数"])
    workbook.save(tmp_path / "whole.xlsx")
    (tmp_path / "cut.xlsx").write_bytes((tmp_path / "whole.xlsx").read_bytes()[:1000])
    for name, kind in (("cut.xls", r"an \.xls \(Excel 97-2003\) workbook"), ("ole.xls", r"an \.xls \(Excel 97-2003\) workbook"),
                       ("cut.xlsx", r"an \.xlsx workbook")):
        with pytest.raises(InputError, match=rf"^.*{name}: cannot read register: the file is damaged, or is not really "
                                             rf"{kind} though it begins as one; open it in Excel or WPS and save it "
                                             r"again as \.xlsx \(if they cannot"):
            read_register(tmp_path / name)
    assert capsys.readouterr().out == ""


def test_ids_whose_leading_zeros_a_spreadsheet_dropped_still_match(tmp_path):
    book = Workbook()
    book.active.append(["楼栋编号", "户数"])
    book.active.append([7, 30])  # typed as the number 7 for the building 0007
    book.active.append(["00012", 5])
    book.save(tmp_path / "r.xlsx")
    _, b, log = _joined(tmp_path / "r.xlsx", _buildings(["0007", "12", "0100"]))
    assert b.loc[["0007", "12"], "households"].tolist() == [30, 5]
    assert log["register_rows_unmatched"] == "0"


def test_ids_in_scientific_notation_are_read_when_whole_and_refused_when_digits_were_lost(tmp_path):
    whole = tmp_path / "whole.csv"
    whole.write_text("楼栋编号,户数\n2.460795E+06,30\n1.10105001001E+11,4\n", encoding="utf-8")
    _, b, _ = _joined(whole, _buildings(["2460795", "110105001001"]))
    assert b.loc[["2460795", "110105001001"], "households"].tolist() == [30, 4]
    lost = tmp_path / "lost.csv"
    lost.write_text("楼栋编号,户数\nB1,3\n1.10105E+11,30\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"lost\.csv: row 3: building_id '1\.10105E\+11' lost digits to scientific "
                                         r"notation .* format the id column as Text"):
        read_register(lost)


def test_resident_household_headers_are_read_and_a_register_without_one_says_how_to_name_it(tmp_path):
    """常住户数 and its kin are households (a register with 户籍户数 beside it is read by 常住户数); a register
    with only 户籍户数 (registered, not resident, households) is refused saying the column can be named."""
    both = tmp_path / "both.csv"
    both.write_text("楼栋编号,户籍户数,常住户数\nB1,50,40\n", encoding="utf-8")
    _, b, log = _joined(both)
    assert b.loc["B1", "households"] == 40 and log["register_columns"].startswith("building_id=楼栋编号, households=常住户数")
    only = tmp_path / "only.csv"
    only.write_text("楼栋编号,户籍户数\nB1,50\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 1 has: 楼栋编号, 户籍户数\); other headers can be named: "
                                         r"--key-column, --households-column"):
        read_register(only)
    _, b, _ = _joined(only, households_column="户籍户数")
    assert b.loc["B1", "households"] == 50


def test_ids_written_with_a_building_word_match_the_bare_number(tmp_path):
    """A register's 楼栋号 says 12栋, 3号楼, 5#: the layer's ids are 12, 3, 5."""
    path = tmp_path / "r.csv"
    path.write_bytes("楼栋号,户数\n12栋,30\n3号楼,20\n5#,10\n".encode("gbk"))
    _, b, log = _joined(path, _buildings(["12", "3", "5"]))
    assert b.loc[["12", "3", "5"], "households"].tolist() == [30, 20, 10]
    assert log["register_rows_unmatched"] == "0"


def test_a_units_row_under_the_header_is_not_a_record(tmp_path):
    """楼栋编号,户数,人口 then ,（户）,（人）: the units row was refused as a count, 'row 2: households '（户）''."""
    path = tmp_path / "r.csv"
    path.write_bytes("楼栋编号,户数,人口\n,（户）,（人）\nB1,40,100\n".encode("gbk"))
    _, b, log = _joined(path)
    assert b.loc["B1", ["households", "population"]].tolist() == [40, 100]
    assert log["register_rows_unmatched"] == "0"


def test_a_register_of_one_row_per_household_counts_its_rows(tmp_path):
    """住户登记表 as many offices keep it: a row per household (户主, 房号, 家庭人口), no 户数 column (was
    refused, 'needs a households column'); each row is one household, a 合计 row is still a sum."""
    path = tmp_path / "住户登记表.csv"
    path.write_bytes(("序号,户主姓名,身份证号,楼栋号,单元,房号,家庭人口\n"
                      "1,张三,110101,B1,1,101,3\n2,李四,110102,B1,1,102,2\n3,王五,110103,B3,2,201,4\n"
                      ",合计,,,,,9\n").encode("gbk"))
    register, b, log = _joined(path)
    assert b.loc[["B1", "B3"], ["households", "population"]].values.tolist() == [[2, 5], [1, 4]]
    assert log["register_total_rows_skipped"] == "1" and "household=户主姓名" in log["register_columns"]


# Addresses as Shanghai and Wuhan registers write them, and the building's address each belongs to.
SAME_BUILDING = [
    ("九江路123弄5号601室", "九江路123弄5号"), ("九江路123弄5号601", "九江路123弄5号"),
    ("九江路123弄5号-601", "九江路123弄5号"), ("九江路123弄5-601", "九江路123弄5号"),
    ("九江路123弄5号6楼601室", "九江路123弄5号"), ("九江路123弄5号楼6层", "九江路123弄5号"),
    ("上港小区3栋2单元502", "上港小区3栋"), ("上港小区3栋502", "上港小区3栋"), ("上港小区3-2-502", "上港小区3栋"),
    ("上港小区3-502", "上港小区3栋"), ("上港小区三号楼二单元502室", "上港小区3幢"), ("上港小区第三栋", "上港小区3栋"),
    ("上港小区A座1201", "上港小区A栋"), ("解放大道1125-2-1201", "解放大道1125号2栋"),
    ("九江路12号甲", "九江路甲12号"), ("九江路12号之一", "九江路12-1号"), ("九江路12号附1号", "九江路12-1号"),
    ("上海市黄浦区外滩街道九江路12号", "九江路12号"), ("上海黄浦区九江路12号", "九江路12号"),
    ("黄浦区南京东路街道九江路12号", "上海市黄浦区九江路12号"), ("外滩街道江西社区居委会九江路12号", "九江路12号"),
    ("湖北省武汉市东湖新技术开发区珞喻路12号", "珞喻路12号"), ("九江路一百二十三弄五号", "九江路123弄5号"),
    ("九江路12號3棟601室", "九江路12号3栋"), ("九江路—12号", "九江路12号"), ("九江路12号（沿街）", "九江路12号"),
    ("彌敦道19號", "彌敦道 Nathan Road 19"), ("上港小区3栋2单元5层2号", "上港小区3栋"), ("上港小区3栋502号", "上港小区3栋"),
    ("北京市朝阳区望京西路12号院3号楼2单元501", "望京西路12号3栋"), ("江西居委九江路12号", "九江路12号"),
    ("九江路12号1-3层", "九江路12号"),
    # 一标三实's 标准地址: the community before a compound with a name of its own.
    ("湖北省武汉市洪山区关山街道光谷社区光谷小区1栋1单元101室", "光谷小区1栋"), ("和平社区翠苑3栋2单元", "翠苑3栋"),
    # A village committee's: groups in Chinese numerals, the town written first.
    ("湖北省武汉市江夏区山坡街道童周岭村三组15号", "童周岭村3组15号"), ("山坡镇童周岭村第三村民小组15号", "童周岭村3组15号"),
    ("金口乡童周岭村十二组7号", "童周岭村12组7号"),
    # Its committee written where the village's or community's name is.
    ("童周岭村委会3组15号", "童周岭村3组15号"), ("童周岭村村民委员会第三村民小组15号", "童周岭村3组15号"),
    ("山坡镇童周岭村委3组15号", "童周岭村3组15号"), ("童周岭村委会15号", "童周岭村15号"),
    ("和平社区居委会2组8号", "和平社区2组8号"), ("关山街道和平居委会二组8号", "和平社区2组8号"),
]
OTHER_BUILDING = [
    ("九江路12-1号", "九江路12号"), ("九江路12号", "九江路甲12号"), ("九江路123弄5号", "九江路123号"),
    ("九江路12号3", "九江路12号"), ("珞瑜路12号", "珞喻路12号"), ("解放路12号", "解放大道12号"),
    ("中山东一路12号", "中山东二路12号"), ("北苏州路12号", "南苏州路12号"), ("徐州南路12号", "杭州南路12号"),
    ("曹杨新村12号", "12号"), ("上港小区3栋", "3栋"), ("开发区大道12号", "大道12号"), ("园区路5号", "路5号"),
    ("小东门市场12号", "12号"), ("金色城市花园3栋", "阳光城市花园3栋"), ("幸福社区花园3栋", "花园3栋"),
    ("阳光社区家园3栋", "家园3栋"), ("童周岭村3组15号", "童周岭村15号"), ("童周岭村二组15号", "童周岭村3组15号"),
    ("童周岭村委会3组15号", "3组15号"), ("和平居委会2组8号", "和平村2组8号"),
]


@pytest.mark.parametrize(("written", "building"), SAME_BUILDING)
def test_an_address_down_to_the_room_meets_its_building(written, building):
    """Rooms, floors, units, dashed room numbers, sub-numbers (之一/附1/甲), the province … community
    written first, Chinese numerals, traditional 號/棟, dashes and notes: all were other keys."""
    assert address_key(written) == address_key(building)


@pytest.mark.parametrize(("written", "building"), OTHER_BUILDING)
def test_an_address_of_another_building_or_street_stays_apart(written, building):
    """A sub-number, a lane, another street spelt alike, or a name a division word is part of."""
    assert address_key(written) != address_key(building)


def test_a_register_of_one_row_per_room_counts_each_building_once_per_household(tmp_path):
    """实有人口 export: a full 标准地址 per household down to the room; each building counts its rows."""
    buildings = _buildings(["a", "b", "c"], ["九江路", "九江路", "上港小区"], ["123弄5号", "14号", "3栋"])
    path = tmp_path / "实有人口.csv"
    path.write_bytes(("户主姓名,标准地址,家庭人口\n张三,上海市黄浦区外滩街道九江路123弄5号601室,3\n"
                      "李四,上海市黄浦区外滩街道九江路123弄5号602室,2\n王五,九江路14号-301,1\n"
                      "赵六,上港小区3-2-502,4\n钱七,上港小区三號樓一單元101室,2\n").encode("gbk"))
    _, b, log = _joined(path, buildings)
    assert b.loc[["a", "b", "c"], ["households", "population"]].values.tolist() == [[2, 5], [1, 1], [2, 6]]
    assert log["register_rows_unmatched"] == "0"


def test_the_same_street_with_another_street_word_is_suggested_never_joined(tmp_path):
    """侯家大道 for 侯家路 (difflib put them under 0.8 apart): listed with the building, not joined."""
    buildings = _buildings(["h1", "h2"], ["侯家路", "侯家路"], ["29", "31"])
    path = tmp_path / "r.csv"
    path.write_text("地址,户数\n侯家大道29号,12\n侯家街31号,3\n", encoding="utf-8")
    register, b, log = _joined(path, buildings)
    assert (b["households_source"] == "estimated").all() and log["register_rows_unmatched"] == "2"
    unmatched = match_register(buildings, register, fuzzy_min_ratio=RATIO).unmatched
    assert unmatched["suggested_building_id"].tolist() == ["h1", "h2"]


def test_a_register_in_traditional_characters_joins_a_map_in_simplified_ones(tmp_path):
    """A register kept in traditional characters (廣東路12號, 漢口路3號樓) on a map whose streets are
    simplified (and one the other way round): the street's own name was not converted, so every row was
    unmatched and 廣東路 not even suggested."""
    buildings = _buildings(["g", "h", "m"], ["广东路", "汉口路", "彌敦道"], ["12", "3", "20"])
    path = tmp_path / "r.csv"
    path.write_text("地址,户数\n廣東路12號,9\n漢口路3號,4\n弥敦道20号,6\n", encoding="utf-8")
    _, b, log = _joined(path, buildings)
    assert b["households"].tolist() == [9, 4, 6] and log["register_rows_unmatched"] == "0"


def test_a_building_with_several_addresses_takes_the_rows_of_each(tmp_path):
    """A corner building (九江路12号;四川中路200号 in one cell), one with two numbers (12、14号, OSM's
    12;14) and a range (19-21, 一楼多号) take the rows written with any of their addresses (all were
    unmatched); an address a building has as such wins over a range's number."""
    buildings = _buildings(["corner", "two", "osm", "range", "exact"], widths=[20] * 5)
    buildings["addr:full"] = ["九江路12号;四川中路200号", "汉口路3号、5号", "", "彌敦道 Nathan Road 19-23", "彌敦道23號"]
    buildings["addr:street"] = ["", "", "福州路", "", ""]
    buildings["addr:housenumber"] = ["", "", "8;10", "", ""]
    path = tmp_path / "r.csv"
    path.write_text("地址,户数\n九江路12号101室,1\n四川中路200号-201,1\n上海市黄浦区汉口路5号,4\n福州路10号,6\n"
                    "福州路8号,1\n彌敦道19號,2\n彌敦道21号,3\n彌敦道23号,7\n", encoding="utf-8")
    _, b, log = _joined(path, buildings)
    assert b["households"].tolist() == [2, 4, 7, 5, 7]
    assert log["register_rows_unmatched"] == "0"


def test_a_register_cell_with_two_numbers_is_two_addresses_not_one_long_number(tmp_path):
    """汉口路12、14号 read as 汉口路1214 joined the building at number 1214, silently."""
    buildings = _buildings(["b12", "b1214"], ["汉口路", "汉口路"], ["14", "1214"])
    path = tmp_path / "r.csv"
    path.write_text("地址,户数\n汉口路12、14号,9\n", encoding="utf-8")
    _, b, log = _joined(path, buildings)
    assert b.loc["b12", "households"] == 9 and b.loc["b1214", "households_source"] == "estimated"


@pytest.mark.parametrize("written", ["上港小区1-3栋", "上港小区1至3号楼", "上港小区1、2、3栋", "上港小区1栋、2栋、3栋"])
def test_a_register_row_naming_several_buildings_is_split_over_them_by_floor_area(tmp_path, written):
    """One row for buildings 1 to 3 of a compound, one figure: a range (1-3栋) was unmatched, a list
    (1、2、3栋) gave the whole figure to building 1. Each now takes its floor area's share, as households are
    estimated (600, 1200 and 300 m2: 6, 12 and 3 of 21), the row named in the log; a dash without a building
    word (4-5, perhaps building 4's unit 5) names no range."""
    buildings = _buildings(["b1", "b2", "b3", "b4"], ["上港小区"] * 4, ["1栋", "2栋", "3栋", "4栋"], widths=[10, 20, 30, 10])
    buildings["building:levels"] = [6, 6, 1, 6]
    path = tmp_path / "r.csv"
    path.write_text(f"地址,户数,人口\n{written},21,42\n上港小区4-5,5,\n", encoding="utf-8")
    _, b, log = _joined(path, buildings)
    assert b.loc[["b1", "b2", "b3"], "households"].tolist() == [6, 12, 3]
    assert b.loc[["b1", "b2", "b3"], "population"].tolist() == [12, 24, 6]
    assert b.loc["b4", "households_source"] == "estimated" and log["register_rows_unmatched"] == "1"
    assert log["register_rows_over_buildings"] == "1 (row 2), split by floor area"


def test_a_compound_and_building_number_make_the_address_never_an_id(tmp_path):
    """社区 spreadsheets: 小区名称 + 楼栋号 (+ 单元, 房号, 户主). The 楼栋号 was read as an id: unmatched
    against OSM ids, and against an office layer whose ids are the numbers (3 in every compound) every
    compound's 3栋 went to every building 3, silently."""
    buildings = _buildings(["3~1", "3~2", "5~1"])
    buildings["_given_id"] = ["3", "3", "5"]
    buildings["addr:full"] = ["上港小区3栋", "三航小区3栋", "上港小区5栋"]
    path = tmp_path / "r.csv"
    path.write_bytes(("小区名称,楼栋号,单元,房号,户主姓名\n上港小区,3栋,1,101,张三\n上港小区,3栋,2,201,李四\n"
                      "三航小区,3,1,101,王五\n上港小区,5号楼,1,502,赵六\n").encode("gbk"))
    _, b, log = _joined(path, buildings)
    assert b.loc[["3~1", "3~2", "5~1"], "households"].tolist() == [2, 1, 1]
    assert (b["register_key"] == "address").all()


def test_one_sheet_per_compound_names_the_compound_of_its_building_numbers(tmp_path):
    """Sheets 上港小区 and 三航小区 with 楼栋号 1栋, 2栋 each: the same numbers on several sheets are the
    sheets' compounds' buildings (they were ids, unmatched)."""
    path = tmp_path / "r.xlsx"
    book = Workbook()
    book.active.title = "上港小区"
    for row in (["楼栋号", "户数"], ["1栋", 10], ["2栋", 20]):
        book.active.append(row)
    other = book.create_sheet("三航小区")
    for row in (["楼栋号", "户数"], ["1栋", 30]):
        other.append(row)
    book.save(path)
    buildings = _buildings(["a", "b", "c"])
    buildings["addr:full"] = ["上港小区1栋", "上港小区2栋", "三航小区1栋"]
    _, b, log = _joined(path, buildings)
    assert b.loc[["a", "b", "c"], "households"].tolist() == [10, 20, 30]
    assert log["register_sheets_as_compounds"] == "上港小区, 三航小区"


def test_a_layer_of_compounds_and_building_numbers_has_their_addresses():
    """An office's 实有房屋 layer: 小区名称 + 楼栋号, no 地址 (its 楼栋号 was the id; the register's rows by
    compound and number found no address)."""
    from gridkit.area import area_from_layers

    buildings = _buildings(["x", "y", "z"]).drop(columns=["building_id"]).assign(
        小区名称=["上港小区", "上港小区", "三航小区"], 楼栋号=["1", "2", "1"]).to_crs(4326)
    area = area_from_layers({"buildings": buildings})
    register = Register.from_frame(pd.DataFrame({"address": ["上港小区1号楼", "三航小区1栋"], "households": [8, 9]}))
    match = match_register(area.buildings, register, fuzzy_min_ratio=RATIO)
    # Each building by its compound and number (the area lists them in an order of their content).
    found = dict(zip(area.buildings["addr:place"] + area.buildings["_given_id"], match.households.fillna(-1),
                     strict=True))
    assert found == {"上港小区1": 8, "上港小区2": -1, "三航小区1": 9}


def test_totals_per_compound_only_are_refused_saying_why(tmp_path):
    path = tmp_path / "小区户数.csv"
    path.write_text("小区名称,户数,人口\n上港小区,420,1100\n三航小区,380,990\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"小区户数\.csv: register gives households per compound \(column '小区名称'\) "
                                         r"and no column names a building"):
        read_register(path)


def test_the_office_layers_code_column_is_an_id_in_the_register_too(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("楼栋编码,户数\nSH100001,12\n", encoding="utf-8")
    _, b, _ = _joined(path, _buildings(["SH100001"]))
    assert b.loc["SH100001", "households"] == 12


def _workbook(path, sheets):
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_registered_and_floating_sheets_beside_a_resident_one_are_left_out(tmp_path):
    """户籍人口, 常住人口 and 流动人口 sheets of one 住户登记表: every household was counted in two or three
    of them (B1 had 2 households living in it and was given 5)."""
    head = ["户主姓名", "楼栋编号", "家庭人口"]
    path = _workbook(tmp_path / "r.xlsx", {
        "户籍人口": [head, ["张三", "B1", 3], ["迁出户", "B1", 1]],
        "常住人口": [head, ["张三", "B1", 3], ["李四", "B1", 2], ["王五", "B2", 4]],
        "流动人口": [head, ["李四", "B1", 2]]})
    _, b, log = _joined(path)
    assert b.loc[["B1", "B2"], ["households", "population"]].values.tolist() == [[2, 5], [1, 4]]
    assert log["register_sheets_left_out"] == "户籍人口, 流动人口 (the 常住人口 sheet counts who lives here)"
    only = _workbook(tmp_path / "two.xlsx", {"户籍人口": [head, ["张三", "B1", 3]], "流动人口": [head, ["李四", "B1", 2]]})
    _, b, log = _joined(only)  # no resident sheet: these two count different people
    assert b.loc["B1", "households"] == 2 and "register_sheets_left_out" not in log
    numbers = _workbook(tmp_path / "n.xlsx", {"户籍人口": [["户主姓名", "楼栋号"], ["张三", "12栋"]],
                                              "流动人口": [["户主姓名", "楼栋号"], ["李四", "12栋"]]})
    _, b, log = _joined(numbers, _buildings(["12"]))  # one building's people, not two compounds' buildings
    assert b.loc["12", "households"] == 2 and "register_sheets_as_compounds" not in log


def test_a_household_entered_twice_is_counted_once(tmp_path):
    """The same 户号 twice, or the same head in the same room twice (a copy pasted twice); two heads of
    one name in different units or at building level are two households."""
    path = tmp_path / "r.csv"
    path.write_bytes(("户号,楼栋编号,家庭人口\nH001,B1,3\nH002,B1,2\nH001,B1,3\n").encode("gbk"))
    _, b, log = _joined(path)
    assert b.loc["B1", ["households", "population"]].tolist() == [2, 5]
    assert log["register_households_entered_twice"] == "1 (row 4), counted once"
    path.write_bytes(("户主姓名,地址,单元,房号\n张伟,建设路1号,1,101\n张伟,建设路1号,2,101\n张伟,建设路1号,1,101\n"
                      "王芳,建设路2号601室,,\n王芳,建设路2号601室,,\n李娜,建设路3号,,\n李娜,建设路3号,,\n").encode("gbk"))
    buildings = _buildings(["B1", "B2", "B3"], ["建设路"] * 3, ["1", "2", "3"])
    _, b, log = _joined(path, buildings)
    assert b.loc[["B1", "B2", "B3"], "households"].tolist() == [2, 1, 2]
    assert log["register_households_entered_twice"] == "2 (rows 4, 6), counted once"


def test_a_building_number_beside_an_address_leaves_the_address_to_say_which_building(tmp_path):
    """楼栋号 3栋 and 标准地址 三航小区3栋2单元501: the number joined every building whose id is 3."""
    buildings = _buildings(["3~1", "3~2"])
    buildings["_given_id"] = ["3", "3"]
    buildings["addr:full"] = ["上港小区3栋", "三航小区3栋"]
    path = tmp_path / "r.csv"
    path.write_text("楼栋号,标准地址,户主姓名\n3栋,三航小区3栋2单元501,张三\n3栋,三航小区3栋1单元101,李四\n",
                    encoding="utf-8")
    _, b, log = _joined(path, buildings)
    assert b.loc["3~2", "households"] == 2 and b.loc["3~2", "register_key"] == "address"
    assert b.loc["3~1", "households_source"] == "estimated"


def test_a_hidden_sheet_is_not_read(tmp_path):
    """An earlier year's figures kept in a hidden sheet (2019) were added to this year's: B1 was given 3 + 40."""
    head = ["楼栋编号", "户数"]
    path = _workbook(tmp_path / "r.xlsx", {"2024": [head, ["B1", 3], ["B2", 4]], "2019": [head, ["B1", 40]]})
    book = load_workbook(path)
    book["2019"].sheet_state = "hidden"
    book.save(path)
    _, b, log = _joined(path)
    assert b.loc[["B1", "B2"], "households"].tolist() == [3, 4]
    assert log["register_sheets_hidden"] == "2019"
    notes = _workbook(tmp_path / "n.xlsx", {"说明": [["见隐藏表"]], "2024": [head, ["B1", 3]]})
    book = load_workbook(notes)
    book["2024"].sheet_state = "hidden"
    book.save(notes)
    with pytest.raises(InputError, match="hidden sheets are not read: 2024"):
        read_register(notes)


def test_rows_an_excel_filter_hid_are_read_and_named(tmp_path):
    """An office filters its register (or hides the households that moved out): the hidden rows were read
    without a word. They are still read (a filter shows some rows, it strikes none out), and named, in .xlsx and
    .xls alike."""
    head = ["楼栋编号", "户数"]
    path = _workbook(tmp_path / "r.xlsx", {"登记": [head, ["B1", 3], ["B2", 4], ["B3", 5]]})
    book = load_workbook(path)
    book["登记"].auto_filter.ref = "A1:B4"
    book["登记"].row_dimensions[3].hidden = True
    book.save(path)
    xlwt = pytest.importorskip("xlwt")
    old = xlwt.Workbook()
    sheet = old.add_sheet("登记")
    for r, row in enumerate([head, ["B1", 3], ["B2", 4], ["B3", 5]]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    sheet.row(2).hidden = True
    sheet.row(3).hidden = True
    old.save(str(tmp_path / "r.xls"))
    for name, said in (("r.xlsx", "1 (sheet '登记', row 3), read as any other"),
                       ("r.xls", "2 (sheet '登记', rows 3, 4), read as any other")):
        _, b, log = _joined(tmp_path / name)
        assert b.loc[["B1", "B2", "B3"], "households"].tolist() == [3, 4, 5]
        assert log["register_rows_hidden"] == said


def test_a_hong_kong_or_taiwan_register_in_big5_with_traditional_headers(tmp_path):
    """Excel on a Hong Kong or Taiwan Windows saves Big5, and its office writes 樓棟編號 and 戶數: the file was
    read as GB18030 (加絪腹, め计) and refused, and in UTF-8 its traditional headers were not known."""
    text = "樓棟編號,地址,戶數,人口\nB1,建設路1號,40,100\nB2,建設路2號,7,20\n"
    big5 = tmp_path / "big5.csv"
    big5.write_bytes(text.encode("big5"))
    utf8 = tmp_path / "utf8.csv"
    utf8.write_text(text, encoding="utf-8")
    for path, encoding in ((big5, "Big5"), (utf8, "UTF-8")):
        register, b, log = _joined(path)
        assert register.encoding == encoding
        assert b.loc[["B1", "B2"], ["households", "population"]].values.tolist() == [[40, 100], [7, 20]]
    gbk = tmp_path / "gbk.csv"  # GBK whose bytes Big5 reads too stays GBK
    gbk.write_bytes("楼栋编号,户数\nB1,40\n".encode("gbk"))
    assert read_register(gbk).encoding == "GBK/GB18030"


def test_a_count_column_headed_twice_is_refused_naming_both(tmp_path):
    """户数 twice (an old column left beside the new one): the first was read without a word, whichever held
    this year's figures. A header merged across two columns (地址 over street and number) is still one."""
    path = tmp_path / "r.csv"
    path.write_text("楼栋编号,户数,户数\nB1,3,9\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"r\.csv: columns 2 and 3 are both headed '户数': which one holds the "
                                         r"households\? Delete or rename the other"):
        read_register(path)
    merged = _workbook(tmp_path / "m.xlsx", {"登记": [["地址", None, "户数"], ["建设路", "1号", 40]]})
    book = load_workbook(merged)
    book["登记"].merge_cells("A1:B1")
    book.save(merged)
    assert len(read_register(merged).rows) == 1


def test_a_summary_sheet_listing_the_grid_sheets_buildings_again_is_left_out_or_refused(tmp_path):
    """One sheet per 网格 and a 汇总 sheet listing every building again: read as a sheet too, B1 and B2 had
    twice their households. One that disagrees with the grid sheets is refused, the building named."""
    head = ["楼栋编号", "户数"]
    grids = {"网格1": [head, ["B1", 10], ["B2", 4]], "网格2": [head, ["B1", 2], ["B3", 6]]}
    path = _workbook(tmp_path / "r.xlsx", {"全社区汇总": [head, ["B1", 12], ["B2", 4], ["B3", 6]], **grids})
    _, b, log = _joined(path)
    assert b.loc[["B1", "B2", "B3"], "households"].tolist() == [12, 4, 6]
    assert log["register_sheets_left_out"] == "'全社区汇总' (the other sheets' buildings again, summed)"
    wrong = _workbook(tmp_path / "w.xlsx", {**grids, "汇总": [head, ["B1", 10], ["B2", 4], ["B3", 6]]})
    with pytest.raises(InputError, match=r"sheet '汇总', row 2: the sheet sums the others .* building 'B1' has 10 "
                                         r"households there and 12 on sheets '网格1', '网格2'"):
        read_register(wrong)
    apart = _workbook(tmp_path / "a.xlsx", {**grids, "合计": [head, ["B4", 5]]})  # no building of the others
    _, b, log = _joined(apart, _buildings(["B1", "B2", "B3", "B4"]))
    assert b.loc["B4", "households"] == 5 and "register_sheets_left_out" not in log


def test_a_key_excel_took_for_a_date_is_refused_saying_what_was_typed(tmp_path):
    """楼栋编号 3-2 (building 3's unit 2) or 门牌号 1-2 typed into a General cell: Excel stores 2 March or 2 January.
    The row went to the unmatched file as '2026-03-02T00:00:00', its households left out without a word."""
    import datetime as dt
    path = _workbook(tmp_path / "r.xlsx", {"登记": [["楼栋编号", "户数"], ["B1", 4], [dt.datetime(2026, 3, 2), 10]]})
    with pytest.raises(InputError, match=r"sheet '登记', row 3: building_id 2026-03-02 is a date \(Excel takes '3-2' "
                                         r"or '3/2' typed into a cell for one\); format the column as Text"):
        read_register(path)
    street = _workbook(tmp_path / "s.xlsx", {"登记": [["街路巷", "门牌号", "户数"], ["建设路", dt.date(2026, 1, 2), 4],
                                                      ["建设路", dt.date(2026, 1, 3), 5]]})
    with pytest.raises(InputError, match=r"rows 2, 3: address 2026-01-02, 2026-01-03 are dates \(Excel takes '1-2'"):
        read_register(street)


def test_a_register_of_one_row_per_person_counts_households_by_their_head_and_people_by_rows(tmp_path):
    """A 人口管理系统 export: one row per person with 与户主关系. It was refused (no households column); with a
    户号 too, every member's row was a household 'entered twice' and the people were not counted."""
    path = tmp_path / "人口.csv"
    path.write_bytes(("姓名,与户主关系,门牌地址\n张一,户主,建设路1号101室\n张二,配偶,建设路1号101室\n"
                      "王一,本人,建设路1号102室\n李一,户主,建设路2号\n李二,子,建设路2号\n李三,女,建设路2号\n")
                     .encode("gbk"))
    buildings = _buildings(["B1", "B2", "B3"], ["建设路"] * 3, ["1", "2", "3"])
    _, b, log = _joined(path, buildings)
    assert b.loc[["B1", "B2"], ["households", "population"]].values.tolist() == [[2, 3], [1, 3]]
    assert log["register_rows_per_person"] == "6 people in 3 households"
    path.write_bytes("户号,姓名,与户主关系,楼栋编号\nH1,张一,户主,B1\nH1,张二,配偶,B1\nH2,王二,妻,B2\n".encode("gbk"))
    _, b, log = _joined(path)
    assert b.loc[["B1", "B2"], ["households", "population"]].values.tolist() == [[1, 2], [1, 1]]
    assert "register_households_entered_twice" not in log
    path.write_bytes("户主姓名,与户主关系,楼栋编号\n张一,户主,B1\n王一,户主,B1\n".encode("gbk"))
    _, b, _ = _joined(path)  # heads only: households, and their people unknown (not one each)
    assert b.loc["B1", "households"] == 2 and b.loc["B1", "population"] > 2
    path.write_bytes("姓名,与户主关系,楼栋编号\n张二,配偶,B1\n张三,子,B1\n".encode("gbk"))
    with pytest.raises(InputError, match="register lists people, one a row .* no row is a household's head"):
        read_register(path)


@pytest.mark.parametrize(("under", "read"), [(("常住", "流动"), [10, 12]), (("流动", "常住"), [10, 12]),
                                             (("户籍", "常住", "合计"), [12, 15]), (("户籍", "流动"), None)])
def test_the_total_or_residents_sub_column_of_a_merged_count_header_is_read(tmp_path, under, read):
    """户数 merged over 合计 | 常住 | 流动 (or 户籍 | 常住): the first sub-column was read whatever it held, the
    registered (户籍) households, some living elsewhere, or the floating ones (流动) alone; over 户籍 | 流动 (or 人口
    over 男 | 女) it is refused: each is a part."""
    figures = {"常住": (10, 12), "流动": (2, 3), "户籍": (11, 13), "合计": (12, 15)}
    book = Workbook()
    ws = book.active
    ws.append(["楼栋编号", "户数", *[None] * (len(under) - 1)])
    ws.append([None, *under])
    ws.merge_cells("A1:A2")
    ws.merge_cells(start_row=1, start_column=2, end_row=1, end_column=1 + len(under))
    for i, b in enumerate(("B1", "B2")):
        ws.append([b, *[figures[w][i] for w in under]])
    book.save(tmp_path / "r.xlsx")
    if read is None:  # neither a total nor the residents': registered and floating households are parts
        with pytest.raises(InputError, match=r"r\.xlsx: sheet 'Sheet', columns 2, 3 are all '户数' \('户籍', '流动'\) and "
                                             r"none is a total \(合计\): which holds the households\?"):
            read_register(tmp_path / "r.xlsx")
        return
    _, b, _ = _joined(tmp_path / "r.xlsx")
    assert b.loc[["B1", "B2"], "households"].tolist() == read


def test_a_csv_cell_written_as_a_text_formula_is_its_text(tmp_path):
    """A system's CSV export keeps an id's leading zeros as ="000123" (Excel opens it as the text): the ids were
    unmatched and the counts refused as formulas a workbook does not store."""
    path = tmp_path / "r.csv"
    path.write_text('楼栋编号,户数\n="000123",="12"\n"=""B2""",7\n', encoding="utf-8-sig")
    _, b, _ = _joined(path, _buildings(["000123", "B2"]))
    assert b.loc[["000123", "B2"], "households"].tolist() == [12, 7]


def test_a_serial_number_column_beside_the_addresses_is_no_building_id(tmp_path):
    """编号 is each row's serial number and the office numbers its buildings 1, 2 … too: row 1's households went
    to building 1 though its address is building 3's, silently. More rows whose id and address name two buildings
    than rows where they agree is refused; a few are logged, joined by id."""
    buildings = _buildings(["1", "2", "3", "4"], ["建设路"] * 4, ["10", "20", "30", "40"])
    path = tmp_path / "r.csv"
    path.write_text("编号,地址,户数\n1,建设路30号,5\n2,建设路40号,6\n3,建设路10号,7\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"rows 2, 3, 4: the building id and the address name different buildings "
                                         r"\(3 rows; 0 agree\): building_id '1' is building '1', address '建设路30号' "
                                         r"is building '3'\. Is the id column a row's serial number"):
        _joined(path, buildings)
    _, b, _ = _joined(path, buildings, key_column="地址")
    assert b.loc[["1", "3", "4"], "households"].tolist() == [7, 5, 6]
    path.write_text("编号,地址,户数\n1,建设路10号,5\n2,建设路20号,6\n3,建设路10号,7\n", encoding="utf-8")
    _, b, log = _joined(path, buildings)  # one slip: the id holds, as ids join first
    assert b.loc[["1", "2", "3"], "households"].tolist() == [5, 6, 7]
    assert log["register_rows_id_address_differ"] == "1 (row 4), joined by id"


def test_sub_labels_under_a_header_merged_across_are_header_though_the_cells_beside_are_not_merged_down(tmp_path):
    """户数 merged over 常住 | 流动, 楼栋编号 above an empty cell (not merged down): the sub-labels' row was read as a
    record and refused ('常住' is not a whole count). 地址 merged over 街路巷 | 门牌号 was read as the street alone
    (every row '建设路'), with or without 户数 merged down beside it."""
    path = _workbook(tmp_path / "r.xlsx", {"登记": [["楼栋编号", "户数", None], [None, "常住", "流动"], ["B1", 10, 2]]})
    book = load_workbook(path)
    book["登记"].merge_cells("B1:C1")
    book.save(path)
    _, b, log = _joined(path)
    assert b.loc["B1", "households"] == 10 and "户数/常住" in log["register_columns"]
    titled = _workbook(tmp_path / "t.xlsx", {"登记": [["住户登记表"], ["楼栋编号", "户数", "人口"], [None, None, "户籍"],
                                                     ["B1", 10, 30]]})
    book = load_workbook(titled)
    for cells in ("A1:C1", "A2:A3", "B2:B3"):  # a title merged across the table is no header over the header
        book["登记"].merge_cells(cells)
    book.save(titled)
    _, b, _ = _joined(titled)
    assert b.loc["B1", ["households", "population"]].tolist() == [10, 30]
    for down in (False, True):
        path = _workbook(tmp_path / f"a{down}.xlsx", {"登记": [["地址", None, "户数"], ["街路巷", "门牌号", None],
                                                              ["建设路", "1号", 10], ["建设路", "2号", 4]]})
        book = load_workbook(path)
        book["登记"].merge_cells("A1:B1")
        if down:
            book["登记"].merge_cells("C1:C2")
        book.save(path)
        _, b, _ = _joined(path, _buildings(["B1", "B2"], ["建设路"] * 2, ["1", "2"]))
        assert b.loc[["B1", "B2"], "households"].tolist() == [10, 4]


def test_an_excel_binary_or_wps_workbook_is_refused_saying_how_to_save_it(tmp_path):
    """An .xlsb (named .xlsx, as it gets renamed) said 'File contains no valid workbook part'; a WPS .et, that a
    register must be a .csv … file."""
    import zipfile
    xlsb = tmp_path / "r.xlsx"
    with zipfile.ZipFile(xlsb, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.bin", b"\x83\x01\x00")
    with pytest.raises(InputError, match=r"r\.xlsx: is an Excel binary workbook \(\.xlsb\); save it as \.xlsx"):
        read_register(xlsb)
    et = tmp_path / "r.et"
    et.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(InputError, match=r"r\.et: is a WPS spreadsheet \(\.et\); save it as \.xlsx \(or \.csv\) in WPS"):
        read_register(et)


def test_building_numbers_in_chinese_numerals_are_the_buildings_ids(tmp_path):
    """楼栋号 十二栋 or 第五幢 and no compound: the rows were unmatched ('no building with this id') though 12栋 met 12."""
    path = tmp_path / "r.csv"
    path.write_text("楼栋号,户数\n十二栋,10\n第五幢,5\n第3栋,4\n", encoding="utf-8")
    _, b, _ = _joined(path, _buildings(["12", "5", "3"]))
    assert b.loc[["12", "5", "3"], "households"].tolist() == [10, 5, 4]


@pytest.mark.parametrize("head", ["樓宇編號 Building ID,戶數 Households", '"樓宇編號\nBuilding ID","戶數\nHouseholds"',
                                  "樓宇編號/Building ID,戶數/Households"])
def test_bilingual_headers_as_hong_kong_and_macau_write_them_are_read(tmp_path, head):
    """Chinese and English in one header cell, beside, on two lines or parted by a slash: no header was found."""
    path = tmp_path / "r.csv"
    path.write_text(f"{head}\nB1,12\n", encoding="utf-8")
    _, b, _ = _joined(path)
    assert b.loc["B1", "households"] == 12


def test_one_sheet_per_street_puts_its_house_numbers_on_that_street(tmp_path):
    """一街一表: sheets 建设路 and 解放路, each with 门牌号 1号, 2号 …: refused, none of its rows' addresses ('1号') is a
    building's. An address with its street on such a sheet keeps it."""
    head = ["门牌号", "户数"]
    path = _workbook(tmp_path / "r.xlsx", {"建设路": [head, ["1号", 4], ["２号", 5]], "解放路": [head, ["1号", 6],
                                                                                           ["建设路3号", 7]]})
    buildings = _buildings(["a", "b", "c", "d"], ["建设路", "建设路", "解放路", "建设路"], ["1", "2", "1", "3"])
    _, b, log = _joined(path, buildings)
    assert b.loc[["a", "b", "c", "d"], "households"].tolist() == [4, 5, 6, 7]
    assert log["register_sheets_as_streets"] == "建设路, 解放路"


def test_a_count_a_failed_formula_left_says_so(tmp_path):
    """户数 filled by VLOOKUP, #N/A where the lookup found nothing: refused only as 'not a whole count'."""
    path = _workbook(tmp_path / "r.xlsx", {"登记": [["楼栋编号", "户数"], ["B1", "#N/A"], ["B2", 3]]})
    with pytest.raises(InputError, match=r"row 2: households '#N/A' is not a whole count >= 0; '#N/A' is the error of "
                                         r"a formula that failed"):
        read_register(path)
