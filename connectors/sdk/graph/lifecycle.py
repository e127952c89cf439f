"""The lifecycle enum as the graph shows it; registered once, whoever uses it."""

from __future__ import annotations

import strawberry

from hub.core.workorders import LifecycleStatus

strawberry.enum(
    LifecycleStatus,
    description="The one lifecycle every grid event follows, whichever department handles it.",
)

__all__ = ["LifecycleStatus"]
