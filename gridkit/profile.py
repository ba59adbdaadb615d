"""Rule profiles: every policy number of the engine, named, typed and checked.

A profile is a TOML file. The shipped ``default`` profile names every number;
a user file overrides any subset of keys and inherits the rest. Unknown keys
and out-of-range values are :class:`~gridkit.errors.ProfileError`.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, get_origin, get_type_hints

import numpy as np

from .errors import ProfileError

__all__ = ["Profile", "load_profile", "profile_from_text", "shipped_profiles"]


def _num(lo: float | None = None, hi: float | None = None, **kw: Any) -> Any:
    """A required numeric field carrying its allowed range (the TOML must set it)."""
    return field(default=0, metadata={"lo": lo, "hi": hi}, **kw)


@dataclass(frozen=True)
class Households:
    persons_per_household: float = _num(0.5, 20)
    dwelling_size_m2: float = _num(10, 1000)
    residential_floor_share: float = _num(0.05, 1)
    storey_height_m: float = _num(1.5, 10)
    default_levels: int = _num(1, 200)
    max_levels: int = _num(1, 300)
    min_home_footprint_m2: float = _num(0, 10000)
    default_is_home: bool = True
    home_building_tags: tuple[str, ...] = ()
    nonhome_building_tags: tuple[str, ...] = ()
    home_name_keywords: tuple[str, ...] = ()
    nonhome_name_keywords: tuple[str, ...] = ()
    nonhome_poi_kinds: tuple[str, ...] = ()
    home_landuse_kinds: tuple[str, ...] = ()
    nonhome_landuse_kinds: tuple[str, ...] = ()
    register_fuzzy_min_ratio: float = _num(0.5, 1)
    max_home_footprint_m2: float = _num(100, 10**6)
    max_home_depth_m: float = _num(5, 1000)
    industrial_building_tags: tuple[str, ...] = ()
    industrial_neighbour_m: float = _num(0, 1000)
    industrial_neighbour_min_footprint_m2: float = _num(0, 10**6)
    nonhome_man_made: tuple[str, ...] = ()
    doubt_footprint_m2: float = _num(0, 10**6)
    doubt_depth_m: float = _num(0, 1000)


@dataclass(frozen=True)
class Roads:
    block_classes: tuple[str, ...] = ()
    inner_classes_tier1: tuple[str, ...] = ()
    inner_classes_tier2: tuple[str, ...] = ()
    major_classes: tuple[str, ...] = ()
    barrier_classes: tuple[str, ...] = ()
    cost_motorway: float = _num(0.001, 1000)
    cost_trunk: float = _num(0.001, 1000)
    cost_primary: float = _num(0.001, 1000)
    cost_secondary: float = _num(0.001, 1000)
    cost_tertiary: float = _num(0.001, 1000)
    cost_minor: float = _num(0.001, 1000)
    cost_service: float = _num(0.001, 1000)
    cost_footway: float = _num(0.001, 1000)
    cost_barrier_crossing: float = _num(0.001, 1000)
    cost_no_road: float = _num(0.001, 1000)
    cost_no_road_wide_gap: float = _num(0.001, 1000)
    wide_gap_m: float = _num(0.1, 10000)

    def no_road_cost(self, gap_m: np.ndarray) -> np.ndarray:
        """Cut cost per metre off any road, where the gap between buildings is ``gap_m`` wide.

        Examples
        --------
        >>> import numpy as np
        >>> load_profile("default").roads.no_road_cost(np.array([0.0, 10.0, 20.0, 50.0])).tolist()
        [6.0, 4.5, 3.0, 3.0]
        """
        wide = np.clip(np.asarray(gap_m, dtype=float) / self.wide_gap_m, 0.0, 1.0)
        return self.cost_no_road + (self.cost_no_road_wide_gap - self.cost_no_road) * wide

    def class_cost(self, highway: str | None) -> float:
        """Cut cost per metre along a road of OSM class ``highway``."""
        key = (highway or "").removesuffix("_link")
        named = {
            "motorway": self.cost_motorway,
            "trunk": self.cost_trunk,
            "primary": self.cost_primary,
            "secondary": self.cost_secondary,
            "tertiary": self.cost_tertiary,
        }
        if key in named:
            return named[key]
        if key in self.inner_classes_tier1:
            return self.cost_service
        if key in self.inner_classes_tier2:
            return self.cost_footway
        return self.cost_minor


@dataclass(frozen=True)
class RoadClasses:
    """Other names a road layer's classes go by (``highway``, ``class`` or 道路等级), by the OSM class
    each is read as: the Chinese standards' classes (CJJ 37 城市道路, GB/T 13923 公路 and 街道) and
    other vocabularies. Compared case-insensitively after trimming.

    Examples
    --------
    >>> names = load_profile("default").road_classes.lookup()
    >>> names["主干路"], names["支路"], names["内部道路"]
    ('primary', 'tertiary', 'service')
    """

    motorway: tuple[str, ...] = ()
    trunk: tuple[str, ...] = ()
    primary: tuple[str, ...] = ()
    secondary: tuple[str, ...] = ()
    tertiary: tuple[str, ...] = ()
    unclassified: tuple[str, ...] = ()
    residential: tuple[str, ...] = ()
    road: tuple[str, ...] = ()
    living_street: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    pedestrian: tuple[str, ...] = ()
    footway: tuple[str, ...] = ()
    path: tuple[str, ...] = ()
    cycleway: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()
    track: tuple[str, ...] = ()

    def lookup(self) -> dict[str, str]:
        """Each other name (trimmed, lower case) -> the OSM class it is read as."""
        return {alias.strip().lower(): f.name for f in dataclasses.fields(self) for alias in getattr(self, f.name)}


@dataclass(frozen=True)
class Lines:
    """Soft lines (:mod:`gridkit.lines`): which kinds there are and what a boundary along each costs."""

    wall_kinds: tuple[str, ...] = ()
    waterway_kinds: tuple[str, ...] = ()
    landuse_edge_kinds: tuple[str, ...] = ()
    cost_wall: float = _num(0.001, 1000)
    cost_waterway: float = _num(0.001, 1000)
    cost_landuse_edge: float = _num(0.001, 1000)

    def cost(self, kind: str) -> float:
        """Cut cost per metre along a soft line of ``kind`` (``wall``, ``waterway``, ``landuse_edge``)."""
        return float(getattr(self, f"cost_{kind}"))


@dataclass(frozen=True)
class Cleaning:
    """How the input's buildings are cleaned before anything is counted."""

    min_footprint_m2: float = _num(0, 1000)
    inside_share: float = _num(0.01, 1)
    duplicate_overlap: float = _num(0.5, 1)


