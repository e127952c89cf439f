"""health department system: connector and simulator."""
