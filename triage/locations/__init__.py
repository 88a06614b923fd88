"""Places named in complaints, resolved to the communes and wards in force."""

from triage.locations.resolve import LocationMatch, WardRef, resolve_location

__all__ = ["LocationMatch", "WardRef", "resolve_location"]
