"""Profiles: every number named, user overrides layered, bad values refused."""

import pytest

from gridkit import ProfileError, load_profile, shipped_profiles
from gridkit.profile import profile_from_text


def test_default_profile_names_domain_numbers():
    p = load_profile("default")
    assert "default" in shipped_profiles()
    assert p.grid.max_households == 200
    assert p.staffing.households_per_community_worker == 600
    assert (p.staffing.households_per_harmony_promoter_min, p.staffing.households_per_harmony_promoter_max) == (20, 40)
    assert p.staffing.office_m2_per_100_residents == 5.0
    assert p.group.small_area_households == 500


def test_user_file_overrides_only_what_it_says(tmp_path):
    f = tmp_path / "mine.toml"
    f.write_text('name = "mine"\n[grid]\nmax_households = 150\ntarget_households = 140\n', encoding="utf-8")
    p = load_profile(f)
    assert p.name == "mine" and p.grid.max_households == 150 and p.grid.target_households == 140
    assert p.grid.min_households == load_profile().grid.min_households
    assert p.households.dwelling_size_m2 == load_profile().households.dwelling_size_m2


@pytest.mark.parametrize("text, message", [
    ("[grid]\nmaximum = 3\n", "unknown key 'grid.maximum'"),
    ("[nosuch]\nx = 1\n", "unknown key 'nosuch'"),
    ("[grid]\nmax_households = -1\n", "out of range"),
    ("[grid]\nmax_households = 'many'\n", "must be a int"),
    ("[grid]\nmin_households = 190\ntarget_households = 100\n", "min_households <= target_households"),
    ("[households]\ndefault_is_home = 3\n", "true or false"),
    ("[codes]\ncounty_code = '12'\n", "6 digits"),
    ("[grid\n", "not valid TOML"),
    ("[grid]\ntarget_band = nan\n", "'grid.target_band' = nan is not a number"),  # passed every range check
])
def test_bad_profiles_are_clear_errors(tmp_path, text, message):
    f = tmp_path / "bad.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_profile(f)
    assert message in str(err.value)
    assert str(f) in str(err.value)


def test_unknown_profile_name():
    with pytest.raises(ProfileError, match="no such shipped profile"):
        load_profile("nonexistent")


def test_effective_profile_round_trips_through_toml():
    p = load_profile("default").with_seed(7)
    q = profile_from_text(p.to_toml())
    assert q == p and q.partition.seed == 7


def test_a_profile_saved_by_windows_notepad_is_read_or_refused_saying_how_to_save_it(tmp_path):
    """Notepad saves UTF-8 with a BOM (was "not valid TOML ... line 1, column 1"), or the ANSI code page, GBK
    (was a UnicodeDecodeError's text)."""
    bom = tmp_path / "bom.toml"
    bom.write_bytes("# 网格\n[grid]\nmax_households = 150\ntarget_households = 140\n".encode("utf-8-sig"))
    assert load_profile(bom).grid.max_households == 150
    gbk = tmp_path / "gbk.toml"
    gbk.write_bytes("# 网格\n[grid]\nmax_households = 150\n".encode("gbk"))
    with pytest.raises(ProfileError, match=r"gbk\.toml: is not UTF-8 text .* save it as UTF-8"):
        load_profile(gbk)
