"""Security settings: ``HUB_SECURITY__*`` in the environment, ``[security]`` in TOML."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, field_validator

# Asymmetric algorithms only: a shared-secret (HS*) or unsigned ("none") token could be
# forged by anyone who learns the secret or edits the header.
ALLOWED_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"})


class IssuerSettings(BaseModel):
    """One OIDC / OAuth2 issuer whose JWTs the hub accepts."""

    issuer: str = Field(description="The exact `iss` claim.")
    audience: str = Field(description="The `aud` the token must name: the hub's client id.")
    jwks_url: str = Field(description="Where the issuer publishes its signing keys.")
    algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256", "EdDSA"])
    leeway_seconds: int = Field(default=30, ge=0, le=300)

    @field_validator("algorithms")
    @classmethod
    def _asymmetric_only(cls, algorithms: list[str]) -> list[str]:
        refused = set(algorithms) - ALLOWED_ALGORITHMS
        if refused or not algorithms:
            raise ValueError(f"algorithms must be some of {sorted(ALLOWED_ALGORITHMS)}")
        return algorithms


class RateLimit(BaseModel):
    """A token bucket per principal: ``burst`` requests at once, ``per_second`` sustained."""

    per_second: float = Field(default=50.0, gt=0)
    burst: int = Field(default=100, ge=1)


class SecuritySettings(BaseModel):
    issuers: list[IssuerSettings] = Field(default_factory=list)
    jwks_refresh_seconds: float = Field(default=300.0, gt=0)
    jwks_min_refetch_seconds: float = Field(default=10.0, ge=0)
    principal_cache_seconds: float = Field(default=5.0, ge=0)
    rate_limit: RateLimit = RateLimit()
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    max_cost: int = Field(default=5000, ge=1)
    default_list_size: int = Field(default=10, ge=1)
    trusted_documents: bool | None = Field(
        default=None, description="Only registered documents run; default: on in production."
    )
    audit_signing_key: SecretStr | None = Field(
        default=None, description="Ed25519 private key, 32 bytes as hex; required in production."
    )
    audit_checkpoint_every: int = Field(default=100, ge=1)
    audit_checkpoint_seconds: float = Field(
        default=60.0, gt=0, description="Sign the chain's head this often, and at shutdown."
    )
    audit_anchor: Path | None = Field(
        default=None,
        description="A file, off the database's host, that keeps the latest signed head.",
    )
