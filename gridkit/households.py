"""Household counts per building: given, joined from a register, or estimated.

An estimate is footprint area x levels x residential floor share / dwelling
size, for the buildings judged to be homes. Whether a building is a home is
decided by the first rule that speaks, in this order: its OSM ``building`` tag,
its name, a non-home POI inside it, the landuse polygon it stands in, a
``man_made`` tag, then its shape and neighbours (a big footprint beside
industrial or warehouse buildings, a footprint too large or too deep for a
home), and the profile's default. Every rule and number is a profile value.
Decisions a street office should review are marked in ``home_doubt``.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .geometry import largest_overlap
from .profile import Households
from .register import Register, RegisterMatch, match_register

__all__ = ["SHAPE_RULES", "assign_households", "classify_homes", "doubtful_homes", "estimate_levels", "floor_areas",
           "footprint_depth"]

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
#: How closely a footprint's depth is measured (m): a precision, not a policy.
DEPTH_PRECISION_M = 0.5
#: Rules that judge a building by its shape or neighbours, not by what the data says of it.
SHAPE_RULES = ("near_industrial", "too_large", "too_deep")


def _first_number(values: pd.Series) -> pd.Series:
    """Parse '5', '5;6', '12 m', '5.5' to floats; anything else to NaN."""
    def parse(v: object) -> float:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return np.nan
        if isinstance(v, int | float | np.integer | np.floating):
            return float(v)
        m = _NUMBER.search(str(v))
        return float(m.group()) if m else np.nan
    if pd.api.types.is_numeric_dtype(values):  # already numbers: what parse gives each of them
        return values.astype(float)
    return values.map(parse).astype(float)


def _text(buildings: gpd.GeoDataFrame, col: str) -> pd.Series:
    if col not in buildings:
        return pd.Series("", index=buildings.index)
    s = buildings[col].astype(object)
    return s.where(s.notna(), "").astype(str).str.strip().str.lower()


def estimate_levels(buildings: gpd.GeoDataFrame, rules: Households) -> tuple[pd.Series, pd.Series]:
    """Levels per building and where each figure came from.

    Returns
    -------
    levels : Series of int
    source : Series of str, one of ``levels``, ``height``, ``default``
    """
    levels = pd.Series(np.nan, index=buildings.index)
    for col in ("building:levels", "levels"):
        if col in buildings:
            levels = levels.fillna(_first_number(buildings[col]).where(lambda s: s > 0))
    source = pd.Series("default", index=buildings.index)
    source[levels.notna()] = "levels"
    if "height" in buildings:
        from_height = (_first_number(buildings["height"]) / rules.storey_height_m).round()
        use = levels.isna() & (from_height >= 1)
        levels[use] = from_height[use]
        source[use] = "height"
    levels = levels.fillna(rules.default_levels).clip(1, rules.max_levels).round().astype(int)
    return levels, source


def floor_areas(buildings: gpd.GeoDataFrame, rules: Households, levels: pd.Series | None = None) -> np.ndarray:
    """Each building's floor area, footprint x levels (:func:`estimate_levels`, or ``levels`` already estimated):
    what its households are estimated from, and what a register's figure covering several buildings is split by."""
    if levels is None:
        levels = estimate_levels(buildings, rules)[0]
    return shapely.area(buildings.geometry.values) * levels.to_numpy()


def _keyword_hit(names: pd.Series, keywords: tuple[str, ...]) -> pd.Series:
    if not keywords:
        return pd.Series(False, index=names.index)
    pattern = "|".join(re.escape(k.lower()) for k in keywords)
    return names.str.contains(pattern, regex=True)


def _poi_nonhome(buildings: gpd.GeoDataFrame, pois: gpd.GeoDataFrame | None, rules: Households) -> pd.Series:
    hit = pd.Series(False, index=buildings.index)
    if pois is None or len(pois) == 0 or "kind" not in pois:
        return hit
    kinds = pois["kind"].astype(str).str.lower().isin(rules.nonhome_poi_kinds).to_numpy()
    pts = pois.geometry.values[kinds]
    if len(pts) == 0:
        return hit
    bld_idx, _ = shapely.STRtree(pts).query(buildings.geometry.values, predicate="contains")
    hit.iloc[np.unique(bld_idx)] = True
    return hit


def _landuse_kind(buildings: gpd.GeoDataFrame, landuse: gpd.GeoDataFrame | None, rules: Households) -> pd.Series:
    """'home', 'nonhome' or '' from the landuse polygon under each footprint."""
    out = pd.Series("", index=buildings.index)
    if landuse is None or len(landuse) == 0 or "kind" not in landuse:
        return out
    kinds = landuse["kind"].astype(str).str.lower().to_numpy()
    pts = shapely.point_on_surface(buildings.geometry.values.to_numpy())
    # Where landuse polygons nest, the smallest one is the most specific.
    lu = largest_overlap(pts, landuse.geometry.values.to_numpy(), prefer="smallest")
    found = np.flatnonzero(lu >= 0)
    kind = pd.Series(kinds[lu[found]])
    label = np.where(kind.isin(rules.home_landuse_kinds), "home",
                     np.where(kind.isin(rules.nonhome_landuse_kinds), "nonhome", ""))
    out.iloc[found] = label
    return out


