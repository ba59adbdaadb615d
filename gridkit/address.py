"""Addresses as match keys: one spelling for the ways a Chinese address is written.

A register says "建设路１２号", "建设路 12 号", "建设路十二号", "武汉市洪山区建设路12号601室"
or "建設路12號"; OSM says ``addr:street=建设路`` and ``addr:housenumber=12``.
:func:`address_key` maps all of them to ``建设路12``, the address of the
building, since households are counted per building:

- full-width characters as half-width (NFKC), traditional characters as
  simplified (OpenCC's table, character by character: 漢口路12號 is 汉口路12号), no spaces,
  punctuation or dashes other than one between numbers, no bracketed note
  without a number (``（沿街）``), no Latin words beside Chinese ones (a
  bilingual street name, ``彌敦道 Nathan Road``); an English address's
  number after its street (``10 Carnarvon Road``);
- the province, city, district, street office and community written before
  the street dropped (``上海市黄浦区外滩街道``, ``江西社区居委会``), but never a
  compound (小区) or a name the street is made of (``开发区大道``);
- Chinese numerals before 号/栋/幢/座/单元/室/弄/层/楼 and after 之/附/第 as
  digits (``一百二十三弄``, ``之一``); a street name's (``二环路``) kept;
- a village's or community's committee before a group or number as the
  village or community (``童周岭村委会3组15号`` is ``童周岭村3组15``);
- 号楼/幢/座 as 栋, 号院 as 号; a sub-number 附1/之1 as ``-1``; 甲/乙/丙/丁 after the
  number (``甲12号`` is ``12甲``);
- what lies inside the building dropped: a unit (单元), floor (层, or 楼 after
  the building's number), room (室/房/户), and a bare room number after the
  building (``5号601``, ``5号-601``, ``3栋502``, ``3-2-502`` in a compound);
- 号 and 栋 between numbers as ``-``, at the end dropped.

Examples
--------
>>> address_key("建设路１２号")
'建设路12'
>>> address_key("建设路 十二 号 3 单元")
'建设路12'
>>> address_key("解放大道 1125号 2栋")
'解放大道1125-2'
>>> address_key("上海市黄浦区外滩街道九江路123弄5号601室")
'九江路123弄5'
>>> address_key("上港小区3-2-502") == address_key("上港小区三號樓") == "上港小区3"
True
>>> address_key("廣東路12號") == address_key("广东路12号") == "广东路12"
True
"""

from __future__ import annotations

import functools
import re
import unicodedata

import opencc
import pandas as pd

__all__ = ["RANGE_SPAN", "address_key", "address_keys", "address_list", "chinese_number", "is_street", "number_range",
           "range_named", "simplified", "street_word_free"]

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMERAL = "零〇一二两三四五六七八九十百千"


class _Simplified(dict[int, str]):
    """A :meth:`str.translate` table from each character to its simplified form, asked of OpenCC's
    traditional-to-simplified table once per character (a phrase-by-phrase conversion of every address
    costs 40 µs; keys need only the same spelling on both sides, not the phrase's best reading)."""

    def __missing__(self, code: int) -> str:
        out = self[code] = _t2s().convert(chr(code)) if code >= 0x2E80 else chr(code)
        return out


@functools.cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


# A cache of a pure mapping, filled as characters are met.
_SIMPLIFIED = _Simplified()


def simplified(text: str) -> str:
    """``text`` with traditional Chinese characters as simplified ones, character by character (漢口路12號 is
    汉口路12号, 戶數 is 户数): addresses and the headers of tables are compared so."""
    return text.translate(_SIMPLIFIED)
