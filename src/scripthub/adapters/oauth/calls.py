"""HTTP calls to a provider: each under a deadline, each answer checked to be a JSON object."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

PROVIDER_CALL_DEADLINE = 10.0
"""Seconds one provider call (connect, request, whole answer) may take; the person is
waiting at the callback meanwhile."""
PROVIDER_CONNECT_TIMEOUT = 5.0
"""Seconds to open the connection, within the call's deadline."""
_MAX_ERROR_CODE = 64


class ProviderCallError(Exception):
    """A provider call that failed, at `stage` (token, user, emails, jwks, id_token): the
    detail names what failed and carries no secret or token."""

    def __init__(self, stage: str, detail: str) -> None:
        super().__init__(f"{stage}: {detail}")
        self.stage = stage
        self.detail = detail


class ProviderHttp:
    """One `httpx.AsyncClient` for every provider call of the process, made at first use."""

    def __init__(self, deadline: float = PROVIDER_CALL_DEADLINE) -> None:
        self._deadline = deadline
        self._client: httpx.AsyncClient | None = None

    async def post_form(self, stage: str, url: str, form: Mapping[str, str]) -> dict[str, Any]:
        answer: dict[str, Any] = await self._call(stage, "POST", url, dict, data=dict(form))
        return answer

    async def get_object(
        self, stage: str, url: str, access_token: str | None = None
    ) -> dict[str, Any]:
        answer: dict[str, Any] = await self._call(stage, "GET", url, dict, access_token)
        return answer

    async def get_array(self, stage: str, url: str, access_token: str) -> list[Any]:
        answer: list[Any] = await self._call(stage, "GET", url, list, access_token)
        return answer

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _call(
        self,
        stage: str,
        method: str,
        url: str,
        expected: type[dict[str, Any] | list[Any]],
        access_token: str | None = None,
        **request: Any,
    ) -> Any:
        # Loaded by a sign-in's first call, not by every worker (pyproject TID253).
        import httpx

        headers = {"Accept": "application/json"}
        if access_token is not None:
            headers["Authorization"] = f"Bearer {access_token}"
        try:
            async with asyncio.timeout(self._deadline):
                response = await self._http().request(method, url, headers=headers, **request)
        except TimeoutError:
            raise ProviderCallError(stage, f"no answer within {self._deadline:g} s") from None
        except httpx.HTTPError as error:
            raise ProviderCallError(stage, f"request failed ({type(error).__name__})") from None
        payload = _json(response)
        if isinstance(payload, dict) and "error" in payload:
            # GitHub answers a refused code with 200 and an `error`; the others with a 4xx.
            code = str(payload["error"])[:_MAX_ERROR_CODE]
            raise ProviderCallError(stage, f"refused ({response.status_code} {code!r})")
        if not response.is_success:
            raise ProviderCallError(stage, f"answered {response.status_code}")
        if not isinstance(payload, expected):
            raise ProviderCallError(stage, f"answered what is not a JSON {expected.__name__}")
        return payload

    def _http(self) -> httpx.AsyncClient:
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self._deadline, connect=PROVIDER_CONNECT_TIMEOUT)
            )
        return self._client


def _json(response: httpx.Response) -> Any:
    """The parsed body, or None when it is not JSON."""
    try:
        return json.loads(response.content)
    except ValueError:
        return None
