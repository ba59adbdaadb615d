"""Translations: every user-visible string goes through :func:`tr` (one context, ``gridkit``).

The ``.ts`` sources live beside this file and are committed; scripts/plugin-zip.sh
compiles them to ``.qm`` with ``lrelease``. ``qgis_plugin/tools/update_ts.py``
collects the ``tr("...")`` strings of the plugin into the ``.ts`` files.
"""

from __future__ import annotations

import collections
from pathlib import Path

from qgis.PyQt.QtCore import QCoreApplication, QLocale, QSettings, QTranslator

__all__ = ["tr", "file_filter", "install_translator", "remove_translator", "CONTEXT", "locale_name",
           "translation_names", "worker_message", "library_text", "in_chinese", "plan_layer_title", "stage_text",
           "profile_label"]

CONTEXT = "gridkit"
FOLDER = Path(__file__).resolve().parent
_INSTALLED: list[QTranslator] = []


def tr(text: str) -> str:
    """``text`` in the user's language (when the plugin has that translation)."""
    return QCoreApplication.translate(CONTEXT, text)


def file_filter(*kinds: tuple[str, str]) -> str:
    """A file dialog's filter of ``(label, patterns)`` pairs, labels translated by the caller.

    The patterns never go through a translation: Qt's file dialogs and QGIS's check of a Processing
    file parameter read them only between ASCII brackets, and a translation's full-width ``（*.gpkg）``
    made every dialog show no file and the Partition algorithm refuse every input.

    >>> file_filter(("GeoPackage", "*.gpkg"), ("All files", "*"))
    'GeoPackage (*.gpkg);;All files (*)'
    """
    return ";;".join(f"{label} ({patterns})" for label, patterns in kinds)


#: Script and bare-language forms of a locale, and the translation file each uses.
_ALIASES = {"zh": "zh_CN", "zh_hans": "zh_CN", "zh_hans_cn": "zh_CN", "zh_sg": "zh_CN", "zh_hans_sg": "zh_CN",
            "zh_hant": "zh_TW", "zh_hant_tw": "zh_TW", "zh_hk": "zh_TW", "zh_hant_hk": "zh_TW", "zh_mo": "zh_TW"}


def locale_name() -> str:
    """The locale QGIS runs in: what QGIS itself uses (``QgsApplication.locale()``), else its
    ``locale/userLocale`` setting when the override is on, else the system's."""
    try:
        from qgis.core import QgsApplication

        value = QgsApplication.locale()
    except Exception:  # noqa: BLE001 - outside QGIS (tests of the translations alone)
        value = ""
    if not value:
        settings = QSettings()
        override = settings.value("locale/overrideFlag", False, type=bool)
        value = settings.value("locale/userLocale", "", type=str) if override else ""
        value = value or settings.value("locale/userLocale", "", type=str) or QLocale().name()
    return value or "en"


def translation_names(locale: str) -> list[str]:
    """The translation file names to try for a locale in any of its forms, best first.

    QGIS stores 简体中文 as ``zh-Hans``; others write ``zh_CN``, ``zh-CN``, ``zh_Hans_CN``
    or just ``zh``. All of them mean the ``zh_CN`` translation.

    >>> translation_names("zh-Hans"), translation_names("zh"), translation_names("de_DE")
    (['zh_CN', 'zh'], ['zh_CN', 'zh'], ['de_DE', 'de'])
    """
    key = locale.replace("-", "_").replace(".", "_").split("@")[0]
    parts = [p for p in key.split("_") if p]
    if not parts:
        return ["en"]
    lang = parts[0].lower()
    full = "_".join([lang, *(p.upper() if len(p) == 2 else p.title() for p in parts[1:])])
    for form in (full.lower(), "_".join(parts[:2]).lower(), lang):
        if form in _ALIASES:
            return [_ALIASES[form], lang]
    region = next((p.upper() for p in parts[1:] if len(p) == 2), "")
    names = [f"{lang}_{region}"] if region else []
    return [*names, lang]


def install_translator(locale: str | None = None) -> str | None:
    """Load ``gridkit_qgis_<name>.qm`` for QGIS's locale (any form, see :func:`translation_names`);
    returns the file loaded, if any."""
    locale = locale or locale_name()
    for name in translation_names(locale):
        path = FOLDER / f"gridkit_qgis_{name}.qm"
        if path.exists():
            translator = QTranslator()
            if translator.load(str(path)):
                QCoreApplication.installTranslator(translator)
                _INSTALLED.append(translator)
                return str(path)
    return None


def in_chinese() -> bool:
    """Whether the plugin speaks Chinese (its zh translation is loaded): then the library's own Chinese names
    (the report's names of metrics) are shown too."""
    return any(t.language().startswith("zh") for t in _INSTALLED)


def remove_translator() -> None:
    while _INSTALLED:
        QCoreApplication.removeTranslator(_INSTALLED.pop())