# A Chinese numeral is read as a number only before a house-number word or after 之/附/第, so
# street names such as 二环路 or 五四路 keep their characters.
# A village's group (三组, 第三村民小组, 二队) is numbered as a building is.
_NUMERAL_IN_NUMBER = re.compile(rf"(?<=[之附第])[{_NUMERAL}]+|[{_NUMERAL}]+(?=号|栋|幢|座|单元|室|弄|层|楼|户|组|小组|村民小组|队)")
_GROUP = re.compile(r"(?<=\d)(?:村民)?小组")
_DASHES = re.compile(r"[‐‑‒–—―−－~～]")
_RANGE_WORD = re.compile(r"(?<=\d)\s*[至到]\s*(?=\d)")  # 1至3栋 is 1-3栋
#: A range of numbers a building or house word follows (1-3栋, 12-16号): a cell naming several buildings; a bare
#: 1-2 in a compound may be building 1's unit 2.
_NAMED_RANGE = re.compile(r"\d[a-z]?-\d+[a-z]?(?:号楼|栋|幢|座|号)")
_NOTE = re.compile(r"[(（\[【][^)）\]】\d]*[)）\]】]")
_DROP = re.compile(r"[\s,，.。·、:：;；'\"“”‘’()（）\[\]【】#]")
_LATIN_WORD = re.compile(r"(?<![a-z\d])[a-z][a-z'&]+(?![a-z])")
_CJK = re.compile(r"[\u4e00-\u9fff]")
#: The divisions an address may begin with: a name of two characters or more ending in one of these
#: words (one ending in 区 that is a compound, campus or zone inside a street office is not a district).
_DIVISION = re.compile(r"^.{2,}?(省|自治区|市(?!场)|特别行政区|自治州|(?<!小|园|校|片|厂|景|街|营|矿|场|院|活|舍|宅|业)区|县|"
                       r"街道办事处|街道|镇|乡|社区居民委员会|社区居委会|社区|居民委员会|居委会|居委|村民委员会|村委会)")
#: Divisions written before a compound's name too (上海市黄浦区外滩街道上港小区); the others (a city, a
#: community, a town) only before another division or a street: 金色城市花园 and 幸福社区花园 are
#: compounds, not 花园 in 金色城 or 幸福.
_BEFORE_A_NAME = {"区", "县", "街道办事处", "街道", "社区居民委员会", "社区居委会", "居民委员会", "居委会", "居委",
                  "村民委员会", "村委会"}
#: What a street name, compound or number begins with: no division is dropped from before one of these
#: (``园区路``, ``开发区大道``), nor from before a bare number.
_NOT_A_NAME = re.compile(rf"^(?:[东西南北中]?[{_NUMERAL}\d]?(?:大道|大街|路|街|道|巷|弄|里|胡同)|号|栋|\d|-)")
_STREET_NAME = re.compile(r"^[\u4e00-\u9fff]+?(?:大道|大街|路|街|道|巷|弄|里|胡同)")
#: A compound with a name of its own, then its building's number: a community is dropped before one
#: (一标三实's 标准地址 writes 光谷社区光谷小区1栋, 和平社区翠苑3栋), not before a bare compound word, which
#: its name makes (幸福社区花园 is a compound).
_OWN_COMPOUND = re.compile(r"^([\u4e00-\u9fff]+?(?:小区|花园|家园|公寓|新村|新城|苑|园|府|院|庭|湾|坊|居))(?=[\da-z])")
#: A village and its group or house number (童周岭村3组15): a town (镇, 乡) is dropped before one, as a street
#: office before a compound.
_VILLAGE = re.compile(r"^[\u4e00-\u9fff]+?村(?=\d)")
#: A village's or community's committee written where its name is, before a group or house number
#: (童周岭村委会3组15号, 童周岭村村民委员会3组, 和平居委会2组8号): the village's (村) or community's (社区)
#: address, as a map writes it. Before a street or compound it is dropped, as a division is.
_VILLAGE_COMMITTEE = re.compile(r"村?(?:村民委员会|村委会|村委)(?=\d)")
_COMMUNITY_COMMITTEE = re.compile(r"(?:社区)?(?:居民委员会|居委会|居委)(?=\d)")
_COMPOUND_WORDS = {"小区", "花园", "家园", "公寓", "新村", "新城", "花苑", "家苑", "庭院", "大院", "公园", "校园"}
_ROAD_WORD = "路街道巷弄里同"
_STREET_WORD = re.compile(r"(?:大道|大街|路|街|道|巷)(?=\d)")
_BUILDING_WORD = re.compile(r"号楼|幢|座|栋")
_SUB_NUMBER = re.compile(r"(\d)号?[之附](\d+)")
_STEM = re.compile(r"([甲乙丙丁])(\d+)")
_INNER_PART = re.compile(r"\d+(?:-\d+)?(?:单元|层|室|号房|房|户)")  # 1-3层: floors 1 to 3
#: A floor (6楼) or a bare room number after the building's number: after 栋 any number (3栋502,
#: 3栋5层2号), after 号 one of three digits or more (12号3 is number 12's building 3, 5号601 is room 601
#: of number 5).
_ROOM = re.compile(r"(?<=[\da-z甲乙丙丁][号栋])-?\d+楼|(?<=[\da-z甲乙丙丁]栋)-?\d+号?$|(?<=[\da-z甲乙丙丁]号)-?\d{3,}$")
_DASHED_ROOM = re.compile(r"(\d+)-(\d+)(-\d{3,})?$")
#: The most house numbers one building's range spans (``19-21``, ``12-16号``: 一楼多号); a dash between
#: numbers further apart is no range (``5-601`` is room 601 of number 5).
RANGE_SPAN = 20
_RANGE = re.compile(r"^(.*\D)(\d+)([a-z]?)-(\d+)([a-z]?)$")
#: What separates the addresses of one building written in one cell (a corner building, 一楼多号).
_LIST = re.compile(r"[;；、/|,，]|及")


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


