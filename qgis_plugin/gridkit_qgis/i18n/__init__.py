"""Translations: every user-visible string goes through :func:`tr` (one context, ``gridkit``).

The ``.ts`` sources live beside this file and are committed; scripts/plugin-zip.sh
compiles them to ``.qm`` with ``lrelease``. ``qgis_plugin/tools/update_ts.py``
collects the ``tr("...")`` strings of the plugin into the ``.ts`` files.
"""

from __future__ import annotations

from pathlib import Path

from qgis.PyQt.QtCore import QCoreApplication, QLocale, QSettings, QTranslator

__all__ = ["tr", "file_filter", "install_translator", "remove_translator", "CONTEXT", "locale_name",
           "translation_names", "worker_message", "stage_text"]

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


def worker_message(text: str) -> str:
    """A message of gridkit's worker in the user's language (as it came when it is not a known one).

    >>> worker_message("grid 000000001001002 is locked; unlock it first")
    'grid 000000001001002 is locked; unlock it first'
    """
    import re

    text = str(text).strip()
    for pattern, template in _message_patterns():
        match = re.fullmatch(pattern, text)
        if match:
            values = {k: worker_message(v) if k == "reason" else v for k, v in match.groupdict().items()}
            return template.format(**values)
    return text


def _stages() -> dict[str, str]:
    """The stages gridkit's progress names (gridkit.pipeline.FILE_STAGES, gridkit.plan.PREPARE_STAGES and
    PARTITION_STAGES, gridkit.adopt.ADOPT_STAGES, gridkit.levels, gridkit.edits, and the worker's jobs)."""
    return {
        "reading the input": tr("reading the input"), "dividing": tr("dividing"),
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