def _message_patterns() -> list[tuple[str, str]]:
    """(English pattern, translated template) of the messages gridkit's editor sends (gridkit.edits,
    gridkit.levels.divide); placeholders are the pattern's named groups."""
    return [
        (r"grid (?P<code>\S+) is locked; unlock it first", tr("grid {code} is locked; unlock it first")),
        (r"grid feature (?P<fid>-?\d+) is not in the layer", tr("grid feature {fid} is not in the layer")),
        (r"block (?P<block>.+) is not in this plan", tr("block {block} is not in this plan")),
        (r"pick two different grids to merge", tr("pick two different grids to merge")),
        (r"the move would leave grid (?P<code>\S+) in (?P<n>\d+) pieces",
         tr("the move would leave grid {code} in {n} pieces")),
        (r"the line does not cross grid (?P<code>\S+) from edge to edge",
         tr("the line does not cross grid {code} from edge to edge")),
        (r"the grid would not be divided: no block on the other side",
         tr("the grid would not be divided: no block on the other side")),
        (r"draw a line of at least two points", tr("draw a line of at least two points")),
        (r"split into at least 2 grids", tr("split into at least 2 grids")),
        (r"grid (?P<code>\S+) cannot be split into (?P<n>\d+): it has only (?P<k>\d+) block\(s\)",
         tr("grid {code} cannot be split into {n}: it has only {k} block(s)")),
        (r"grid (?P<code>\S+) cannot be split into (?P<n>\d+): (?P<reason>.+); (?P<k>\d+) is possible",
         tr("grid {code} cannot be split into {n}: {reason}; {k} is possible")),
        (r"grid (?P<code>\S+) cannot be split into (?P<n>\d+): (?P<reason>.+)",
         tr("grid {code} cannot be split into {n}: {reason}")),
        (r"only (?P<k>\d+) blocks \(compounds kept whole\)", tr("only {k} blocks (compounds kept whole)")),
        (r"a compound or block of (?P<h>\d+) households is kept whole \(each of (?P<n>\d+) parts holds about "
         r"(?P<t>\d+)\)", tr("a compound or block of {h} households is kept whole (each of {n} parts holds about {t})")),
        (r"its blocks lie in (?P<k>\d+) pieces that no street links \(a barrier between them\)",
         tr("its blocks lie in {k} pieces that no street links (a barrier between them)")),
        (r"the streets do not allow (?P<n>\d+) connected parts of at most (?P<hi>\d+) households",
         tr("the streets do not allow {n} connected parts of at most {hi} households")),
        (r"the streets allow only (?P<k>\d+) connected parts", tr("the streets allow only {k} connected parts")),
        (r"every grid is locked: nothing to rebalance", tr("every grid is locked: nothing to rebalance")),
        (r"the grid layer is empty", tr("the grid layer is empty")),
        (r"the editing session has ended; open the plan again", tr("the editing session has ended; open the plan again")),
        (r"(?P<path>.+): no such plan file", tr("{path}: no such plan file")),
        (r"scenario name is empty; give the scenario a name", tr("scenario name is empty; give the scenario a name")),
        (r"scenario name (?P<name>.+): '#' is not allowed \(it separates the name in PLAN\.gpkg#NAME\)",
         tr("scenario name {name}: '#' is not allowed (it separates the name in PLAN.gpkg#NAME)")),
        (r"scenario name (?P<name>.+): control characters are not allowed",
         tr("scenario name {name}: control characters are not allowed")),
        (r"scenario name (?P<name>.+): (?P<n>\d+) characters, at most (?P<k>\d+)",
         tr("scenario name {name}: {n} characters, at most {k}")),
        (r"(?P<path>.+): no scenario (?P<name>.+); its scenarios: (?P<names>.*)",
         tr("{path}: no scenario {name}; its scenarios: {names}")),
        (r"(?P<path>.+): no scenario (?P<name>.+); it has none \(save one first\)",
         tr("{path}: no scenario {name}; it has none (save one first)")),
        (r"scenario (?P<name>.+): the plan breaks (?P<failures>.+); it is not saved as a scenario",
         tr("scenario {name}: the plan breaks {failures}; it is not saved as a scenario")),
    ]


#: Where a library message starts: a file or URL, then its layer, feature or street office (one group).
_WHERE = r"(?P<where>.+?)"