def _without_divisions(s: str) -> str:
    """``s`` without the divisions it begins with (province … community), while a name follows them."""
    while (m := _DIVISION.match(s)) and not _NOT_A_NAME.match(rest := s[m.end():]) and _CJK.match(rest) and (
            m.group(1) in _BEFORE_A_NAME or _DIVISION.match(rest) or _STREET_NAME.match(rest)
            or (m.group(1) == "社区" and (own := _OWN_COMPOUND.match(rest)) and own[1] not in _COMPOUND_WORDS)
            or (m.group(1) in ("镇", "乡") and _VILLAGE.match(rest))):
        s = rest
    return s


def _dashed(m: re.Match[str], s: str) -> str:
    """A number written with dashes and no words, room last: ``5-601`` is number 5; ``3-2-502`` is
    building 3 in a compound, number 3's building 2 after a street word (``路1125-2-1201``)."""
    first, second, room = m.group(1), m.group(2), m.group(3)
    if room is None:
        ranged = 0 < int(second) - int(first) <= RANGE_SPAN
        return first if len(second) >= 3 and not ranged else m.group()
    after_street = m.start() > 0 and s[m.start() - 1] in _ROAD_WORD
    return f"{first}-{second}" if after_street else first


def address_key(text: object) -> str:
    """The match key of one address (see the module docstring); ``""`` for none."""
    if text is None or (isinstance(text, float) and text != text):
        return ""
    s = simplified(unicodedata.normalize("NFKC", str(text)).lower())
    s = _NOTE.sub("", _RANGE_WORD.sub("-", _DASHES.sub("-", s)))
    if _CJK.search(s):
        s = _LATIN_WORD.sub("", s)
    else:  # English puts the number first: 10 Carnarvon Road is Carnarvon Road 10
        s = re.sub(r"^\s*(\d+[a-z]?(?:\s*-\s*\d+[a-z]?)?)\s+([a-z].*)$", r"\2 \1", s)
    s = _DROP.sub("", s)
    s = _NUMERAL_IN_NUMBER.sub(lambda m: str(chinese_number(m.group())), s)
    s = re.sub(r"-+(?![\da-z])|(?<![\da-z])-+", "", s)  # a dash only joins two numbers (14a-14b)
    s = _GROUP.sub("组", s.replace("第", ""))
    s = _without_divisions(_COMMUNITY_COMMITTEE.sub("社区", _VILLAGE_COMMITTEE.sub("村", s)))
    s = _BUILDING_WORD.sub("栋", s.replace("号院", "号"))  # 12号院3号楼: building 3 of number 12
    s = _SUB_NUMBER.sub(r"\1-\2", _STEM.sub(r"\2\1", s))
    s = re.sub(r"(\d+)号([甲乙丙丁])", r"\1\2", s)
    s = _ROOM.sub("", _INNER_PART.sub("", s))
    s = _DASHED_ROOM.sub(lambda m: _dashed(m, s), s)
    # 号 and 栋 separate numbers ("12号3栋" is building 3 of number 12) or end one.
    s = re.sub(r"(\d)(?:号|栋)+(?=\d)", r"\1-", s)
    s = re.sub(r"([\d甲乙丙丁])(?:号|栋)+$", r"\1", s)
    s = re.sub(r"-+", "-", s).strip("-")
    return s


