"""Collect the plugin's translatable strings into its .ts files, keeping existing translations.

    python qgis_plugin/tools/update_ts.py            # update every i18n/*.ts
    python qgis_plugin/tools/update_ts.py --check    # exit 1 if a string lacks a translation or breaks one

Strings are the literal first arguments of ``tr(...)`` / ``self.tr(...)`` calls
and the ``TITLE``/``HELP`` class attributes of the Processing algorithms,
all in the one context ``gridkit`` (see gridkit_qgis/i18n). Standard library only.
"""

from __future__ import annotations

import ast
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

PLUGIN = Path(__file__).resolve().parents[1] / "gridkit_qgis"
CONTEXT = "gridkit"


def strings() -> list[tuple[str, str, int]]:
    """(text, file, line) of every translatable string, in source order, first occurrence only."""
    seen: dict[str, tuple[str, str, int]] = {}
    for path in sorted(PLUGIN.rglob("*.py")):
        if "lib" in path.relative_to(PLUGIN).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        rel = path.relative_to(PLUGIN.parent).as_posix()
        for node in ast.walk(tree):
            text = None
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if name == "tr":
                    text = node.args[0].value
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                    and node.targets[0].id in ("TITLE", "HELP") and isinstance(node.value, ast.Constant) \
                    and node.value.value:
                text = node.value.value
            if text and text not in seen:
                seen[text] = (text, rel, node.lineno)
    return sorted(seen.values(), key=lambda s: (s[1], s[2]))


def read_ts(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    out = {}
    for message in ET.parse(path).getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        if translation is not None and translation.text and translation.get("type") not in ("obsolete",):
            out[source] = translation.text
    return out


def write_ts(path: Path, language: str, found: list[tuple[str, str, int]], known: dict[str, str]) -> list[str]:
    root = ET.Element("TS", version="2.1", language=language)
    context = ET.SubElement(root, "context")
    ET.SubElement(context, "name").text = CONTEXT
    missing = []
    for text, file, line in found:
        message = ET.SubElement(context, "message")
        ET.SubElement(message, "location", filename=f"../{Path(file).relative_to('gridkit_qgis').as_posix()}",
                      line=str(line))
        ET.SubElement(message, "source").text = text
        translation = ET.SubElement(message, "translation")
        if text in known:
            translation.text = known[text]
        else:
            translation.set("type", "unfinished")
            missing.append(text)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", encoding="utf-8")
    return missing


def broken(text: str, translation: str) -> str:
    """Why a translation would break the plugin at run time ('' when it would not): a placeholder lost or
    renamed (``str.format`` fails), or a file pattern inside a translatable string (a translation's full-width
    brackets hide it from Qt and QGIS: gridkit_qgis.i18n.file_filter keeps patterns out of translations)."""
    if "(*" in text:
        return "a file pattern in a translatable string: build the filter with i18n.file_filter"
    if sorted(re.findall(r"\{[^{}]*\}", text)) != sorted(re.findall(r"\{[^{}]*\}", translation)):
        return "the translation's {placeholders} differ from the source's"
    return ""


def main(argv: list[str]) -> int:
    found = strings()
    status = 0
    for ts in sorted((PLUGIN / "i18n").glob("gridkit_qgis_*.ts")):
        language = ts.stem.removeprefix("gridkit_qgis_")
        known = read_ts(ts)
        if "--check" in argv:
            missing = [t for t, _, _ in found if t not in known]
        else:
            missing = write_ts(ts, language, found, known)
        for text in missing:
            print(f"{ts.name}: no translation for {text!r}")
        wrong = [(t, why) for t, _, _ in found if t in known and (why := broken(t, known[t]))]
        for text, why in wrong:
            print(f"{ts.name}: {text!r}: {why}")
        status |= bool(missing or wrong)
    return status if "--check" in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