def _library_patterns() -> list[tuple[str, str]]:
    """(English pattern, translated template) of what gridkit's library tells a user through the plugin: the
    run's warnings (``Plan.warnings``) and the input and plan errors met most (gridkit.area, gridkit.io,
    gridkit.crs). Any other message keeps gridkit's English inside a translated frame (:func:`worker_message`)."""
    w = _WHERE
    return [
        (r"the area covers (?P<km2>[\d,.]+) km², more than a street office \((?P<max>[\d,.]+) km², "
         r"office\.max_area_km2 of profile '(?P<profile>[^']*)'\): check its extent \(a whole district or region\?\), "
         r"or give a profile whose office\.max_area_km2 fits the office",
         tr("the area covers {km2} km², more than a street office ({max} km², office.max_area_km2 of profile "
            "'{profile}'): check its extent (a whole district or region?), or give a profile whose "
            "office.max_area_km2 fits the office")),
        (r"(?P<n>\d+) of the boundary's (?P<m>\d+) features holds? no building(?P<names> \(.*\))?: each is still "
         r"part of the area, grids nobody lives in; if one is another office's, leave it out of the boundary layer",
         tr("{n} of the boundary's {m} features hold no building{names}: each is still part of the area, grids nobody "
            "lives in; if one is another office's, leave it out of the boundary layer")),
        (w + r": is locked by another program writing to it \(SQLite: database is locked\); close it there, or let it "
             r"finish saving, and run again",
         tr("{where}: is locked by another program writing to it; close it there, or let it finish saving, then try "
            "again")),
        (w + r": none of its (?P<n>\d+) rows matches a building of the area: (?P<said>.+)\. Is it this area's "
             r"register, keyed as its buildings are\? Another column can be named: --key-column",
         tr("{where}: none of its {n} rows matches a building of the area: {said}. Is it this area's register, keyed "
            "as its buildings are? Another key column can be named")),
        (w + r": no such (?:file or folder|file|plan file|existing plan|register file|roster file|totals file)",
         tr("{where}: no such file or folder")),
        (w + r": has no 'buildings' layer(?: \(found: (?P<found>[^)]*)\).*)?",
         tr("{where}: has no 'buildings' layer (the layers gridkit reads are boundary, roads, buildings, barriers …)")),
        (w + r": has no features with a geometry", tr("{where}: has no features with a geometry")),
        (w + r": no building lies inside the boundary \((?P<inside>.+?)\); the nearest is (?P<km>\S+) km from it: "
         r"are both layers' CRS right\?",
         tr("{where}: no building lies inside the boundary ({inside}); the nearest is {km} km from it: are both "
            "layers' CRS right?")),
        (w + r": no building lies inside the boundary \((?P<inside>.+?)\); .*",
         tr("{where}: no building lies inside the boundary ({inside})")),
        (w + r": has no coordinate reference system \(CRS\).*",
         tr("{where}: has no coordinate reference system (CRS); set one, e.g. EPSG:4326")),
        (w + r": coordinates look like degrees .* is projected; the CRS is probably wrong",
         tr("{where}: coordinates look like degrees but the CRS is projected; the CRS is probably wrong")),
        (w + r": coordinates look like metres .* is longitude/latitude; the CRS is probably wrong.*",
         tr("{where}: coordinates look like metres but the CRS is longitude/latitude; the CRS is probably wrong")),
        (w + r": coordinates \((?P<x>[^,]+), (?P<y>[^)]+)\) are no place on Earth in the CRS '(?P<crs>[^']*)'; the "
             r"CRS is probably wrong \(an easting of 8 digits has its zone's number in front, zone (?P<zone>\d+): give "
             r"the CRS of that zone(?P<fits>, .+)?\)",
         tr("{where}: coordinates ({x}, {y}) are no place on Earth in the CRS '{crs}'; the CRS is probably wrong (an "
            "easting of 8 digits has its zone's number in front, zone {zone}: give the CRS of that zone{fits})")),
        (w + r": coordinates \((?P<x>[^,]+), (?P<y>[^)]+)\) are no place on Earth in the CRS '(?P<crs>[^']*)'; the "
             r"CRS is probably wrong \(the CRS expects its zone's number in front of the easting and these eastings "
             r"have none: give the CRS of the zone's central meridian(?P<fits>, .+)?\)",
         tr("{where}: coordinates ({x}, {y}) are no place on Earth in the CRS '{crs}'; the CRS is probably wrong (the "
            "CRS expects its zone's number in front of the easting and these eastings have none: give the CRS of the "
            "zone's central meridian{fits})")),
        (w + r": coordinates \((?P<x>[^,]+), (?P<y>[^)]+)\) are no place on Earth in the CRS '(?P<crs>[^']*)'; the "
             r"CRS is probably wrong",
         tr("{where}: coordinates ({x}, {y}) are no place on Earth in the CRS '{crs}'; the CRS is probably wrong")),
        (w + r": coordinates \((?P<x>[^,]+), (?P<y>[^)]+)\) lie at (?P<place>.+?) in the CRS '(?P<crs>[^']*)', far "
             r"outside the area it is made for \((?P<use>[^)]*)\); the CRS is probably wrong; read as Web Mercator "
             r"metres \(EPSG:3857, as web maps store them\) they lie at (?P<mercator>.+?), inside it: give the layer "
             r"EPSG:3857",
         tr("{where}: coordinates ({x}, {y}) lie at {place} in the CRS '{crs}', far outside the area it is made for "
            "({use}); the CRS is probably wrong; read as Web Mercator metres (EPSG:3857, as web maps store them) "
            "they lie at {mercator}, inside it: give the layer EPSG:3857")),
        (w + r": coordinates \((?P<x>[^,]+), (?P<y>[^)]+)\) lie at (?P<place>.+?) in the CRS '(?P<crs>[^']*)', far "
             r"outside the area it is made for \((?P<use>[^)]*)\); the CRS is probably wrong",
         tr("{where}: coordinates ({x}, {y}) lie at {place} in the CRS '{crs}', far outside the area it is made for "
            "({use}); the CRS is probably wrong")),
        (w + r": none of its (?P<n>\d+) features reaches the area; the nearest is (?P<km>\S+) km from it, further "
             r"than the area is wide \((?P<width>\S+) km\): are both layers' CRS right\?",
         tr("{where}: none of its {n} features reaches the area; the nearest is {km} km from it, further than the "
            "area is wide ({width} km): are both layers' CRS right?")),
        (w + r": cannot be unpacked: (?P<why>.+)", tr("{where}: cannot be unpacked: {why}")),
        (w + r": cannot be opened as a vector data source: (?P<why>.+)",
         tr("{where}: cannot be opened as a vector data source: {why}")),
        (w + r": cannot be opened as a GeoPackage: (?P<why>.+)", tr("{where}: cannot be opened as a GeoPackage: {why}")),
        (w + r": cannot be read: (?P<why>.+)", tr("{where}: cannot be read: {why}")),
        (w + r": has no geometry column \(a table, not a map layer\)",
         tr("{where}: has no geometry column (a table, not a map layer)")),
        (w + r": not a gridkit plan: layer '(?P<layer>[^']+)' is missing",
         tr("{where}: not a gridkit plan: layer '{layer}' is missing")),
        (w + r": not a gridkit plan: no column (?P<columns>.+)", tr("{where}: not a gridkit plan: no column {columns}")),
        (w + r": has no polygon with an area", tr("{where}: has no polygon with an area")),
        (w + r": is a folder, not a (?:file|plan GeoPackage|register file|roster file|totals file)",
         tr("{where}: is a folder, not a file")),
        (w + r": output must end in (?P<suffixes>.+)", tr("{where}: output must end in {suffixes}")),
        (w + r": the folder (?P<folder>.+) does not exist; create it first",
         tr("{where}: the folder {folder} does not exist; create it first")),
        (w + r": is also an input \((?P<given>.+)\); write the output to another file",
         tr("{where}: is also an input ({given}); write the output to another file")),
        (w + r": cannot be written: the disk is full.*", tr("{where}: cannot be written: the disk is full")),
        (w + r": cannot be written: (?P<why>.+)", tr("{where}: cannot be written: {why}")),
        (w + r": is open for writing in another program \((?P<file>\S+) beside it, e\.g\. QGIS editing it\); close it "
             r"there first, or make the change in QGIS's gridkit dock",
         tr("{where}: is open for writing in another program ({file} beside it, e.g. QGIS editing it); close it "
            "there first, or make the change in gridkit's dock in QGIS")),
        (w + r": cannot write in the folder (?P<folder>.+): (?P<why>.+)",
         tr("{where}: cannot write in the folder {folder}: {why}")),
        (w + r": exists and is not (?P<what>.+), so it is not replaced; write the output to another file",
         tr("{where}: exists and is not {what}, so it is not replaced; write the output to another file")),
        (w + r": has no features \(all deleted\?\); make the plan again with gridkit partition, or switch to a saved "
             r"scenario",
         tr("{where}: has no features (all deleted?); make the plan again with Partition, or switch to a saved "
            "scenario")),
        (w + r": not a gridkit plan: no geometry column", tr("{where}: not a gridkit plan: no geometry column")),
        (w + r": features? (?P<features>.+) (?:has|have) no geometry; draw it again or delete the feature",
         tr("{where}: feature(s) {features} have no geometry; draw them again or delete them")),
        (w + r": features? (?P<features>.+): coordinates are not finite numbers \(NaN or inf\)",
         tr("{where}: feature(s) {features}: coordinates are not finite numbers (NaN or inf)")),
        (w + r": coordinates are not finite numbers", tr("{where}: coordinates are not finite numbers")),
        (w + r": latitude (?P<lo>\S+)\.\.(?P<hi>\S+) is outside -90\.\.90.*",
         tr("{where}: latitude {lo}..{hi} is outside -90..90: the coordinates are not longitude/latitude, or "
            "longitude and latitude are swapped")),
        (w + r": longitude (?P<lo>\S+)\.\.(?P<hi>\S+) is outside -180\.\.180",
         tr("{where}: longitude {lo}..{hi} is outside -180..180")),
        (w + r": --from-gcj02 needs longitude/latitude input, but the CRS is projected",
         tr("{where}: GCJ-02 correction needs longitude/latitude input, but the CRS is projected")),
        (w + r": has no footprint larger than cleaning\.min_footprint_m2 \((?P<m2>\S+) m²\)",
         tr("{where}: has no building footprint larger than {m2} m² (cleaning.min_footprint_m2)")),
        (w + r": has no polygons \(its features are (?P<types>[^)]*)\); buildings must be footprints",
         tr("{where}: has no polygons (its features are {types}); buildings must be footprints")),
        (w + r": no building lies inside the boundary \((?P<inside>.+?)\); none has (?P<share>\S+) of its footprint "
             r"inside \(cleaning\.inside_share\)",
         tr("{where}: no building lies inside the boundary ({inside}); none has {share} of its footprint inside "
            "(cleaning.inside_share)")),
        (w + r": the Shapefile's (?P<missing>.+) file is missing; .*",
         tr("{where}: the Shapefile's {missing} file is missing; a Shapefile is its .shp, .shx and .dbf files (and "
            ".prj, .cpg) together: copy them all")),
        (w + r": has two files for layer '(?P<layer>[^']+)' \((?P<found>[^)]*)\); keep one",
         tr("{where}: has two files for layer '{layer}' ({found}); keep one")),
        # Registers and other tables (gridkit.io.tables, gridkit.register, gridkit.roster).
        (w + r": is an OpenDocument spreadsheet \(\.ods\); save it as \.xlsx.*",
         tr("{where}: is an OpenDocument spreadsheet (.ods); save it as .xlsx (or .csv) in LibreOffice or WPS and "
            "give that")),
        (w + r": a (?P<what>.+?) must be a (?P<suffixes>.+) file", tr("{where}: a {what} must be a {suffixes} file")),
        (w + r": (?P<what>.+?) needs a header row \(within its first (?P<n>\d+) rows(?: in any of its (?P<sheets>\d+) "
             r"sheets)?; hidden sheets are not read: (?P<hidden>.+?)\) with columns (?P<wanted>.+?)(?:; column .*)? "
             r"\((?:(?P<sheet>.+?) has: (?P<seen>.+)|it is empty)\)(?:; .*)?",
         tr("{where}: the {what} needs a header row (within its first {n} rows) with the columns {wanted}; hidden "
            "sheets are not read: {hidden}")),
        (w + r": (?P<what>.+?) needs a header row \(within its first (?P<n>\d+) rows(?: in any of its (?P<sheets>\d+) "
             r"sheets)?\) with columns (?P<wanted>.+?)(?:; column .*)? \((?:(?P<sheet>.+?) has: (?P<seen>.+)|it is "
             r"empty)\)(?:; .*)?",
         tr("{where}: the {what} needs a header row (within its first {n} rows) with the columns {wanted}; the "
            "closest has: {seen}")),
        (w + r": cannot read (?P<what>.+?): the text is none of UTF-8, UTF-16, GBK/GB18030 or Big5 .*",
         tr("{where}: cannot read the {what}: the text is none of UTF-8, UTF-16, GBK/GB18030 or Big5; save it as "
            "UTF-8")),
        (w + r": cannot read (?P<what>.+?): it starts as (?P<encoding>.+) but is not \(undecodable byte at offset "
             r"(?P<offset>\d+)\)",
         tr("{where}: cannot read the {what}: it starts as {encoding} but is not (byte {offset} cannot be read); save "
            "it as UTF-8 again")),
        (w + r": cannot read (?P<what>.+?): the file is damaged, or is not really an? (?P<kind>\.xlsx?) .*",
         tr("{where}: cannot read the {what}: the file is damaged, or is not really an {kind} workbook; open it in "
            "Excel or WPS and save it again as .xlsx (if they cannot open it either, copy it again from its source)")),
        (w + r": cannot read (?P<what>register|roster|totals file): (?P<why>.+)",
         tr("{where}: cannot read the {what}: {why}")),
        (w + r": reading a legacy \.xls (?P<what>.+?) needs the xlrd package .*",
         tr("{where}: a legacy .xls {what} cannot be read here; save it as .xlsx in Excel or WPS")),
        (w + r": is protected by a password; .*",
         tr("{where}: is protected by a password; open it in Excel, remove the password (File > Info > Protect "
            "Workbook > Encrypt with Password) and save it again")),
        (w + r": register needs a 'building_id' or 'address' column",
         tr("{where}: the register needs a column naming the building (楼栋编号) or its address (地址)")),
        (w + r": register needs a 'households' column", tr("{where}: the register needs a households column (户数)")),
        (w + r": register has no row with a households figure.*",
         tr("{where}: the register has no row with a households figure")),
        (w + r": register gives households per compound .*",
         tr("{where}: the register gives households per compound and no column names a building (楼栋号, 楼栋编号 "
            "or 地址): it needs a row per building or per household")),
        (w + r": (?P<rows>.+?): building_id (?P<ids>.+) lost digits to scientific notation .*",
         tr("{where}: {rows}: building ids {ids} lost digits to scientific notation (Excel shows a long number "
            "so); in Excel, format the id column as Text, enter the ids again and save")),
        (w + r": (?P<rows>sheet '[^']*'), columns (?P<a>\d+) and (?P<b>\d+) are both headed '(?P<head>[^']*)': which "
             r"one holds the (?P<key>\S+)\? Delete or rename the other",
         tr("{where}: {rows}, columns {a} and {b} are both headed '{head}': which one holds the {key}? Delete or "
            "rename the other")),
        (w + r": columns (?P<a>\d+) and (?P<b>\d+) are both headed '(?P<head>[^']*)': which one holds the "
             r"(?P<key>\S+)\? Delete or rename the other",
         tr("{where}: columns {a} and {b} are both headed '{head}': which one holds the {key}? Delete or rename the "
            "other")),
        (w + r": (?P<rows>(?:sheet '[^']*', )?rows? .+?): (?P<column>households|population) (?P<values>.+) "
             r"(?:is not a whole count|are not whole counts) >= 0; (?P<formula>'[^']*') is a formula whose value the "
             r"workbook does not store \(a program wrote it without computing it\): open it in Excel or WPS and save it",
         tr("{where}: {rows}: {column} {values} must be a whole number >= 0; {formula} is a formula whose value the "
            "workbook does not store: open it in Excel or WPS and save it")),
        (w + r": (?P<rows>(?:sheet '[^']*', )?rows? .+?): (?P<column>households|population) (?P<values>.+) "
             r"(?:is not a whole count|are not whole counts) >= 0; (?P<exact>.+): write the exact count",
         tr("{where}: {rows}: {column} {values} must be a whole number >= 0; {exact}: write the exact count")),
        (w + r": (?P<rows>(?:sheet '[^']*', )?rows? .+?): (?P<column>households|population) (?P<values>.+) "
             r"(?:is not a whole count|are not whole counts) >= 0",
         tr("{where}: {rows}: {column} {values} must be a whole number >= 0")),
        (w + r", row (?P<row>\d+): grid code '(?P<code>[^']*)' is not a grid of this plan.*",
         tr("{where}, row {row}: grid code '{code}' is not a grid of this plan")),
        (w + r": the grid code is empty", tr("{where}: the grid code is empty")),
        (w + r": the name is empty \(grid (?P<code>.+)\)", tr("{where}: the name is empty (grid {code})")),
        # An existing division (--existing), a grid layer adopted in the dock.
        (w + r": not a plan: has no 'grids', 'communities', 'groups' or 'existing' layer",
         tr("{where}: not a plan: it has no grids, communities, groups or existing layer")),
        (w + r": needs a 'level' column \(community, group, grid or compound\)",
         tr("{where}: needs a 'level' column (community, group, grid or compound)")),
        (w + r": feature (?P<feature>\d+) has level (?P<level>.+); use community, group, grid or compound",
         tr("{where}: feature {feature} has level {level}; use community, group, grid or compound")),
        (w + r": cannot be opened: (?P<why>.+)", tr("{where}: cannot be opened: {why}")),
        (w + r": has no polygon; adopt a layer of grid polygons", tr("{where}: has no polygon; choose a layer of grid "
                                                                    "polygons")),
        (w + r": column (?P<column>.+?): code (?P<code>.+) is used by features (?P<features>.+); a code names one grid",
         tr("{where}: column {column}: code {code} is used by features {features}; a code names one grid")),
        (w + r": column (?P<column>.+?): feature\(s\) (?P<features>.+): not a count of households",
         tr("{where}: column {column}: feature(s) {features}: not a count of households")),
        (w + r": has no column (?P<column>.+?) for the (?P<key>\w+) \(its columns: (?P<columns>.*)\)",
         tr("{where}: has no column {column} for the {key} (its columns: {columns})")),
        (w + r": has several layers \((?P<names>.*)\); say which holds the grids",
         tr("{where}: has several layers ({names}); say which holds the grids")),
        # A PostGIS input or output (gridkit.io.postgis, gridkit.io.write).
        (w + r": connection failed: (?P<why>.+)", tr("{where}: cannot connect to the database: {why}")),
        (w + r": not a PostgreSQL URL: (?P<why>.+)", tr("{where}: not a PostgreSQL URL: {why}")),
        (r"PostGIS needs the 'postgis' extra \(pip install 'gridkit\[postgis\]'\): (?P<why>.+)",
         tr("PostGIS needs the 'postgis' extra (pip install 'gridkit[postgis]'): {why}")),
        (w + r": table '(?P<table>[^']+)' was not written by gridkit; it is never replaced: choose another schema",
         tr("{where}: table '{table}' was not written by gridkit; it is never replaced: choose another schema")),
        (w + r": is also the input; write the plan to another schema",
         tr("{where}: is also the input; write the plan to another schema")),
        (w + r": this output must be a file ending in (?P<suffixes>.+)",
         tr("{where}: this output must be a file ending in {suffixes}")),
        (w + r": has no geometry column", tr("{where}: has no geometry column")),
        # Scenarios, maps and reports.
        (r"community '(?P<community>.+)' is not in this plan; its communities are: (?P<names>.*)",
         tr("community '{community}' is not in this plan; its communities are: {names}")),
        (r"community '(?P<community>.+)' has no grids in this plan", tr("community '{community}' has no grids in this plan")),
        (r"give either --community or --all, not both", tr("give either one community or every community, not both")),
        (r"no CJK font found: install one, e\.g\. `(?P<command>[^`]+)`",
         tr("no Chinese font found: install one, e.g. `{command}`")),
        (w + r": scenario (?P<name>.+) has no grids", tr("{where}: scenario {name} has no grids")),
        (w + r": scenario (?P<name>.+) exists already; give another name or replace it",
         tr("{where}: scenario {name} exists already; give another name or replace it")),
        (w + r": scenario (?P<name>.+) would break (?P<failures>.+); nothing was written",
         tr("{where}: scenario {name} would break {failures}; nothing was written")),
        (w + r": (?:map|report) output must end in (?P<suffixes>.+)", tr("{where}: output must end in {suffixes}")),
        (w + r": --all writes one multi-page PDF; give an output ending in \.pdf",
         tr("{where}: every community's map is one multi-page PDF; give an output ending in .pdf")),
        (r"dpi (?P<dpi>\d+) is out of range \(30\.\.1200\)", tr("dpi {dpi} is out of range (30..1200)")),
        (r"(?P<paper>\S+) at (?P<dpi>\d+) dpi is (?P<mp>\d+) million pixels; use a lower --dpi or PDF",
         tr("{paper} at {dpi} dpi is {mp} million pixels; use a lower DPI or PDF")),
        # A profile file of the user's own (gridkit.profile).
        (w + r": not valid TOML: (?P<why>.+)", tr("{where}: not valid TOML: {why}")),
        (w + r": is not UTF-8 text \(byte (?P<byte>\d+)\), as a TOML profile must be; .*",
         tr("{where}: is not UTF-8 text (byte {byte}), as a TOML profile must be; save it as UTF-8 (in Notepad: Save "
            "As, Encoding UTF-8)")),
        (w + r": cannot read profile: (?P<why>.+)", tr("{where}: cannot read the profile: {why}")),
        (w + r": unknown key '(?P<key>[^']+)'", tr("{where}: unknown key '{key}'")),
        (w + r": missing key '(?P<key>[^']+)'", tr("{where}: missing key '{key}'")),
        (w + r": '(?P<key>[^']+)' must be true or false, not (?P<value>.+)",
         tr("{where}: '{key}' must be true or false, not {value}")),
        (w + r": '(?P<key>[^']+)' must be a (?P<type>int|float|str|string|table|list of strings), not (?P<value>.+)",
         tr("{where}: '{key}' must be a {type}, not {value}")),
        (w + r": '(?P<key>[^']+)' = (?P<value>.+) is out of range \[(?P<lo>[^,]+), (?P<hi>[^]]+)\]",
         tr("{where}: '{key}' = {value} is out of range [{lo}, {hi}]")),
        (w + r": '(?P<level>[^']+)' needs min_households <= target_households <= max_households "
             r"\(got (?P<lo>[^,]+), (?P<t>[^,]+), (?P<hi>[^)]+)\)",
         tr("{where}: '{level}' needs min_households <= target_households <= max_households (got {lo}, {t}, {hi})")),
        (w + r": community\.max_households is below grid\.max_households",
         tr("{where}: community.max_households is below grid.max_households")),
        (w + r": base = '(?P<base>[^']+)' is not a shipped profile",
         tr("{where}: base = '{base}' is not a shipped profile")),
        # What the run log says of a register (gridkit.register.TOLD).
        (r"(?P<n>\d+) \((?P<rows>.+)\), counted once", tr("{n} ({rows}), counted once")),
        (r"(?P<n>\d+) \((?P<rows>.+)\), read as any other", tr("{n} ({rows}), read as any other")),
        (r"(?P<n>\d+) \((?P<rows>.+)\), split by floor area", tr("{n} ({rows}), split by floor area")),
        (r"(?P<n>\d+) \((?P<rows>.+)\), split by footprint area", tr("{n} ({rows}), split by footprint area")),
        (r"(?P<other>.+) \(the (?P<resident>.+) sheets? counts? who lives here\)",
         tr("{other} (the {resident} sheet(s) count who lives here)")),
        # Reasons a database gives (PostgreSQL's client).
        (r'connection to server at "(?P<host>[^"]+)", port (?P<port>\d+) failed: (?P<why>.+)',
         tr('connection to server at "{host}", port {port} failed: {why}')),
        (r"Connection refused", tr("connection refused")),
        (r'password authentication failed for user "(?P<user>[^"]+)"',
         tr('password authentication failed for user "{user}"')),
        (r'database "(?P<name>[^"]+)" does not exist', tr('database "{name}" does not exist')),
        # Reasons the messages above give ({why}).
        (r"Permission denied", tr("permission denied")),
        (r"Read-only file system", tr("the disk is read-only")),
        (r"not map data in a format gridkit reads \((?P<formats>[^)]*)\)",
         tr("not map data in a format gridkit reads ({formats})")),
        (r"the file is locked by another program writing to it \(SQLite: database is locked\); close it there, or "
         r"let it finish saving, and run again",
         tr("the file is locked by another program writing to it; close it there, or let it finish saving, then try "
            "again")),
        (r"the file is damaged \(SQLite: (?:database disk image is malformed|file is not a database)\); copy it "
         r"again from its source",
         tr("the file is damaged; copy it again from its source")),
        (w + r": (?P<what>features?) (?P<features>.+): (?P<column>households|population) (?P<values>.+) "
             r"(?:is not a|are not) (?:whole )?counts? >= 0; (?P<exact>.+): write the exact count",
         tr("{where}: feature(s) {features}: {column} {values} must be a whole number >= 0; {exact}: write the exact "
            "count")),
        (w + r": (?P<what>features?) (?P<features>.+): (?P<column>households|population) (?P<values>.+) "
             r"(?:is not a|are not) (?:whole )?counts? >= 0",
         tr("{where}: feature(s) {features}: {column} {values} must be a whole number >= 0")),
    ]