def number_range(key: str) -> list[str]:
    """The keys of each number of a range key (one building with several numbers, or a register's row naming
    several buildings): ``彌敦道19-21`` -> ``彌敦道19``, ``彌敦道21`` (a street's odd or even side);
    ``九江路12-16`` -> 12, 14, 16; ``上港小区1-3`` -> 1, 2, 3 (a compound's buildings, numbered one after
    another); ``金巴利道10-10a`` -> 10, 10a; ``[]`` for a key that is no range (``九江路12-1``, a sub-number,
    ends lower than it starts).

    Examples
    --------
    >>> number_range("彌敦道19-21"), number_range("九江路12-1"), number_range("道14a-14b")
    (['彌敦道19', '彌敦道21'], [], ['道14a', '道14b'])
    >>> number_range("上港小区1-3"), number_range("carnarvonroad10-14")
    (['上港小区1', '上港小区2', '上港小区3'], ['carnarvonroad10', 'carnarvonroad12', 'carnarvonroad14'])
    """
    m = _RANGE.match(key)
    if not m:
        return []
    street, first, first_letter, last, last_letter = m.groups()
    a, b = int(first), int(last)
    if a == b and first_letter != last_letter:
        return [f"{street}{a}{first_letter}", f"{street}{b}{last_letter}"]
    if first_letter or last_letter or not 0 < b - a <= RANGE_SPAN:
        return []
    # One side of a street (an English address's too): odd or even numbers; a compound's, lane's or village
    # group's buildings are numbered in turn.
    on_street = bool(_STREET_NAME.fullmatch(street)) or not _CJK.search(street)
    step = 2 if (b - a) % 2 == 0 and on_street else 1
    return [f"{street}{n}" for n in range(a, b + 1, step)]


def address_list(text: object) -> list[str]:
    """The keys of every address one cell holds (``九江路12号;四川中路200号``, ``九江路12号、14号``: a
    corner building, or one with several numbers), in order; a part that begins with its number takes
    the street of the part before it; a part without a number is no address.

    Examples
    --------
    >>> address_list("九江路12号、14号;四川中路200号"), address_list("九江路12号，601室")
    (['九江路12', '九江路14', '四川中路200'], ['九江路12'])
    """
    if text is None or (isinstance(text, float) and text != text):
        return []
    keys: list[str] = []
    street = ""
    for part in _LIST.split(unicodedata.normalize("NFKC", str(text))):
        key = address_key(part)
        if key and key[0].isdigit() and street:
            key = address_key(street + part)
        else:
            street = re.split(r"\d", key, maxsplit=1)[0]
        if re.search(r"\d", key) and key not in keys:
            keys.append(key)
    return keys


def range_named(text: object) -> list[str]:
    """The keys of each number of a range a register's cell names buildings or houses by (``上港小区1-3栋``,
    ``上港小区1至3栋``, ``九江路12-16号``: :func:`number_range`), ``[]`` for a cell naming none; a range
    without a building or house word after it (``上港小区1-2``, perhaps building 1's unit 2) names none.

    Examples
    --------
    >>> range_named("上港小区1至3栋"), range_named("上港小区1-2")
    (['上港小区1', '上港小区2', '上港小区3'], [])
    """
    if text is None or (isinstance(text, float) and text != text):
        return []
    plain = _RANGE_WORD.sub("-", _DASHES.sub("-", unicodedata.normalize("NFKC", str(text)).lower()))
    if not _NAMED_RANGE.search(re.sub(r"\s", "", plain)):
        return []
    return [n for k in address_list(text) for n in number_range(k)]


def address_keys(values: pd.Series) -> pd.Series:
    """:func:`address_key` of every value."""
    return values.map(address_key).astype(str)


def is_street(text: str) -> bool:
    """Whether ``text`` is a street's name and nothing else (珞喻路, 九江路, 南京東路), as a sheet of one street's
    houses is named.

    Examples
    --------
    >>> is_street("珞喻路"), is_street("南京東路"), is_street("上港小区"), is_street("珞喻路12号")
    (True, True, False, False)
    """
    return bool(_STREET_NAME.fullmatch(simplified(unicodedata.normalize("NFKC", text).strip())))


def street_word_free(key: str) -> str:
    """An address key with the word that ends its street name (路, 街, 大道 …) left out: ``侯家路29`` and
    ``侯家街29`` meet. For suggestions only, since 解放路 and 解放大道 are different streets in one city.

    Examples
    --------
    >>> street_word_free("侯家大道29") == street_word_free("侯家路29") == "侯家29"
    True
    """
    return _STREET_WORD.sub("", key, count=1)
