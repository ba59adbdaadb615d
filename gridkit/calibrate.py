"""Calibration of household estimates to the totals a street office already knows.

An office knows, from its statistics, the households (and often the
population) of the whole street office, of each existing community, or of each
compound (小区) its staff keep a register of. Given
``--totals FILE``, the estimated buildings of each unit are scaled so that the
unit's total holds exactly; given figures (a ``households`` column, the
register) are never changed. The plan's run table says, per unit, the total,
what was given, what was estimated, and the factor applied; each building's
``calibrated_to`` names the unit whose total scaled it.

A totals file is read by the shared table reader (any encoding, spreadsheet,
title rows): one row per existing community, keyed by its code or its name;
or one row per compound, keyed by its name (``小区名称``); with ``households``
and optionally ``population``; or a single row without a community or compound
column, for the whole area. A compound's buildings are those whose
``addr:place`` names it, else those inside a compound polygon of that name
(:func:`gridkit.compounds.compound_polygons`: named residential landuse, or
existing units of level ``compound``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import InputError
from .existing import LEVEL_LAYERS
from .geometry import largest_overlap
from .io.tables import read_table
from .register import COLUMN_ALIASES as REGISTER_ALIASES, SUB_COLUMN_WORDS, counts

__all__ = ["COLUMN_ALIASES", "Totals", "read_totals", "calibrate", "WHOLE_AREA"]

COLUMN_ALIASES = {
    "code": ("code", "community_code", "社区编码", "社区代码", "社区编号", "编码", "代码", "村编码"),
    "name": ("name", "community", "community_name", "社区", "社区名称", "社区名", "名称", "村", "村名称", "居委会"),
    "compound": REGISTER_ALIASES["compound"],
    "households": REGISTER_ALIASES["households"],
    "population": REGISTER_ALIASES["population"],
}
#: The unit name of a total that holds for the whole area.
WHOLE_AREA = "area"
# Endings a unit's name is written with or without (幸福社区 = 幸福社区居委会 = 幸福, 上港小区 = 上港).
_NAME_ENDINGS = {
    "community": ("社区居民委员会", "居民委员会", "社区居委会", "居委会", "村民委员会", "村委会", "社区", "村"),
    "compound": ("小区",),
}


@dataclass(frozen=True)
class Totals:
    """Known totals: ``rows`` has ``code``, ``name`` (text, ``""`` for the whole area),
    ``households`` and ``population`` (float, NaN when not given), ``row``; one per existing unit of
    ``level`` (``community`` or ``compound`` from a totals file; ``grid`` for the grids of an adopted
    division, :mod:`gridkit.adopt`)."""

    rows: pd.DataFrame
    source: str = ""
    log: list[tuple[str, str]] = field(default_factory=list)
    level: str = "community"

    @property
    def whole_area(self) -> bool:
        return bool((self.rows["code"] == "").all() and (self.rows["name"] == "").all())


def read_totals(path: str | Path) -> Totals:
    """Read a totals file (see the module docstring).

    Raises
    ------
    InputError
        Unreadable file, no households column, a bad count, several rows
        without a community, or one community twice (row named).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("社区名称,户数\\n幸福社区,2400\\n", encoding="utf-8")
    >>> read_totals(p).rows[["name", "households"]].values.tolist()
    [['幸福社区', 2400.0]]
    """
    table = read_table(path, COLUMN_ALIASES, required=(("households",),), counts=("households", "population"),
                       what="totals file", prefer=SUB_COLUMN_WORDS)
    rows = table.frame
    # A compound column makes the rows compounds, even beside the community each one lies in.
    level = "compound" if "compound" in rows else "community"
    out = pd.DataFrame({
        "code": rows["code"] if "code" in rows and level == "community" else "",
        "name": rows["compound"] if level == "compound" else rows["name"] if "name" in rows else "",
        "households": counts(rows, "households", str(path)),
        "population": counts(rows, "population", str(path)) if "population" in rows else np.nan,
        "row": rows["row"],
    })
    out = out[out["households"].notna()].reset_index(drop=True)
    if len(out) == 0:
        raise InputError(f"{path}: totals file has no households figure")
    blank = (out["code"] == "") & (out["name"] == "")
    if blank.any() and len(out) > 1:
        raise InputError(f"{path}: row {out['row'][blank].iat[0]}: a total without a {level} code or name is "
                         "for the whole area and must be the file's only row")
    key = out["code"].where(out["code"] != "", out["name"].map(lambda n: _name_key(n, level)))
    twice = key.duplicated()
    if twice.any():
        raise InputError(f"{path}: row {out['row'][twice].iat[0]}: {level} '{key[twice].iat[0]}' has a second total")
    return Totals(out, str(path), [("totals_file", Path(path).name), ("totals_encoding", table.encoding)],
                  level=level)


def _name_key(name: str, level: str = "community") -> str:
    s = unicodedata.normalize("NFKC", name).replace(" ", "").replace("\u3000", "").lower()
    for ending in _NAME_ENDINGS.get(level, ()):
        if s.endswith(ending) and len(s) > len(ending):
            return s[: -len(ending)]
    return s


def _compound_units(totals: Totals, buildings: gpd.GeoDataFrame, compounds: gpd.GeoDataFrame | None,
                    ) -> tuple[np.ndarray, list[str]]:
    """Per building, the index of the compound total it falls under (-1: none), and each total's label.

    A building's ``addr:place`` names its compound; one without it is in the smallest compound polygon
    its inside point falls in (a compound drawn inside a larger residential area is the one meant).
    """
    def key(names: pd.Series) -> pd.Series:
        return names.fillna("").astype(str).map(lambda n: _name_key(n, "compound"))

    place = key(buildings["addr:place"]) if "addr:place" in buildings else pd.Series("", index=buildings.index)
    if compounds is not None and len(compounds):
        pts = shapely.point_on_surface(buildings.geometry.values.to_numpy())
        inside = largest_overlap(pts, compounds.geometry.values.to_numpy(), prefer="smallest")
        polygon = np.append(key(compounds["name"]).to_numpy(), "")[inside]
        place = place.where(place != "", polygon)
    wanted = {k: i for i, k in enumerate(key(totals.rows["name"]))}
    home = place.map(wanted).fillna(-1).to_numpy(dtype=np.int64)
    return home, totals.rows["name"].astype(str).tolist()


def _units(totals: Totals, buildings: gpd.GeoDataFrame, existing: gpd.GeoDataFrame | None,
           compounds: gpd.GeoDataFrame | None = None) -> tuple[np.ndarray, list[str]]:
    """Per building, the index of the total it falls under (-1: none), and each total's label."""
    if totals.whole_area:
        return np.zeros(len(buildings), dtype=np.int64), [WHOLE_AREA]
    level = totals.level
    if level == "compound":
        return _compound_units(totals, buildings, compounds)
    units = existing[existing["level"] == level].reset_index(drop=True) if existing is not None else None
    if units is None or len(units) == 0:
        raise InputError(f"{totals.source}: totals per {level} need the existing {LEVEL_LAYERS[level]} "
                         f"(--existing PLAN, or an 'existing' input layer with level '{level}')")
    codes = units["code"].astype(str).str.strip()
    names = units["name"].astype(str).map(_name_key)
    number = {int(c): i for i, c in enumerate(codes) if c.isdigit()}  # a spreadsheet drops leading zeros
    which, labels = [], []
    for rec in totals.rows.itertuples(index=False):
        hit = np.flatnonzero(codes == rec.code) if rec.code else np.flatnonzero(names == _name_key(rec.name))
        if len(hit) == 0 and rec.code.isdigit() and int(rec.code) in number:
            hit = np.array([number[int(rec.code)]])
        if len(hit) != 1:
            known = ", ".join(f"{c} {n}".strip() for c, n in zip(codes, units["name"], strict=True))
            what = f"code '{rec.code}'" if rec.code else f"name '{rec.name}'"
            problem = "matches no" if len(hit) == 0 else "matches more than one"
            raise InputError(f"{totals.source}: row {rec.row}: {level} {what} {problem} existing {level} "
                             f"(have: {known})")
        which.append(int(hit[0]))
        labels.append(f"{codes[hit[0]]} {units['name'].iat[hit[0]]}".strip())
    pts = shapely.point_on_surface(buildings.geometry.values.to_numpy())
    u = largest_overlap(pts, units.geometry.values.to_numpy())
    # The extra last slot is what a building outside every unit (u == -1) reads.
    of_unit = np.full(len(units) + 1, -1, dtype=np.int64)
    of_unit[which] = np.arange(len(which))
    return of_unit[u], labels


