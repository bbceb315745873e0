"""GitHub: the user from `/user`, the email from `/user/emails` (its primary, if verified)."""

from __future__ import annotations

from typing import Any

from scripthub.adapters.oauth import fields
from scripthub.adapters.oauth.calls import ProviderHttp
from scripthub.adapters.oauth.exchange import CodeGrant, exchange_for_user
from scripthub.adapters.oauth.registration import ProviderRegistration
from scripthub.application.ports.oauth import ProviderIdentity
from scripthub.domain.providers import Provider


class GitHubIdentities:
    def __init__(self, http: ProviderHttp, registration: ProviderRegistration) -> None:
        if registration.emails_url is None:
            raise ValueError("GitHub needs its emails endpoint")
        self._http = http
        self._registration = registration
        self._emails_url = registration.emails_url

    async def identity(self, grant: CodeGrant) -> ProviderIdentity:
        token, user = await exchange_for_user(self._http, self._registration, grant)
        user_id = fields.user_id(user, "id", "user")
        # The user's `email` is the public profile address, which GitHub does not check.
        email = _primary_verified(await self._http.get_array("emails", self._emails_url, token))
        return ProviderIdentity(
            provider=Provider.GITHUB,
            provider_user_id=user_id,
            email=email,
            email_verified=email is not None,
            login=fields.text(user, "login"),
            name=fields.text(user, "name"),
            avatar_url=fields.text(user, "avatar_url"),
        )


def _primary_verified(emails: list[Any]) -> str | None:
    for entry in emails:
        if isinstance(entry, dict) and entry.get("primary") is True:
            return fields.text(entry, "email") if entry.get("verified") is True else None
    return None