@dataclass(frozen=True)
class BlockSettings:
    snap_tolerance_m: float = _num(0, 200)
    min_block_area_m2: float = _num(0, 100000)
    min_width_m: float = _num(0, 100)
    crumb_area_m2: float = _num(0, 100000)
    split_share_of_max: float = _num(0.05, 1)
    gap_split_share_of_max: float = _num(0.05, 1)
    tessellation_spacing_m: float = _num(0.5, 100)
    gap_cut_straighten_m: float = _num(0, 50)
    road_match_m: float = _num(0.1, 50)
    precision_m: float = _num(0.0001, 1)
    hull_buffer_m: float = _num(0, 10000)
    barrier_edge_share: float = _num(0, 1)
    barrier_edge_min_m: float = _num(0, 1000)


@dataclass(frozen=True)
class UnitBounds:
    """Household bounds of one level."""

    min_households: int = _num(0, 10**7)
    target_households: int = _num(1, 10**7)
    max_households: int = _num(1, 10**7)
    #: A unit within this share of the target (either side) is on target; the dock
    #: shows the others, and a split into N aims for parts within the band.
    target_band: float = _num(0, 1)


@dataclass(frozen=True)
class Grid(UnitBounds):
    min_area_m2: float = _num(0, 10**7)
    min_compactness: float = _num(0, 1)


@dataclass(frozen=True)
class Group(UnitBounds):
    small_area_households: int = _num(0, 10**7)


@dataclass(frozen=True)
class LevelSettings:
    communities: bool = True
    groups: bool = False
    quarter: bool = False


@dataclass(frozen=True)
class Office:
    """The size of the office a profile is for."""

    #: An area larger than this (km²) is more likely a whole district or region given by mistake.
    max_area_km2: float = _num(0, 10**8)


@dataclass(frozen=True)
class Existing:
    """How an existing plan (``--existing``) is laid over the new blocks."""

    min_block_share: float = _num(0.01, 1)


