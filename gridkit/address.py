"""Addresses as match keys: one spelling for the ways a Chinese address is written.

A register says "建设路１２号", "建设路 12 号" or "建设路十二号"; OSM says
``addr:street=建设路`` and ``addr:housenumber=12``. :func:`address_key` maps all
of them to ``建设路12``: full-width characters to half-width (NFKC), no spaces
or punctuation, Chinese numerals before 号/栋/幢/座/单元/室/弄 as digits,
号楼/幢/座 read as 栋, 号 and 栋 between numbers as ``-`` and at the end
dropped; a unit (单元), floor (层) or room (室) part is dropped, since
households are counted per building.

Examples
--------
>>> address_key("建设路１２号")
'建设路12'
>>> address_key("建设路 十二 号 3 单元")
'建设路12'
>>> address_key("解放大道 1125号 2栋")
'解放大道1125-2'
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

__all__ = ["address_key", "address_keys", "chinese_number"]

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMERAL = "零〇一二两三四五六七八九十百千"
# A Chinese numeral is read as a number only before a house-number word, so
# street names such as 二环路 or 五四路 keep their characters.
_NUMERAL_BEFORE_WORD = re.compile(rf"([{_NUMERAL}]+)(?=号|栋|幢|座|单元|室|弄|层|楼)")
_DROP = re.compile(r"[\s,，.。·、:：;；'\"“”‘’()（）\[\]【】#]")
_BUILDING_WORD = re.compile(r"号楼|幢|座|栋")
_INNER_PART = re.compile(r"(\d+)(?:单元|层|室)")


def chinese_number(text: str) -> int:
    """A Chinese numeral as an int: ``十二`` -> 12, ``一百零五`` -> 105, ``二〇三`` -> 203.

    Examples
    --------
    >>> chinese_number("十二"), chinese_number("一百零五"), chinese_number("二〇三")
    (12, 105, 203)
    """
    if not any(ch in _UNITS for ch in text):  # digit by digit, as in 二〇三
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total, digit = 0, 0
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        else:
            total += (digit or 1) * _UNITS[ch]
            digit = 0
    return total + digit


def address_key(text: object) -> str:
    """The match key of one address (see the module docstring); ``""`` for none."""
    if text is None or (isinstance(text, float) and text != text):
        return ""
    s = unicodedata.normalize("NFKC", str(text)).lower()
    s = s.replace("—", "-").replace("－", "-").replace("–", "-")
    s = _DROP.sub("", s)
    s = _NUMERAL_BEFORE_WORD.sub(lambda m: str(chinese_number(m.group(1))), s)
    s = _BUILDING_WORD.sub("栋", s)
    s = _INNER_PART.sub("", s)
    # 号 and 栋 separate numbers ("12号3栋" is building 3 of number 12) or end one.
    s = re.sub(r"(\d)(?:号|栋)+(?=\d)", r"\1-", s)
    s = re.sub(r"(\d)(?:号|栋)+$", r"\1", s)
    s = re.sub(r"-+", "-", s).strip("-")
    return s


def address_keys(values: pd.Series) -> pd.Series:
    """:func:`address_key` of every value."""
    return values.map(address_key).astype(str)
