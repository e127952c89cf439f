"""A stream: one kind of record an upstream system serves, declared as class attributes.

    class Incidents(Stream):
        name = "incidents"
        operation = "listIncidents"        # the contract's operation: path and answer schema
        records_path = "data.records"
        paginator = PageNumberPaginator(size=500)
        mapping = Mapping(Incident, {...})
        area = DepartmentGrids("beat")     # asked by the system's own grid codes, comma-joined
        department_grid = "beatCode"       # where a record names its grid
        location = ("lat", "lng")          # where it has a point, if it has one

Nothing here holds state: one class serves every connector instance and request.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, ClassVar

from connectors.sdk.area import AreaModel, NoArea
from connectors.sdk.mapping import Mapping, Record
from connectors.sdk.pagination import Paginator
from connectors.sdk.paths import dig


class Stream:
    name: ClassVar[str]
    description: ClassVar[str] = ""  # for the graph field
    graph_name: ClassVar[str | None] = None  # the Grid field listing these records, if any
    lookup_name: ClassVar[str | None] = None  # the root field finding one by id, if any
    operation: ClassVar[str]  # the contract's operationId of the list call
    records_path: ClassVar[str] = "items"
    primary_key: ClassVar[str] = "id"
    paginator: ClassVar[Paginator]
    mapping: ClassVar[Mapping[Any]]
    params: ClassVar[dict[str, str]] = {}  # sent with every list call
    area: ClassVar[AreaModel] = NoArea()  # how a batch of grids is asked for (connectors.sdk.area)
    department_grid: ClassVar[str | None] = None
    location: ClassVar[tuple[str, str] | None] = None  # record paths of (lat, lon)
    since_param: ClassVar[str | None] = None  # the upstream's "at or after" time filter
    until_param: ClassVar[str | None] = None  # and its "before"
    has_lifecycle: ClassVar[bool] = True  # its statuses are in the connector's statuses.yaml
    key_pattern: ClassVar[re.Pattern[str] | None] = None  # what an id looks like, if known
    item_operation: ClassVar[str | None] = None  # the operationId of one record by its key
    item_record_path: ClassVar[str] = ""  # where the record is in that answer

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "grid_param" in cls.__dict__:  # the attribute ``area`` replaced
            raise TypeError(f"{cls.__name__}: write area = DepartmentGrids(...), not grid_param")

    @classmethod
    def window(cls, since: datetime | None, until: datetime | None) -> dict[str, str | list[str]]:
        """A time window in the upstream's parameters; override for another syntax."""
        bounds = ((cls.since_param, since), (cls.until_param, until))
        return {name: moment.isoformat() for name, moment in bounds if name and moment}

    @classmethod
    def key(cls, record: Record) -> str:
        return str(dig(record, cls.primary_key))

    @classmethod
    def point(cls, record: Record) -> tuple[float, float] | None:
        """The record's WGS84 (lat, lon), when it has one."""
        if cls.location is None:
            return None
        lat, lon = (dig(record, path) for path in cls.location)
        if isinstance(lat, int | float) and isinstance(lon, int | float):
            return float(lat), float(lon)
        return None

    @classmethod
    def grid_of(cls, record: Record) -> str | None:
        """The system's own grid code the record names."""
        code = dig(record, cls.department_grid) if cls.department_grid else None
        return str(code) if code is not None else None
