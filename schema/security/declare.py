"""Declaring demand control on a field: federation's ``@listSize`` and ``@cost``.

    @strawberry.field(directives=[list_size(slicing=["first"], sized=["edges"])])
    async def grids(self, first: int = 20) -> Connection[Region]: ...

A list field without ``@listSize`` is assumed to hold ``default_list_size`` items.
"""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.federation.schema_directives import Cost, ListSize
from strawberry.types.unset import UNSET


def list_size(
    *, assumed: int | None = None, slicing: Sequence[str] = (), sized: Sequence[str] = ()
) -> ListSize:
    return ListSize(
        assumed_size=assumed if assumed is not None else UNSET,
        slicing_arguments=list(slicing) or UNSET,
        sized_fields=list(sized) or UNSET,
        require_one_slicing_argument=UNSET,
    )


def cost(weight: int) -> Cost:
    return Cost(weight=weight)