@dataclass(frozen=True)
class Compounds:
    landuse_kinds: tuple[str, ...] = ()
    min_block_share: float = _num(0.01, 1)


@dataclass(frozen=True)
class Exclusive:
    landuse_kinds: tuple[str, ...] = ()
    poi_kinds: tuple[str, ...] = ()
    name_keywords: tuple[str, ...] = ()
    min_block_share: float = _num(0.01, 1)
    count_in_community: bool = True


@dataclass(frozen=True)
class Partition:
    seed: int = _num(0, 2**31 - 1)
    refine_passes: int = _num(0, 1000)
    compactness_weight: float = _num(0, 1000)
    stability_weight: float = _num(0, 10**6)
    pair_exact_blocks: int = _num(2, 20)
    pair_trees: int = _num(1, 100)
    pair_sweeps: int = _num(0, 1000)
    pair_work_per_block: float = _num(0, 10**6)
    pair_candidates: int = _num(0, 100)
    part_counts: int = _num(1, 20)
    fill_min: float = _num(0.1, 1)
    extra_part_counts: int = _num(0, 100)
    seeds: int = _num(1, 100)
    seeds_max_blocks: int = _num(0, 10**8)
    one_count_min_blocks: int = _num(0, 10**8)
    metis_cuts: int = _num(1, 100)
    prefer: str = "fewest"
    roads_extra_grids: int = _num(0, 100)
    region_parts: int = _num(0, 20)
    region_sweeps: int = _num(0, 100)
    region_seeds: int = _num(1, 100)
    upper_region_sweeps: int = _num(0, 100)
    upper_metis_cuts: int = _num(1, 100)


@dataclass(frozen=True)
class Staffing:
    grid_responsible_persons_min: int = _num(0, 100)
    grid_managers_min: int = _num(0, 100)
    grid_managers_max: int = _num(0, 100)
    households_per_harmony_promoter_min: int = _num(1, 10**5)
    households_per_harmony_promoter_max: int = _num(1, 10**5)
    households_per_community_worker: int = _num(1, 10**6)
    office_m2_per_100_residents: float = _num(0, 1000)


@dataclass(frozen=True)
class Codes:
    county_code: str = "000000"
    street_code: str = "001"


@dataclass(frozen=True)
class Names:
    """The words that end each level's unit names (urban 社区, rural 村), and the street office's (街道, 乡镇):
    a batch names an office its boundary leaves unnamed 未命名街道 CODE, in the language of the maps and reports."""

    community_suffix: str = ""
    group_suffix: str = ""
    grid_suffix: str = ""
    office_suffix: str = ""


