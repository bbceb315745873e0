"""Read the environment over a `.env` file into Settings, naming every bad variable at once."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from scripthub.entrypoints.settings.model import (
    DEVELOPMENT_RATE_LIMITS,
    LOCAL_ORIGINS,
    Settings,
)
from scripthub.entrypoints.settings.oauth import oauth_providers
from scripthub.entrypoints.settings.parsers import PARSERS, PREFIX
from scripthub.entrypoints.settings.spelling import warn_about_unknown_variables

ALLOW_EMBEDDED = f"{PREFIX}ALLOW_EMBEDDED_IN_PRODUCTION"
REQUIRED_IN_PRODUCTION = ("frontend_url", "public_url", "mail_from")


class SettingsError(Exception):
    """One or more variables are wrong; the message names each of them."""


DEVELOPMENT_SECRET_FILE = Path("var") / "jwt-secret"


def _development_secret(path: Path) -> str:
    """Development keeps a generated secret under ./var/ so sessions survive restarts."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret


def _derive_defaults(values: dict[str, Any]) -> None:
    if "session_store" not in values:
        # Not `memory`: sessions kept in the process would end at every restart or reload.
        values["session_store"] = "redis" if "redis_url" in values else "sql"
    if "cors_origins" not in values and "frontend_url" in values:
        values["cors_origins"] = (values["frontend_url"],)
    values["public_url_follows_server"] = "public_url" not in values
    if values.get("env") == "production":
        values.setdefault("review_policy", "widening")
    if values.get("env", "development") == "development":
        values["cors_origin_pattern"] = LOCAL_ORIGINS
        for name, limit in DEVELOPMENT_RATE_LIMITS.items():
            values.setdefault(name, limit)


def _embedded_problems(values: dict[str, Any]) -> list[str]:
    """Production runs several processes and hosts: SQLite and in-process stores would each
    keep their own sessions and counters."""
    problems = []
    if values.get("database_url", "sqlite").startswith("sqlite"):
        problems.append(f"{PREFIX}DATABASE_URL must be a PostgreSQL URL in production")
    if "redis_url" not in values:
        problems.append(
            f"{PREFIX}REDIS_URL must be set in production "
            "(sessions, rate limits and caches would live in one process)"
        )
    elif values["session_store"] == "memory":
        problems.append(f"{PREFIX}SESSION_STORE must not be memory in production")
    return [f"{problem} (or set {ALLOW_EMBEDDED}=1)" for problem in problems]


def _combination_problems(values: dict[str, Any]) -> list[str]:
    """Rules that span variables, and what production refuses to run with."""
    problems = []
    if values["session_store"] == "redis" and "redis_url" not in values:
        problems.append(f"{PREFIX}SESSION_STORE=redis needs {PREFIX}REDIS_URL")
    if values.get("env") == "production":
        if "jwt_secret" not in values:
            problems.append(f"{PREFIX}JWT_SECRET must be set in production")
        if "*" in values.get("cors_origins", ()):
            problems.append(f"{PREFIX}CORS_ORIGINS must not be '*' in production")
        if values.get("smtp_url", "console") == "console":
            problems.append(f"{PREFIX}SMTP_URL must be a real SMTP server in production")
        if values.get("fetch_allow_loopback"):
            problems.append(
                f"{PREFIX}FETCH_ALLOW_LOOPBACK must be off in production "
                "(a source URL could reach the server's own host)"
            )
        problems.extend(
            f"{PREFIX}{name.upper()} must be set in production"
            for name in REQUIRED_IN_PRODUCTION
            if name not in values
        )
        if not values.get("allow_embedded_in_production"):
            problems.extend(_embedded_problems(values))
    return problems


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Read the environment (over a `.env` file); raise SettingsError naming every bad variable."""
    source: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        source.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    source.update(os.environ if environ is None else environ)
    warn_about_unknown_variables(source)

    errors: list[str] = []
    values: dict[str, Any] = {}
    for name, parse in PARSERS.items():
        raw = source.get(PREFIX + name.upper())
        if raw is None or raw == "":
            continue
        try:
            values[name] = parse(raw)
        except ValueError as error:
            errors.append(f"{PREFIX}{name.upper()} {error}")
    values["oauth"] = oauth_providers(source, errors)
    _derive_defaults(values)
    errors.extend(_combination_problems(values))
    if errors:
        raise SettingsError("Invalid configuration:\n  " + "\n  ".join(errors))
    if "jwt_secret" not in values:
        values["jwt_secret"] = _development_secret(DEVELOPMENT_SECRET_FILE)
        values["jwt_secret_file"] = str(DEVELOPMENT_SECRET_FILE.resolve())
    return Settings(**values)
