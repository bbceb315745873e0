"""What production requires besides its services, for tests that run as production on the
embedded wiring."""

from __future__ import annotations

PRODUCTION_ON_EMBEDDED = {
    "SCRIPTHUB_ENV": "production",
    "SCRIPTHUB_JWT_SECRET": "production-test-secret-0123456789abcdef",
    "SCRIPTHUB_SMTP_URL": "smtp://127.0.0.1:1",
    "SCRIPTHUB_MAIL_DISPATCH": "external",
    "SCRIPTHUB_FRONTEND_URL": "https://scripthub.id",
    "SCRIPTHUB_PUBLIC_URL": "https://api.scripthub.id",
    "SCRIPTHUB_MAIL_FROM": "ScriptHub <no-reply@scripthub.id>",
    "SCRIPTHUB_ALLOW_EMBEDDED_IN_PRODUCTION": "1",
}
