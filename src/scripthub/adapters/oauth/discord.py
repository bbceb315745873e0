"""Discord: the user from `/users/@me`; its email only when Discord verified it."""

from __future__ import annotations

from scripthub.adapters.oauth import fields
from scripthub.adapters.oauth.calls import ProviderHttp
from scripthub.adapters.oauth.exchange import CodeGrant, exchange_for_user
from scripthub.adapters.oauth.registration import ProviderRegistration
from scripthub.application.ports.oauth import ProviderIdentity
from scripthub.domain.providers import Provider

AVATAR_URL = "https://cdn.discordapp.com/avatars/{user_id}/{avatar}.png"


class DiscordIdentities:
    def __init__(self, http: ProviderHttp, registration: ProviderRegistration) -> None:
        self._http = http
        self._registration = registration

    async def identity(self, grant: CodeGrant) -> ProviderIdentity:
        _, user = await exchange_for_user(self._http, self._registration, grant)
        user_id = fields.user_id(user, "id", "user")
        verified = user.get("verified") is True
        email = fields.text(user, "email") if verified else None
        avatar = fields.text(user, "avatar")
        return ProviderIdentity(
            provider=Provider.DISCORD,
            provider_user_id=user_id,
            email=email,
            email_verified=email is not None,
            login=fields.text(user, "username"),
            name=fields.text(user, "global_name"),
            avatar_url=AVATAR_URL.format(user_id=user_id, avatar=avatar) if avatar else None,
        )
