"""Departments, as the published taxonomy names them."""

from __future__ import annotations

import strawberry

from hub.core import departments


@strawberry.type(description="A department that takes grid events.")
class Department:
    code: str = strawberry.field(description="Stable id; names its dispatch topic.")
    name: str
    english_name: str
    duties: str

    @classmethod
    def of(cls, department: departments.Department) -> Department:
        return cls(
            code=department.code,
            name=department.name,
            english_name=department.english_name,
            duties=department.duties,
        )
