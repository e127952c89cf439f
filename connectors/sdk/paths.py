"""Paths into decoded JSON: ``"data.records"``, ``"code.coding.0.code"``,
``"extension[url=urn:yunxi:health:service-area].valueString"``.

A segment is a key, a list index, ``*`` (every item of a list: ``"entry.*.resource"``),
or ``[key=value]``: the first list item whose ``key`` is ``value`` (how FHIR
extensions are found). The declarative parts of a
stream name where things are with these, as Singer's ``records_jsonpath`` does,
without a JSONPath engine on the hot path. A path is compiled once into a reader
(``reader``): a path of plain keys, the usual kind, becomes a loop over dictionary
lookups, since every field of every upstream record is read through one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any

_SEGMENT = re.compile(r"\[([^=\]]+)=([^\]]*)\]|([^.\[\]]+)")

Segment = str | int | tuple[str, str]
Reader = Callable[[Any, Any], Any]  # (decoded JSON, default) -> the value at the path


@lru_cache(maxsize=1024)
def _segments(path: str) -> tuple[Segment, ...]:
    found: list[Segment] = []
    for match in _SEGMENT.finditer(path):
        key, value, name = match.groups()
        if name is None:
            found.append((key, value))
        else:
            found.append(int(name) if name.isdigit() else name)
    return tuple(found)


def dig(value: Any, path: str, default: Any = None) -> Any:
    """The value at ``path``, or ``default`` where the path leads nowhere."""
    return reader(path)(value, default)


@lru_cache(maxsize=1024)
def reader(path: str) -> Reader:
    """What ``dig`` does for ``path``, compiled: keep it to read many records."""
    segments = _segments(path)
    keys = tuple(segment for segment in segments if isinstance(segment, str) and segment != "*")
    if len(keys) < len(segments):
        return lambda value, default: _dig(value, segments, default)
    return partial(_by_keys, keys)


def _by_keys(keys: tuple[str, ...], value: Any, default: Any) -> Any:
    """``_dig`` for a path of dictionary keys only, without its per-segment dispatch."""
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return default
        value = value[key]
    return value


def _dig(value: Any, segments: tuple[Segment, ...], default: Any) -> Any:
    for at, segment in enumerate(segments):
        if segment == "*":
            items = value if isinstance(value, list) else []
            return [_dig(item, segments[at + 1 :], default) for item in items]
        value = _step(value, segment)
        if value is _NOWHERE:
            return default
    return value


_NOWHERE = object()


def _step(value: Any, segment: Segment) -> Any:
    if isinstance(segment, tuple):
        key, wanted = segment
        items = value if isinstance(value, list) else []
        return next((i for i in items if isinstance(i, dict) and i.get(key) == wanted), _NOWHERE)
    if isinstance(segment, int):
        ok = isinstance(value, list) and segment < len(value)
    else:
        ok = isinstance(value, dict) and segment in value
    return value[segment] if ok else _NOWHERE
