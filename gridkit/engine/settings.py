"""How hard the engine works, read from the profile's ``[partition]`` table in one place.

Every caller of :func:`gridkit.engine.partition_graph` (the levels, the QGIS
plugin's split, the benchmarks) takes its settings from here, so a number in
the profile changes every one of them alike.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..profile import Profile, load_profile
from .pairs import PairSettings

__all__ = ["EngineSettings"]


@dataclass(frozen=True)
class EngineSettings:
    """Settings of one run of the engine (the profile's ``[partition]`` values).

    Attributes
    ----------
    seed : int
        Fixes every random choice.
    passes, compactness_weight, unit_cost
        Refinement (:func:`gridkit.engine.refine.refine`); ``unit_cost`` is
        the cut cost per metre of an ordinary street (``roads.cost_minor``).
    stability_weight : float
        Against an existing plan, per household moved.
    part_counts, fill_min : int, float
        Part counts tried per piece: ``ceil(households / (max x f))`` for
        ``part_counts`` fill levels ``f`` from 1 down to ``fill_min``.
    extra_part_counts : int
        Further counts tried when no attempt kept every part within bounds.
    seeds, seeds_max_blocks : int
        METIS seeds tried per part count on a piece of at most
        ``seeds_max_blocks`` blocks (one seed above).
    one_count_min_blocks : int
        Above this many blocks a piece gets one part count only (its second fill
        level), and no start blind to the cut costs for the part more than the
        households need that it asks for.
    prefer : str
        ``"fewest"``: the fewest parts first, then the least cut (the model's
        lexicographic objective). ``"roads"``: up to ``roads_extra_grids``
        more parts per piece are tried and the least cut wins.
    roads_extra_grids : int
    pairs : PairSettings or None
        Pair steps (none when ``None``).
    metis_cuts : int
        Divisions METIS computes per call, keeping the least cut (its ``ncuts``).
    region_parts, region_sweeps, region_seeds : int
        Region steps (:mod:`.regions`): a part and its ``region_parts - 1``
        most tied neighbours divided afresh from ``region_seeds`` METIS
        seeds, ``region_sweeps`` sweeps over the parts (none when 0).
    add_grids : int
        Not a profile value: exactly this many parts more than the fewest
        found, per piece (the benchmark of the trade between grids and cut).
    """

    seed: int
    passes: int
    compactness_weight: float
    unit_cost: float
    stability_weight: float
    part_counts: int
    fill_min: float
    extra_part_counts: int
    seeds: int
    seeds_max_blocks: int
    one_count_min_blocks: int
    prefer: str
    roads_extra_grids: int
    pairs: PairSettings | None
    metis_cuts: int
    region_parts: int
    region_sweeps: int
    region_seeds: int
    add_grids: int = 0

    @classmethod
    def from_profile(cls, profile: Profile | None = None) -> EngineSettings:
        """The settings a profile names (the shipped ``default`` when omitted).

        Examples
        --------
        >>> s = EngineSettings.from_profile()
        >>> s.seed, s.pairs is not None
        (0, True)
        """
        profile = load_profile("default") if profile is None else profile
        p = profile.partition
        pairs = PairSettings(exact_max_nodes=p.pair_exact_blocks, trees=p.pair_trees, sweeps=p.pair_sweeps,
                             work_per_block=p.pair_work_per_block, candidates=p.pair_candidates)
        return cls(seed=p.seed, passes=p.refine_passes, compactness_weight=p.compactness_weight,
                   unit_cost=profile.roads.cost_minor, stability_weight=p.stability_weight,
                   part_counts=p.part_counts, fill_min=p.fill_min, extra_part_counts=p.extra_part_counts,
                   seeds=p.seeds, seeds_max_blocks=p.seeds_max_blocks, one_count_min_blocks=p.one_count_min_blocks,
                   prefer=p.prefer, roads_extra_grids=p.roads_extra_grids,
                   pairs=pairs if p.pair_sweeps > 0 else None, metis_cuts=p.metis_cuts, region_parts=p.region_parts,
                   region_sweeps=p.region_sweeps, region_seeds=p.region_seeds)

    def replace(self, **changes: object) -> EngineSettings:
        """A copy with some settings changed."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]
