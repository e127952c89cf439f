"""``hub connector new NAME``: a connector package that passes its own tests at once.

The template is a small distribution, as a third party would ship it: the connector
and its graph type, a contract stub, a simulator on the hub's simulation toolkit, a
recorded example, and a test using the standard suite. ``TODO`` marks what to change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

TEMPLATE = Path(__file__).parent / "template"
NAME = re.compile(r"[a-z][a-z0-9_]{1,30}")


class ScaffoldError(ValueError):
    pass


@dataclass(frozen=True)
class Scaffolded:
    root: Path
    package: str
    files: list[Path]


def scaffold(name: str, target: Path, title: str | None = None) -> Scaffolded:
    """Write ``hub-connector-NAME/`` under ``target``; refuses a name in use or taken."""
    if not NAME.fullmatch(name):
        raise ScaffoldError("a connector name is lowercase letters, digits and _, from 2 chars")
    root = target / f"hub-connector-{name.replace('_', '-')}"
    if root.exists():
        raise ScaffoldError(f"{root} exists already")
    package = f"hub_connector_{name}"
    values = {
        "name": name,
        "Name": "".join(part.title() for part in name.split("_")),
        "NAME": name.upper(),
        "snake": name,
        "package": package,
        "title": title or f"the {name} system",
    }
    written = [_render(source, root, package, values) for source in _templates()]
    return Scaffolded(root, package, written)


def _templates() -> list[Path]:
    return sorted(path for path in TEMPLATE.rglob("*.tmpl") if path.is_file())


def _render(source: Path, root: Path, package: str, values: dict[str, str]) -> Path:
    relative = source.relative_to(TEMPLATE).with_suffix("")  # drops .tmpl
    parts = [package if part == "package" else part for part in relative.parts]
    parts[-1] = parts[-1].replace("NAME", values["name"])
    target = root.joinpath(*parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = Template(source.read_text(encoding="utf-8")).substitute(values)
    target.write_text(text, encoding="utf-8")
    return target
