"""Who a grid worker's figures belong to: the name behind each principal id.

The statistics credit the principal id a step carried (``actor``). Two kinds name a
person the hub knows: an API key (``key:<id>``, the key's name: a grid worker's key is
made out to them) and a registry worker (``worker:<grid>:<n>``, the grid's n-th worker
in the imported registry, as the demo's workers and an identity provider that maps its
users onto the registry act). Others, such as a token's ``<issuer>|<subject>``, stay
unnamed.
"""

from __future__ import annotations

from collections.abc import Collection

from hub.registry.snapshot import RegistrySnapshot
from hub.security.keys import ApiKeyStore

KEY = "key:"
WORKER = "worker:"


def registry_worker_id(grid: str, index: int) -> str:
    return f"{WORKER}{grid}:{index}"


async def names(
    workers: Collection[str], keys: ApiKeyStore, registry: RegistrySnapshot
) -> dict[str, str]:
    """The name of each principal id that names a known person."""
    found = {w: name for w in workers if (name := _registry_name(w, registry))}
    wanted = {w.removeprefix(KEY) for w in workers if w.startswith(KEY)}
    if wanted:
        found |= {f"{KEY}{k.id}": k.name for k in await keys.list() if k.id in wanted}
    return found


def _registry_name(worker: str, registry: RegistrySnapshot) -> str | None:
    grid, _, index = worker.removeprefix(WORKER).partition(":")
    if not worker.startswith(WORKER) or not index.isdigit():
        return None
    people = registry.workers.get(grid, [])
    return str(people[int(index)].name) if int(index) < len(people) else None
