from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.codes import (
    InvalidCodeError,
    RegionLevel,
    ancestor_at,
    is_within,
    level_of,
    lineage,
    parent_of,
)

codes = st.sampled_from([6, 9, 12, 15, 18]).flatmap(
    lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)
)


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("330199", RegionLevel.DISTRICT),
        ("330199001", RegionLevel.STREET),
        ("330199001002", RegionLevel.COMMUNITY),
        ("330199001002003", RegionLevel.GRID),
        ("330199001002003004", RegionLevel.MICRO_GRID),
    ],
)
def test_the_length_of_a_code_gives_its_level(code: str, level: RegionLevel) -> None:
    assert level_of(code) is level
    assert level.code_length == len(code)


@pytest.mark.parametrize(
    "bad", ["", "33019", "3301990011", "33019900100A", "３３０１９９", "-30199"]
)
def test_anything_else_is_not_a_code(bad: str) -> None:
    with pytest.raises(InvalidCodeError):
        level_of(bad)


@given(codes)
def test_a_code_lies_within_each_of_its_ancestors(code: str) -> None:
    chain = lineage(code)
    assert chain[-1] == code
    assert [level_of(c).depth for c in chain] == list(range(len(chain)))
    assert all(is_within(code, ancestor) for ancestor in chain)


@given(codes)
def test_the_parent_is_the_code_one_level_up(code: str) -> None:
    parent = parent_of(code)
    if level_of(code) is RegionLevel.DISTRICT:
        assert parent is None
    else:
        assert parent is not None
        assert level_of(parent).child is level_of(code)
        assert code.startswith(parent)


def test_ancestor_at_a_deeper_level_is_none() -> None:
    assert ancestor_at("330199001", RegionLevel.GRID) is None
    assert ancestor_at("330199001002003004", RegionLevel.COMMUNITY) == "330199001002"