def _scale(values: np.ndarray, total: float) -> np.ndarray:
    """``values`` scaled to sum to ``total`` exactly, in whole numbers (largest remainder)."""
    share = values * total / values.sum()
    out = np.floor(share)
    out[np.argsort(-(share - out), kind="stable")[: int(round(total - out.sum()))]] += 1
    return out


def calibrate(buildings: gpd.GeoDataFrame, totals: Totals, *, existing: gpd.GeoDataFrame | None,
              persons_per_household: float, log: list[tuple[str, str]],
              compounds: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Scale the estimated households (and population) of each unit so its known total holds.

    Parameters
    ----------
    buildings : GeoDataFrame
        From :func:`gridkit.households.assign_households`.
    totals : Totals
    existing : GeoDataFrame, optional
        Existing units (:func:`gridkit.existing.read_existing`), for totals per community.
    compounds : GeoDataFrame, optional
        Compound polygons with ``name`` (:func:`gridkit.compounds.compound_polygons`), for totals per
        compound of buildings without ``addr:place``.
    persons_per_household : float
        For the population of a unit whose total gives none.
    log : list
        Gets, per unit, ``calibration.<unit>``: what held, or why it could not.

    Returns
    -------
    GeoDataFrame
        A copy with ``households``/``population`` of estimated buildings scaled
        and ``calibrated_to`` (the unit, ``""`` for buildings no total covers or
        with given figures).

    Raises
    ------
    InputError
        A community the totals name that the existing plan has not, or totals
        per community without existing communities.
    """
    out = buildings.copy()
    home, labels = _units(totals, out, existing, compounds)
    hh = out["households"].to_numpy(dtype=float)
    pop = out["population"].to_numpy(dtype=float)
    estimated = (out["households_source"] == "estimated").to_numpy()
    calibrated = np.full(len(out), "", dtype=object)
    log += totals.log
    for i, (label, rec) in enumerate(zip(labels, totals.rows.itertuples(index=False), strict=True)):
        inside = home == i
        if not inside.any():
            log.append((f"calibration.{label}", f"not calibrated: total {rec.households:.0f} households, no building "
                        f"of the area is in this {totals.level}"))
            continue
        est = inside & estimated & (hh > 0)
        given_hh = hh[inside & ~estimated].sum()
        before = hh[est].sum()
        need = rec.households - given_hh
        if need < 0 or (need > 0 and before == 0):
            why = f"given {given_hh:.0f} exceed the total" if need < 0 else "no estimated home to scale"
            log.append((f"calibration.{label}", f"not calibrated: total {rec.households:.0f} households, {why}"))
            continue
        hh[est] = _scale(hh[est], need) if need > 0 else 0
        if np.isnan(rec.population):
            pop[est] = np.round(hh[est] * persons_per_household)
        else:
            need_pop = rec.population - pop[inside & ~estimated].sum()
            if need_pop >= 0 and hh[est].sum() > 0:
                pop[est] = _scale(hh[est], need_pop)
        calibrated[est] = label
        factor = need / before if before else 0.0
        figures = f"population {rec.population:.0f}, " if not np.isnan(rec.population) else ""
        log.append((f"calibration.{label}",
                    f"total {rec.households:.0f} households held ({figures}given {given_hh:.0f}, "
                    f"estimated {before:.0f} -> {need:.0f}, x{factor:.3f}, {int(est.sum())} buildings)"))
    out["households"] = hh.astype(int)
    out["population"] = pop.astype(int)
    out["calibrated_to"] = calibrated
    uncovered = int((home < 0).sum())
    if uncovered:
        log.append(("calibration_buildings_outside_totals", str(uncovered)))
    return out
