"""Read the environment over a `.env` file into Settings, naming every bad variable at once."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from scripthub.entrypoints.settings.model import Settings
from scripthub.entrypoints.settings.oauth import oauth_providers
from scripthub.entrypoints.settings.parsers import PARSERS, PREFIX


class SettingsError(Exception):
    """One or more variables are wrong; the message names each of them."""


def _development_secret(var_dir: Path) -> str:
    """Development keeps a generated secret under ./var/ so sessions survive restarts."""
    path = var_dir / "jwt-secret"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret


def _derive_defaults(values: dict[str, Any]) -> None:
    if "session_store" not in values:
        values["session_store"] = "redis" if "redis_url" in values else "memory"
    if "cors_origins" not in values and "frontend_url" in values:
        values["cors_origins"] = (values["frontend_url"],)


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
    return problems


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Read the environment (over a `.env` file); raise SettingsError naming every bad variable."""
    source: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        source.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    source.update(os.environ if environ is None else environ)

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
        values["jwt_secret"] = _development_secret(Path("var"))
    return Settings(**values)
