"""citymgmt department system: connector and simulator."""
