"""A grid-scoped principal's part of a scope: its own subtrees, never a sibling's."""

from __future__ import annotations

from hub.stats.report import visible_within

GRID_A, GRID_B = "330199001001001", "330199001002001"


def test_an_unrestricted_principal_sees_the_scope() -> None:
    assert visible_within("330199", None) == ("330199",)


def test_a_scope_above_the_grids_is_cut_to_them() -> None:
    assert visible_within("330199", (GRID_A, GRID_B)) == (GRID_A, GRID_B)
    assert visible_within("330199001001", (GRID_A, GRID_B)) == (GRID_A,)


def test_a_scope_inside_a_grid_stays_whole_and_a_sibling_is_empty() -> None:
    assert visible_within(GRID_A, (GRID_A,)) == (GRID_A,)
    assert visible_within(GRID_B, (GRID_A,)) == ()
    assert visible_within("330199001002", (GRID_A,)) == ()
