"""gridkit: divide a street office or town into base grids along its streets.

The public API, for notebooks and other tools::

    import gridkit
    area = gridkit.read_area("data/samples/hk_tsim_sha_tsui.gpkg")
    plan = gridkit.partition(area, "default", seed=0)
    report = gridkit.validate(plan)
    gridkit.write_plan(plan, "plan.gpkg")
"""

__version__ = "0.1.0"

from .area import Area, area_from_layers, read_area  # noqa: E402
from .errors import GridkitError, InputError, PlanError, ProfileError  # noqa: E402
from .io.write import read_plan, write_plan  # noqa: E402
from .plan import Plan, partition  # noqa: E402
from .profile import Profile, load_profile, shipped_profiles  # noqa: E402
from .validate import validate  # noqa: E402

__all__ = [
    "Area", "Plan", "Profile", "GridkitError", "InputError", "PlanError", "ProfileError",
    "read_area", "area_from_layers", "partition", "validate", "write_plan", "read_plan",
    "load_profile", "shipped_profiles", "__version__",
]
