"""Personal data as a type, so that every layer can find the fields that hold it."""

from typing import NewType

Personal = NewType("Personal", str)
"""A string that is personal data: a name, phone number or private address."""
