"""A running process's CPU time and memory, read from /proc (Linux), for benchmarks
that start ``hub serve`` and report what it cost."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class HubUsage:
    """CPU seconds used so far (or over ``wall`` seconds), resident memory in MiB."""

    cpu_seconds: float
    rss_mib: float
    wall: float = 0.0

    @property
    def cpu_percent(self) -> float:
        """Share of one core over ``wall``."""
        return 100 * self.cpu_seconds / self.wall if self.wall else 0.0

    def since(self, earlier: HubUsage, wall: float) -> HubUsage:
        return HubUsage(self.cpu_seconds - earlier.cpu_seconds, self.rss_mib, wall)


def usage(pid: int) -> HubUsage:
    """The process's user and system CPU time and its resident set now."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
    pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return HubUsage(cpu, pages * PAGE / 2**20)