@dataclass(frozen=True)
class Profile:
    """A complete, validated rule profile.

    Examples
    --------
    >>> p = load_profile("default")
    >>> p.grid.max_households
    200
    """

    name: str = "default"
    description: str = ""
    households: Households = field(default_factory=Households)
    roads: Roads = field(default_factory=Roads)
    road_classes: RoadClasses = field(default_factory=RoadClasses)
    lines: Lines = field(default_factory=Lines)
    cleaning: Cleaning = field(default_factory=Cleaning)
    blocks: BlockSettings = field(default_factory=BlockSettings)
    grid: Grid = field(default_factory=Grid)
    community: UnitBounds = field(default_factory=UnitBounds)
    group: Group = field(default_factory=Group)
    levels: LevelSettings = field(default_factory=LevelSettings)
    office: Office = field(default_factory=Office)
    compounds: Compounds = field(default_factory=Compounds)
    existing: Existing = field(default_factory=Existing)
    exclusive: Exclusive = field(default_factory=Exclusive)
    partition: Partition = field(default_factory=Partition)
    staffing: Staffing = field(default_factory=Staffing)
    codes: Codes = field(default_factory=Codes)
    names: Names = field(default_factory=Names)
    source_text: str = field(default="", compare=False, repr=False)

    def to_toml(self) -> str:
        """The complete effective profile as TOML (every key, base included)."""
        lines = [f"name = {_toml_value(self.name)}", f"description = {_toml_value(self.description)}"]
        for section in dataclasses.fields(self):
            value = getattr(self, section.name)
            if not dataclasses.is_dataclass(value):
                continue
            lines.append(f"\n[{section.name}]")
            for f in dataclasses.fields(value):
                lines.append(f"{f.name} = {_toml_value(getattr(value, f.name))}")
        return "\n".join(lines) + "\n"

    def with_seed(self, seed: int | None) -> Profile:
        """This profile with ``partition.seed`` replaced (``None`` keeps it)."""
        if seed is None:
            return self
        _check_value("partition.seed", seed, int, {"lo": 0, "hi": 2**31 - 1}, "--seed")
        part = dataclasses.replace(self.partition, seed=seed)
        return dataclasses.replace(self, partition=part)

    def with_prefer(self, prefer: str | None) -> Profile:
        """This profile with ``partition.prefer`` replaced (``"fewest"`` or ``"roads"``; ``None`` keeps it).

        Examples
        --------
        >>> load_profile("default").with_prefer("roads").partition.prefer
        'roads'
        """
        if prefer is None:
            return self
        if prefer not in ("fewest", "roads"):
            raise ProfileError(f"--prefer: must be fewest or roads, not {prefer!r}")
        return dataclasses.replace(self, partition=dataclasses.replace(self.partition, prefer=prefer))


    def with_codes(self, office_code: str) -> Profile:
        """This profile with the county and street office codes of a 9-digit street office code.

        Examples
        --------
        >>> load_profile("default").with_codes("310101002").codes
        Codes(county_code='310101', street_code='002')
        """
        width = len(self.codes.county_code)
        codes = Codes(county_code=office_code[:width], street_code=office_code[width:])
        if not office_code.isdigit() or len(office_code) != width + len(self.codes.street_code):
            raise ProfileError(f"street office code {office_code!r}: must be {width} county + "
                               f"{len(self.codes.street_code)} street office digits")
        return dataclasses.replace(self, codes=codes)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def profile_from_text(text: str, where: str = "profile text") -> Profile:
    """Load a complete profile from TOML text (as stored in a plan's run table)."""
    data = _read_toml(text, where)
    base = data.pop("base", "default")
    if base not in shipped_profiles():
        raise ProfileError(f"{where}: base = '{base}' is not a shipped profile")
    return _build(_deep_merge(_merge_shipped(base), data, where), where=where, text=text)


def shipped_profiles() -> list[str]:
    """Names of the profiles shipped with gridkit."""
    files = resources.files("gridkit.profiles").iterdir()
    return sorted(f.name.removesuffix(".toml") for f in files if f.name.endswith(".toml"))


def _read_toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{where}: not valid TOML: {exc}") from exc


def _shipped_text(name: str) -> str:
    return resources.files("gridkit.profiles").joinpath(f"{name}.toml").read_text("utf-8")


def load_profile(name_or_path: str | Path = "default") -> Profile:
    """Load a shipped profile by name, or a TOML file layered over its base.

    A user file may say ``base = "rural"`` to start from another shipped
    profile; otherwise it starts from ``default``.

    Parameters
    ----------
    name_or_path : str or Path
        A shipped profile name (see :func:`shipped_profiles`) or a TOML path.

    Returns
    -------
    Profile

    Raises
    ------
    ProfileError
        Unknown profile, unreadable file, unknown key or a bad value.
    """
    text = str(name_or_path)
    if text in shipped_profiles():
        return _build(_merge_shipped(text), where=f"profile '{text}'", text=_shipped_text(text))
    path = Path(text)
    if not path.suffix == ".toml" and not path.exists():
        raise ProfileError(
            f"profile '{text}': no such shipped profile (have: {', '.join(shipped_profiles())}) "
            "and no such file"
        )
    try:
        user_text = path.read_text("utf-8-sig")  # Windows Notepad may save UTF-8 with a BOM
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{path}: is not UTF-8 text (byte {exc.start}), as a TOML profile must be; save it "
                           "as UTF-8 (in Notepad: Save As, Encoding UTF-8)") from exc
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read profile: {exc.strerror or exc}") from exc
    user = _read_toml(user_text, str(path))
    base = user.pop("base", "default")
    if base not in shipped_profiles():
        raise ProfileError(f"{path}: base = '{base}' is not a shipped profile")
    merged = _deep_merge(_merge_shipped(base), user, str(path))
    return _build(merged, where=str(path), text=user_text)


def _merge_shipped(name: str) -> dict[str, Any]:
    data = _read_toml(_shipped_text(name), f"profile '{name}'")
    base = data.pop("base", None)
    if base is None:
        return data
    return _deep_merge(_merge_shipped(base), data, f"profile '{name}'")


