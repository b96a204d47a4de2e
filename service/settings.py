"""Process settings, read from COPROD_* environment variables by get_settings()."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ontology import DEFAULT_BASE


class Settings(BaseSettings):
    """Every setting of a coprod process. Unknown COPROD_* keys are rejected."""

    model_config = SettingsConfigDict(env_prefix="COPROD_", extra="forbid")

    base_iri: str = DEFAULT_BASE
    public_url: str | None = Field(
        default=None, description="Where this service answers, if not at base_iri"
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    data_dir: Path = Path("build")
    sources_dir: Path = Path("sources")

    store: Literal["embedded", "remote"] = "embedded"
    store_in_memory: bool = Field(
        default=False, description="Embedded store: serve from memory (copied from disk at start)"
    )
    store_memory: Literal["auto", "memory", "disk"] = Field(
        default="auto",
        description="Embedded store: answer from a copy in memory (2-5x faster on heavy "
        "queries), from disk, or auto: memory while the graph fits in half the free memory",
    )
    query_processes: Literal["auto", "on", "off"] = Field(
        default="auto",
        description="Embedded store: run queries in worker processes that are killed at the "
        "timeout (on: forked from memory, or spawned over a read-only checkpoint of the store "
        "on disk), on threads that cannot stop an aggregate (off), or auto: processes on disk, "
        "and from memory where the workers' copies fit",
    )
    union_default_graph: bool = Field(
        default=True,
        description="Queries without default-graph-uri see the union of all named graphs "
        "(embedded store; a remote engine must be configured the same way)",
    )
    query_url: str | None = None
    update_url: str | None = None
    graph_store_url: str | None = None
    store_user: str | None = None
    store_password: SecretStr | None = None

    access_log: bool = Field(default=True, description="Log each request (uvicorn access log)")
    query_timeout_s: float = Field(default=30.0, gt=0)
    max_body_bytes: int = Field(default=10_000_000, gt=0)
    write_token: SecretStr | None = None
    cors_origins: list[str] = Field(default_factory=list)
    federation_hosts: list[str] = Field(
        default_factory=list, description="Hosts SERVICE and LOAD may reach; empty refuses both"
    )

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if not self.base_iri.endswith("/"):
            self.base_iri += "/"
        if self.store == "remote" and not self.query_url:
            raise ValueError("COPROD_STORE=remote needs COPROD_QUERY_URL")
        if "*" in self.cors_origins:
            raise ValueError("COPROD_CORS_ORIGINS must list origins, not '*'")
        return self

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "store"

    @property
    def artefact_dir(self) -> Path:
        return self.data_dir / "dataset"


def get_settings(**overrides: object) -> Settings:
    """Read settings from the environment now (never at import), with overrides."""
    return Settings(**overrides)  # type: ignore[arg-type]