def footprint_depth(geoms: np.ndarray, *, at_least: float) -> np.ndarray:
    """Depth of each footprint (m): the diameter of the largest circle inside it.

    For a rectangular slab that is the short side of its minimum rotated
    rectangle; for a courtyard ring, an L or a U it is the thickness of the
    widest wing, where the rotated rectangle would span the whole courtyard.
    Only footprints big enough to hold a circle of diameter ``at_least`` are
    measured; the others get the diameter of the circle of their area, an upper
    bound below ``at_least``, so comparisons with any threshold from
    ``at_least`` up are exact.
    """
    area = shapely.area(geoms)
    depth = 2 * np.sqrt(area / np.pi)
    big = np.flatnonzero(depth >= at_least)
    if len(big):
        depth[big] = 2 * shapely.length(shapely.maximum_inscribed_circle(geoms[big], DEPTH_PRECISION_M))
    return depth


def _near_industrial(buildings: gpd.GeoDataFrame, tag: pd.Series, rules: Households) -> pd.Series:
    """Buildings of at least ``industrial_neighbour_min_footprint_m2`` within
    ``industrial_neighbour_m`` of an industrial or warehouse building."""
    hit = pd.Series(False, index=buildings.index)
    geoms = buildings.geometry.values
    works = np.flatnonzero(tag.isin(rules.industrial_building_tags).to_numpy())
    big = np.flatnonzero(shapely.area(geoms) >= rules.industrial_neighbour_min_footprint_m2)
    if len(works) == 0 or len(big) == 0:
        return hit
    near, _ = shapely.STRtree(geoms[works]).query(geoms[big], predicate="dwithin",
                                                  distance=rules.industrial_neighbour_m)
    hit.iloc[big[np.unique(near)]] = True
    return hit


