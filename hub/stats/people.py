"""Who a grid worker's figures belong to: the person behind each principal id.

The statistics credit the principal id a step carried (``actor``). Two kinds name a
person the hub knows: a registry worker (``worker:<grid>:<n>``, the grid's n-th worker
in the imported registry, as the demo's workers act, and as an identity provider that
maps its users onto the registry would) and an API key (``key:<id>``, named when it was
made out, for a grid worker's phone to them). Others, such as a token's
``<issuer>|<subject>``, stay unnamed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from hub.registry.model import GridWorker
from hub.registry.snapshot import RegistrySnapshot
from hub.security.keys import ApiKeyStore

KEY = "key:"
WORKER = "worker:"


@dataclass(frozen=True, slots=True)
class People:
    key_names: dict[str, str] = field(default_factory=dict)  # by principal id
    registry_workers: dict[str, GridWorker] = field(default_factory=dict)


def registry_worker_id(grid: str, index: int) -> str:
    return f"{WORKER}{grid}:{index}"


async def people(workers: Collection[str], keys: ApiKeyStore, registry: RegistrySnapshot) -> People:
    """The person behind each principal id that names one."""
    found = People({}, {w: p for w in workers if (p := _registry_worker(w, registry))})
    wanted = {w.removeprefix(KEY) for w in workers if w.startswith(KEY)}
    if wanted:
        found.key_names.update(
            {f"{KEY}{k.id}": k.name for k in await keys.list() if k.id in wanted}
        )
    return found


def _registry_worker(worker: str, registry: RegistrySnapshot) -> GridWorker | None:
    grid, _, index = worker.removeprefix(WORKER).partition(":")
    if not worker.startswith(WORKER) or not index.isdigit():
        return None
    workers = registry.workers.get(grid, [])
    return workers[int(index)] if int(index) < len(workers) else None