def _deep_merge(base: dict[str, Any], over: dict[str, Any], where: str, path: str = "") -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        dotted = f"{path}{key}"
        if key not in base and key not in ("name", "description"):
            raise ProfileError(f"{where}: unknown key '{dotted}'")
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            out[key] = _deep_merge(base[key], value, where, dotted + ".")
        else:
            out[key] = value
    return out


def _check_value(dotted: str, value: Any, typ: Any, meta: Any, where: str) -> Any:
    if typ is bool:
        if not isinstance(value, bool):
            raise ProfileError(f"{where}: '{dotted}' must be true or false, not {value!r}")
        return value
    if typ in (int, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if typ is int and ok and float(value) != int(value):
            ok = False
        if not ok:
            raise ProfileError(f"{where}: '{dotted}' must be a {typ.__name__}, not {value!r}")
        lo, hi = meta.get("lo"), meta.get("hi")
        if value != value:  # TOML's nan: no comparison fails it
            raise ProfileError(f"{where}: '{dotted}' = nan is not a number")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise ProfileError(f"{where}: '{dotted}' = {value} is out of range [{lo}, {hi}]")
        return typ(value)
    if typ is str:
        if not isinstance(value, str):
            raise ProfileError(f"{where}: '{dotted}' must be a string, not {value!r}")
        return value
    if get_origin(typ) is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ProfileError(f"{where}: '{dotted}' must be a list of strings")
        return tuple(value)
    raise ProfileError(f"{where}: '{dotted}' has an unsupported type")  # pragma: no cover


def _build_section(cls: type, data: Any, where: str, path: str) -> Any:
    if not isinstance(data, dict):
        raise ProfileError(f"{where}: '{path}' must be a table")
    hints = get_type_hints(cls)
    kwargs = {}
    names = {f.name: f for f in dataclasses.fields(cls)}
    for key, value in data.items():
        dotted = f"{path}.{key}" if path else key
        if key not in names or key == "source_text":
            raise ProfileError(f"{where}: unknown key '{dotted}'")
        typ = hints[key]
        if isinstance(typ, type) and dataclasses.is_dataclass(typ):
            kwargs[key] = _build_section(typ, value, where, dotted)
        else:
            kwargs[key] = _check_value(dotted, value, typ, names[key].metadata, where)
    missing = [n for n, f in names.items() if n not in data and _required(f)]
    if missing:
        raise ProfileError(f"{where}: missing key '{path + '.' if path else ''}{missing[0]}'")
    return cls(**kwargs)


def _required(f: dataclasses.Field) -> bool:
    return "lo" in f.metadata


def _build(data: dict[str, Any], *, where: str, text: str) -> Profile:
    profile = _build_section(Profile, data, where, "")
    _check_consistency(profile, where)
    return dataclasses.replace(profile, source_text=text)


def _check_consistency(p: Profile, where: str) -> None:
    for level in ("grid", "group", "community"):
        b: UnitBounds = getattr(p, level)
        if not b.min_households <= b.target_households <= b.max_households:
            raise ProfileError(
                f"{where}: '{level}' needs min_households <= target_households <= max_households "
                f"(got {b.min_households}, {b.target_households}, {b.max_households})"
            )
    if p.partition.prefer not in ("fewest", "roads"):
        raise ProfileError(f"{where}: 'partition.prefer' must be \"fewest\" or \"roads\", not {p.partition.prefer!r}")
    if p.community.max_households < p.grid.max_households:
        raise ProfileError(f"{where}: community.max_households is below grid.max_households")
    if not p.codes.county_code.isdigit() or len(p.codes.county_code) != 6:
        raise ProfileError(f"{where}: 'codes.county_code' must be 6 digits, not {p.codes.county_code!r}")
    if not p.codes.street_code.isdigit() or len(p.codes.street_code) != 3:
        raise ProfileError(f"{where}: 'codes.street_code' must be 3 digits, not {p.codes.street_code!r}")
    s = p.staffing
    if s.households_per_harmony_promoter_min > s.households_per_harmony_promoter_max:
        raise ProfileError(f"{where}: staffing harmony promoter min is above max")
    if s.grid_managers_min > s.grid_managers_max:
        raise ProfileError(f"{where}: staffing grid_managers_min is above grid_managers_max")