def classify_homes(
    buildings: gpd.GeoDataFrame,
    rules: Households,
    *,
    landuse: gpd.GeoDataFrame | None = None,
    pois: gpd.GeoDataFrame | None = None,
    depth: np.ndarray | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Decide which buildings are homes.

    What the data says comes first (tag, name, POI, landuse); the shape and the
    neighbours speak only for buildings nothing else describes, before the
    profile's default.

    Parameters
    ----------
    depth : ndarray, optional
        :func:`footprint_depth` of the buildings, when already measured.

    Returns
    -------
    is_home : Series of bool
    rule : Series of str
        The rule that decided: ``tag_home``, ``tag_nonhome``, ``name_home``,
        ``name_nonhome``, ``poi_nonhome``, ``landuse_home``,
        ``landuse_nonhome``, ``man_made``, ``near_industrial``,
        ``too_large``, ``too_deep``, ``too_small`` or ``default``.
    """
    tag = _text(buildings, "building")
    name = _text(buildings, "name")
    decided = pd.Series("", index=buildings.index)
    area = shapely.area(buildings.geometry.values)
    if depth is None:
        depth = footprint_depth(buildings.geometry.values, at_least=rules.max_home_depth_m)

    def decide(mask: pd.Series | np.ndarray, label: str) -> None:
        decided[(decided == "") & mask] = label

    decide(tag.isin(rules.home_building_tags), "tag_home")
    decide(tag.isin(rules.nonhome_building_tags), "tag_nonhome")
    decide(_keyword_hit(name, rules.nonhome_name_keywords) & ~_keyword_hit(name, rules.home_name_keywords),
           "name_nonhome")
    decide(_keyword_hit(name, rules.home_name_keywords), "name_home")
    decide(_poi_nonhome(buildings, pois, rules), "poi_nonhome")
    lu = _landuse_kind(buildings, landuse, rules)
    decide(lu == "home", "landuse_home")
    decide(lu == "nonhome", "landuse_nonhome")
    decide(_text(buildings, "man_made").isin(rules.nonhome_man_made), "man_made")
    decide(_near_industrial(buildings, tag, rules), "near_industrial")
    decide(area > rules.max_home_footprint_m2, "too_large")
    decide(depth > rules.max_home_depth_m, "too_deep")
    decide(pd.Series(True, index=buildings.index), "default")
    is_home = decided.str.endswith("_home") | ((decided == "default") & rules.default_is_home)
    small = area < rules.min_home_footprint_m2
    too_small = is_home & small
    decided[too_small] = "too_small"
    is_home &= ~small
    return is_home, decided


def doubtful_homes(
    buildings: gpd.GeoDataFrame,
    is_home: pd.Series,
    rule: pd.Series,
    levels_source: pd.Series,
    rules: Households,
    *,
    depth: np.ndarray,
) -> pd.Series:
    """Decisions a street office should review, as ``;``-joined reasons (``""``: none).

    ``large_home`` / ``deep_home``: a home whose footprint is over
    ``doubt_footprint_m2`` or deeper than ``doubt_depth_m``; ``no_levels``: a
    home estimated with the default number of levels; ``shape_only``: not a
    home by its shape or neighbours alone (``SHAPE_RULES``), with no tag, name,
    POI or landuse to confirm it.
    """
    area = shapely.area(buildings.geometry.values)
    reasons = [
        ("large_home", is_home & (area > rules.doubt_footprint_m2)),
        ("deep_home", is_home & (depth > rules.doubt_depth_m)),
        ("no_levels", is_home & (levels_source == "default")),
        ("shape_only", rule.isin(SHAPE_RULES)),
    ]
    out = pd.Series("", index=buildings.index)
    for label, mask in reasons:
        out[mask] = out[mask] + ";" + label
    return out.str.lstrip(";")


def assign_households(
    buildings: gpd.GeoDataFrame,
    rules: Households,
    *,
    landuse: gpd.GeoDataFrame | None = None,
    pois: gpd.GeoDataFrame | None = None,
    register: Register | RegisterMatch | pd.DataFrame | None = None,
    log: list | None = None,
) -> gpd.GeoDataFrame:
    """Give every building ``households``, ``population`` and ``households_source``.

    Given figures (a ``households`` column, then the register, see
    :mod:`gridkit.register`) win; the rest are estimated. The log records how
    the register matched, how many buildings each home rule counted and the
    households it gave.

    Returns
    -------
    GeoDataFrame
        A copy of ``buildings`` with ``households`` (int), ``population`` (int),
        ``households_source`` (``given``/``estimated``), ``levels_used``,
        ``levels_source`` and ``home_rule``; with a register also
        ``register_key`` (``building_id``/``address`` where a row matched);
        ``home_doubt`` (:func:`doubtful_homes`, ``""`` for given figures).
    """
    log = [] if log is None else log
    out = buildings.copy()
    given = pd.to_numeric(out["households"], errors="coerce") if "households" in out else \
        pd.Series(np.nan, index=out.index)
    given_pop = pd.to_numeric(out["population"], errors="coerce") if "population" in out else \
        pd.Series(np.nan, index=out.index)
    if isinstance(register, pd.DataFrame):
        register = Register.from_frame(register)
    levels, level_source = estimate_levels(out, rules)
    floor = floor_areas(out, rules, levels)
    if register is not None:
        match = register if isinstance(register, RegisterMatch) else \
            match_register(out, register, fuzzy_min_ratio=rules.register_fuzzy_min_ratio, weights=floor)
        log += match.log
        taken = given.isna() & match.households.notna()
        given = given.fillna(match.households)
        given_pop = given_pop.where(~taken, match.population)
        out["register_key"] = match.key.where(taken, "")

    depth = footprint_depth(out.geometry.values, at_least=min(rules.max_home_depth_m, rules.doubt_depth_m))
    is_home, rule = classify_homes(out, rules, landuse=landuse, pois=pois, depth=depth)
    estimate = np.where(is_home, np.maximum(1, np.round(floor * rules.residential_floor_share / rules.dwelling_size_m2)),
                        0).astype(int)

    has_given = given.notna()
    households = np.where(has_given, given.fillna(0), estimate).astype(int)
    population = given_pop.where(given_pop.notna(), np.round(households * rules.persons_per_household))
    out["households"] = households
    out["population"] = population.astype(int)
    out["households_source"] = np.where(has_given, "given", "estimated")
    out["levels_used"] = levels
    out["levels_source"] = level_source
    out["home_rule"] = np.where(has_given, "given", rule)
    doubt = doubtful_homes(out, is_home, rule, level_source, rules, depth=depth).where(~has_given, "")
    out["home_doubt"] = doubt

    log.append(("households_given_buildings", str(int(has_given.sum()))))
    log.append(("households_estimated_buildings", str(int((~has_given).sum()))))
    est = ~has_given
    for name, group in pd.DataFrame({"rule": rule[est], "hh": households[est.to_numpy()]}).groupby("rule"):
        log.append((f"home_rule_{name}", f"{len(group)} buildings, {int(group['hh'].sum())} households"))
    # Buildings flagged for each reason (once each, however often their doubt names it).
    words = doubt.reset_index(drop=True).str.split(";").explode()
    flagged = pd.DataFrame({"b": words.index, "reason": words.to_numpy()}).drop_duplicates()["reason"].value_counts()
    for reason in ("large_home", "deep_home", "no_levels", "shape_only"):
        log.append((f"home_doubt_{reason}", str(int(flagged.get(reason, 0)))))
    for name, n in level_source[est].value_counts().sort_index().items():
        log.append((f"levels_from_{name}", str(int(n))))
    log.append(("households_total", str(int(households.sum()))))
    return out
