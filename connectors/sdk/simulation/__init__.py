"""A small toolkit for writing simulators of department systems.

A simulator is a real HTTP server that behaves like a department's system: its own
auth, pagination, error format and grid scheme, plus the misbehaviour tests need
(faults, rate limits) and the controls they drive it with (``/_admin``). A system
gives ``routes()``, ``advance()`` and ``progress()``; ``simulator_app`` adds the rest:

    app = simulator_app(system, auth=ApiKeyAuth({"key": "client"}),
                        style=MyErrors(), settings=SimulatorSettings())

    async with serve({"police": app}) as urls:
        ...  # urls["police"] == "http://127.0.0.1:<port>"

A connector declares its simulator for the demo, the recorder and tests with a
``Simulated`` (how to build it, its demo credentials, its grid scheme, a hook seeding
personal records, a recording hook on ``Recorder``), named by ``Connector.simulator``.

Its records come from the kit too: the demo town (``generate_town``) and a system's own
grids over it (``partition``), made-up people and addresses, and working time. Everything
a connector's simulator needs is named here, so it imports none of the kit's modules.
"""

from connectors.sdk.simulation.admin import CannotAdvanceError, RecordNotFoundError
from connectors.sdk.simulation.app import (
    DEFAULT_ADMIN_TOKEN,
    DEFAULT_SEED,
    RENDERED,
    SimulatorSettings,
    System,
    simulator_app,
)
from connectors.sdk.simulation.auth import (
    ApiKeyAuth,
    Authenticator,
    BasicAuth,
    HmacAuth,
    OAuth2ClientCredentials,
    hmac_signature,
    request_target,
    string_to_sign,
)
from connectors.sdk.simulation.bodies import parse_body
from connectors.sdk.simulation.changes import ChangeLog
from connectors.sdk.simulation.clock import (
    BEIJING,
    Clock,
    ManualClock,
    beijing_iso,
    beijing_local,
    fhir_instant,
)
from connectors.sdk.simulation.course import Course
from connectors.sdk.simulation.demo_town import TownSpec, generate_town
from connectors.sdk.simulation.errors import ErrorStyle, SimulatorError
from connectors.sdk.simulation.faults import Faults, break_contract
from connectors.sdk.simulation.limits import RateLimiter
from connectors.sdk.simulation.names import PLACE_WORDS, ROADS, chinese_ordinal, street_address
from connectors.sdk.simulation.paging import by_offset, by_page, decode_token, encode_token
from connectors.sdk.simulation.params import (
    bad_request,
    choices,
    integer,
    parse_time,
    time_param,
    values,
)
from connectors.sdk.simulation.recording import NoAuth, Recorder
from connectors.sdk.simulation.seeding import (
    DailyNumbers,
    Step,
    id_number,
    moment_in_history,
    person,
    room,
)
from connectors.sdk.simulation.server import serve
from connectors.sdk.simulation.simulated import (
    AppFactory,
    PersonalSeeder,
    RecordingHook,
    SchemeBuilder,
    Simulated,
    SimulatorReferenceError,
    simulated_by,
)
from connectors.sdk.simulation.tiling import PRECISION_DEGREES, partition
from connectors.sdk.simulation.town import (
    FeatureCollection,
    Place,
    SchemeIndex,
    TownMap,
    outline_of,
    random_point,
    scheme_feature,
)
from connectors.sdk.simulation.worktime import add_working_days, add_working_hours

__all__ = [
    "BEIJING",
    "DEFAULT_ADMIN_TOKEN",
    "DEFAULT_SEED",
    "PLACE_WORDS",
    "PRECISION_DEGREES",
    "RENDERED",
    "ROADS",
    "ApiKeyAuth",
    "AppFactory",
    "Authenticator",
    "BasicAuth",
    "CannotAdvanceError",
    "ChangeLog",
    "Clock",
    "Course",
    "DailyNumbers",
    "ErrorStyle",
    "Faults",
    "FeatureCollection",
    "HmacAuth",
    "ManualClock",
    "NoAuth",
    "OAuth2ClientCredentials",
    "PersonalSeeder",
    "Place",
    "RateLimiter",
    "RecordNotFoundError",
    "Recorder",
    "RecordingHook",
    "SchemeBuilder",
    "SchemeIndex",
    "Simulated",
    "SimulatorError",
    "SimulatorReferenceError",
    "SimulatorSettings",
    "Step",
    "System",
    "TownMap",
    "TownSpec",
    "add_working_days",
    "add_working_hours",
    "bad_request",
    "beijing_iso",
    "beijing_local",
    "break_contract",
    "by_offset",
    "by_page",
    "chinese_ordinal",
    "choices",
    "decode_token",
    "encode_token",
    "fhir_instant",
    "generate_town",
    "hmac_signature",
    "id_number",
    "integer",
    "moment_in_history",
    "outline_of",
    "parse_body",
    "parse_time",
    "partition",
    "person",
    "random_point",
    "request_target",
    "room",
    "scheme_feature",
    "serve",
    "simulated_by",
    "simulator_app",
    "street_address",
    "string_to_sign",
    "time_param",
    "values",
]
