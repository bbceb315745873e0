"""What `scripthub serve` says before it starts: how this server is set up, in a few lines."""

from __future__ import annotations

from importlib.metadata import version

from scripthub.adapters.database_driver import without_password
from scripthub.entrypoints.settings import Settings

ANY_ADDRESS = {"0.0.0.0", "::"}  # noqa: S104 - a host name to recognise, not to bind


def scripthub_version() -> str:
    return version("scripthub")


def start_up_banner(settings: Settings, host: str, port: int, *, reload: bool) -> str:
    database = without_password(settings.database_url)
    shared = "Redis" if settings.cache_backend == "redis" else "in-process"
    local_host = "127.0.0.1" if host in ANY_ADDRESS else host
    secret = (
        f"generated, kept in {settings.jwt_secret_file}"
        if settings.jwt_secret_file
        else "from SCRIPTHUB_JWT_SECRET"
    )
    return "\n".join(
        [
            f"ScriptHub {scripthub_version()} in {settings.env} mode"
            + (" (reloading on code changes)" if reload else ""),
            f"  database:   {database}",
            f"  stores:     sessions {settings.session_store}, rate limits and caches {shared}",
            f"  docs:       http://{local_host}:{port}/docs",
            f"  JWT secret: {secret}",
        ]
    )
