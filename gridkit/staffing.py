"""Staffing figures that follow from a plan (DOMAIN.md), every ratio from the profile."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .profile import Staffing

__all__ = ["grid_staffing", "community_staffing"]


def grid_staffing(households: np.ndarray, rules: Staffing) -> pd.DataFrame:
    """Per grid: responsible persons, grid managers (min/max), harmony promoters (min/max)."""
    hh = np.asarray(households, dtype=float)
    return pd.DataFrame({
        "responsible_persons": np.full(len(hh), rules.grid_responsible_persons_min, dtype=int),
        "grid_managers_min": np.full(len(hh), rules.grid_managers_min, dtype=int),
        "grid_managers_max": np.full(len(hh), rules.grid_managers_max, dtype=int),
        # One promoter per 20-40 households: fewest at 40 each, most at 20 each.
        "harmony_promoters_min": np.ceil(hh / rules.households_per_harmony_promoter_max).astype(int),
        "harmony_promoters_max": np.ceil(hh / rules.households_per_harmony_promoter_min).astype(int),
    })


def community_staffing(households: np.ndarray, population: np.ndarray, rules: Staffing) -> pd.DataFrame:
    """Per community: community workers, office and service space (m2)."""
    hh = np.asarray(households, dtype=float)
    pop = np.asarray(population, dtype=float)
    return pd.DataFrame({
        "community_workers": np.ceil(hh / rules.households_per_community_worker).astype(int),
        "office_m2": np.ceil(pop / 100.0 * rules.office_m2_per_100_residents).astype(int),
    })