def _where_text(where: str) -> str:
    """The place a library message names, its words in the user's language (paths and names as they are)."""
    import re

    where = re.sub(r", layer '([^']*)'", lambda m: tr(", layer '{name}'").format(name=m.group(1)), where)
    return re.sub(r", street office (\d{9})", lambda m: tr(", street office {code}").format(code=m.group(1)), where)


def library_text(text: str) -> str:
    """A part of what gridkit's library says (a value of its run log) in the user's language, as it is when no
    translation knows it."""
    return _translated(str(text).strip()) or str(text)


def worker_message(text: str) -> str:
    """A message of gridkit's worker or library in the user's language.

    A message no translation knows keeps gridkit's English words, framed in the user's language so that
    it reads as gridkit's (only when a translation is loaded: English needs no frame).

    >>> worker_message("grid 000000001001002 is locked; unlock it first")
    'grid 000000001001002 is locked; unlock it first'
    """
    text = str(text).strip()
    known = _translated(text)
    if known is not None:
        return known
    return tr("{message} (gridkit's message, in English)").format(message=text) if _INSTALLED else text


def _part_text(key: str, value: str) -> str:
    """A part of a library message in the user's language: a reason translated in turn, a place's or rows' words
    and the kind of table named; names, paths and values as they are."""
    import re

    if key in ("reason", "why"):
        return _translated(value) or value
    if key == "inside":  # the boundary a message names: a layer, or the polygons given instead
        return re.sub(r"^layer '([^']*)'$", lambda m: tr("layer '{name}'").format(name=m.group(1)), value)
    if key == "key":  # a register column gridkit looked for
        return {"households": tr("number of households"), "population": tr("population"),
                "building_id": tr("building id"), "address": tr("address")}.get(value, value)
    if key == "where":
        return _where_text(value)
    if key == "rows":
        value = re.sub(r"sheet '([^']*)'", lambda m: tr("sheet '{name}'").format(name=m.group(1)), value)
        return re.sub(r"\brows? (.+)$", lambda m: tr("row(s) {rows}").format(rows=m.group(1)), value)
    if key == "said":  # its building ids ('X0', …) are none of the buildings' ('B1', …); its building addresses …
        value = value.replace("its building ids", tr("its building ids")).replace(
            "its building addresses", tr("its building addresses")).replace(" are none of the buildings' ",
                                                                            tr(" are none of the buildings' "))
        return value.replace("; ", tr("; "))
    if key == "exact":  # what counts that are none are: '1.2万' is rounded to 万, '约12' is approximate, …
        value = re.sub(r" is rounded to ([^,\s]+)", lambda m: tr(" is rounded to {unit}").format(unit=m.group(1)),
                       value)
        value = value.replace(" is approximate", tr(" is approximate")).replace(" is a range", tr(" is a range"))
        return value.replace(", ", tr(", "))
    if key == "wanted":  # columns a table needs: 'a'/'b' and 'c'
        return value.replace("' and '", "'" + tr(" and ") + "'")
    if key == "what":
        return {"register": tr("register"), "roster": tr("roster"), "totals file": tr("totals file"),
                "a gridkit plan": tr("a gridkit plan"), "a file gridkit wrote": tr("a file gridkit wrote")
                }.get(value, value)
    return value


