"""What an import found wrong: errors reject the whole file, warnings do not."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Problem:
    message: str
    code: str | None = None  # the region the problem is about, when there is one
    feature: int | None = None  # its index in the FeatureCollection

    def __str__(self) -> str:
        where = []
        if self.feature is not None:
            where.append(f"feature #{self.feature}")
        if self.code:
            where.append(self.code)
        return f"{' '.join(where)}: {self.message}" if where else self.message


@dataclass(slots=True)
class Report:
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def error(self, message: str, code: str | None = None, feature: int | None = None) -> None:
        self.errors.append(Problem(message, code, feature))

    def warn(self, message: str, code: str | None = None) -> None:
        self.warnings.append(Problem(message, code))

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportRejectedError(Exception):
    """The file had errors; nothing was written."""

    def __init__(self, report: Report) -> None:
        self.report = report
        lines = "\n".join(f"  - {problem}" for problem in report.errors)
        super().__init__(f"import rejected, {len(report.errors)} error(s):\n{lines}")
