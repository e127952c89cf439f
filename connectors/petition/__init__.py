"""petition department system: connector and simulator."""
