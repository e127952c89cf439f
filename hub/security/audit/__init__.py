"""The tamper-evident audit trail: a hash chain with signed checkpoints."""

from hub.security.audit.anchor import Anchor, AnchorError, read_anchor
from hub.security.audit.chain import (
    DEV_SIGNING_KEY,
    Action,
    Entry,
    Signer,
    Verifier,
    clip,
    new_signing_key,
)
from hub.security.audit.log import AuditLog
from hub.security.audit.read import ENTRY_FIELDS, AuditFilter, entry_of, export, page
from hub.security.audit.verify import Finding, Report, verify

__all__ = [
    "DEV_SIGNING_KEY",
    "ENTRY_FIELDS",
    "Action",
    "Anchor",
    "AnchorError",
    "AuditFilter",
    "AuditLog",
    "Entry",
    "Finding",
    "Report",
    "Signer",
    "Verifier",
    "clip",
    "entry_of",
    "export",
    "new_signing_key",
    "page",
    "read_anchor",
    "verify",
]