def _translated(text: str) -> str | None:
    """``text`` translated by the first pattern it matches; None when none does."""
    import re

    for pattern, template in [*_message_patterns(), *_library_patterns()]:
        match = re.fullmatch(pattern, text, flags=re.DOTALL)
        if match:
            values = {k: _part_text(k, v) for k, v in match.groupdict().items() if v is not None}
            return template.format_map(collections.defaultdict(str, values))
    return None


def _stages() -> dict[str, str]:
    """The stages gridkit's progress names (gridkit.pipeline.FILE_STAGES, gridkit.plan.PREPARE_STAGES and
    PARTITION_STAGES, gridkit.adopt.ADOPT_STAGES, gridkit.levels, gridkit.edits, and the worker's jobs)."""
    return {
        "reading the input": tr("reading the input"),
        "writing the plan": tr("writing the plan"), "households": tr("households"), "blocks": tr("blocks"),
        "block graph": tr("block graph"), "communities and grids": tr("communities and grids"),
        "units, names and metrics": tr("units, names and metrics"), "communities": tr("communities"),
        "grids": tr("grids"), "codes and names": tr("codes and names"),
        "recomputing every invariant and score": tr("recomputing every invariant and score"),
        "drawing the map": tr("drawing the map"), "writing the report": tr("writing the report"),
        "reading both plans": tr("reading both plans"), "comparing": tr("comparing"),
        "reading the plan": tr("reading the plan"), "scoring": tr("scoring"),
        "rebuilding the plan from the grids": tr("rebuilding the plan from the grids"),
        "rebuilding the plan from the scenario": tr("rebuilding the plan from the scenario"), "done": tr("done"),
    }


