"""Translations: every user-visible string goes through :func:`tr` (one context, ``gridkit``).

The ``.ts`` sources live beside this file and are committed; scripts/plugin-zip.sh
compiles them to ``.qm`` with ``lrelease``. ``qgis_plugin/tools/update_ts.py``
collects the ``tr("...")`` strings of the plugin into the ``.ts`` files.
"""

from __future__ import annotations

from pathlib import Path

from qgis.PyQt.QtCore import QCoreApplication, QLocale, QSettings, QTranslator

__all__ = ["tr", "install_translator", "remove_translator", "CONTEXT", "locale_name"]

CONTEXT = "gridkit"
FOLDER = Path(__file__).resolve().parent
_INSTALLED: list[QTranslator] = []


def tr(text: str) -> str:
    """``text`` in the user's language (when the plugin has that translation)."""
    return QCoreApplication.translate(CONTEXT, text)


def locale_name() -> str:
    """QGIS's user locale (``locale/userLocale``, e.g. ``zh_CN``), else the system's."""
    value = QSettings().value("locale/userLocale", "", type=str) or QLocale().name()
    return value or "en"


def install_translator(locale: str | None = None) -> str | None:
    """Load ``gridkit_qgis_<locale>.qm`` (or the language alone); returns the file loaded, if any."""
    locale = locale or locale_name()
    for name in (locale, locale.split("_")[0]):
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
