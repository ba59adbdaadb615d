"""A whole city on Dask: ``gridkit batch`` (see docs/scale.md).

>>> from gridkit.batch import run_batch   # doctest: +SKIP
>>> result = run_batch("city.gpkg", "city_plan.gpkg", workers=2, seed=0)  # doctest: +SKIP
>>> result.summary[["code", "name", "status", "grids"]]  # doctest: +SKIP
"""

from .offices import Census, Office, building_census, find_offices, office_regions, office_sizes
from .run import BatchResult, run_batch

__all__ = ["Office", "Census", "find_offices", "office_regions", "office_sizes", "building_census", "BatchResult",
           "run_batch"]