def stage_text(text: str) -> str:
    """A progress stage of gridkit in the user's language (as it came when it is not a known one).

    >>> stage_text("block graph"), stage_text("something new")
    ('block graph', 'something new')
    """
    return _stages().get(text, text)


def plan_layer_title(plan: str, layer: str) -> str:
    """The name a plan's layer has in QGIS's layer tree: the plan's file name and the layer's, in the user's
    language (``外滩街道_plan — 网格``).

    >>> plan_layer_title("office_plan", "grids"), plan_layer_title("office_plan", "changes")
    ('office_plan — grids', 'office_plan — changes')
    """
    titles = {"grids": tr("{plan} — grids"), "blocks": tr("{plan} — blocks"),
              "communities": tr("{plan} — communities")}
    return titles.get(layer, "{plan} — " + layer).format(plan=plan)


def profile_label(name: str) -> str:
    """A shipped profile's name with what it is for, in the user's language (a profile of the user's own as it is).

    >>> profile_label("default"), profile_label("my_office")
    ('default — urban street office (grids of at most 200 households)', 'my_office')
    """
    about = {"default": tr("urban street office (grids of at most 200 households)"),
             "rural": tr("town with villages (villages as communities)"),
             "quarter": tr("one enterprise living quarter"),
             "band_300_500": tr("grids of 300-500 households"),
             "beijing_db11t2157": tr("Beijing DB11/T 2157-2023 (15-digit grid codes)")}.get(name)
    return f"{name} — {about}" if about else name
