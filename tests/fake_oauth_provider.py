"""A fake OAuth provider for tests: Discord's, Google's and GitHub's HTTP on one real server.

It listens on 127.0.0.1 (a free port, a thread of its own, uvicorn), so the gateway in the
test process and a `scripthub serve` in another process can both reach it. Each provider
lives under its own path prefix (`/discord`, `/google`, `/github`) and speaks that provider's
endpoints: the consent page (authorize), the token endpoint, the user endpoint, GitHub's
emails and Google's JWKS (`Endpoint` names them). It checks what the real ones check: the
client id and secret, the `redirect_uri` of the authorize request, single-use codes, PKCE
S256 (`code_challenge` required at authorize, `code_verifier` must hash to it), bearer tokens.

The consent page consents at once: it redirects (302) to the `redirect_uri` with `code` and
`state`, for the person the test chose. With the `fake_oauth_provider` fixture:

    fake_oauth_provider.sign_in_as(FakePerson(user_id="7", email="a@example.test"))
    fake_oauth_provider.decline()                # consent pages answer ?error=access_denied
    fake_oauth_provider.fail(Provider.GITHUB, "token", Fault.SERVER_ERROR)
    fake_oauth_provider.defect_id_tokens(IdTokenDefect.WRONG_NONCE)
    fake_oauth_provider.rotate_google_key(publish=False)   # then publish_google_key()
    fake_oauth_provider.hits(Provider.GOOGLE, "jwks")      # requests seen
    fake_oauth_provider.authorize_requests                 # the query of each consent
    load_settings({**env, **fake_oauth_provider.environment()})   # SCRIPTHUB_OAUTH_*

The server runs for the whole session; the fixture gives it back clean to every test.
"""

from __future__ import annotations

import base64
import contextlib
import enum
import hashlib
import json
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode

import anyio
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from scripthub.domain.providers import Provider
from tests.threaded_server import ThreadedServer

__all__ = [
    "OAUTH_PROVIDERS",
    "Endpoint",
    "FakeOAuthProvider",
    "FakePerson",
    "Fault",
    "IdTokenDefect",
    "fake_oauth_provider_fixture",
]

OAUTH_PROVIDERS = (Provider.DISCORD, Provider.GOOGLE, Provider.GITHUB)
SLOW_SECONDS = 30.0
"""How long a `Fault.SLOW` endpoint stalls (or until the next reset, or the server stops)."""

Endpoint = Literal["authorize", "token", "user", "emails", "jwks"]
PATHS: dict[Provider, dict[Endpoint, str]] = {
    Provider.DISCORD: {
        "authorize": "/discord/oauth2/authorize",
        "token": "/discord/api/oauth2/token",
        "user": "/discord/api/users/@me",
    },
    Provider.GOOGLE: {
        "authorize": "/google/o/oauth2/v2/auth",
        "token": "/google/token",
        "user": "/google/v1/userinfo",
        "jwks": "/google/oauth2/v3/certs",
    },
    Provider.GITHUB: {
        "authorize": "/github/login/oauth/authorize",
        "token": "/github/login/oauth/access_token",
        "user": "/github/user",
        "emails": "/github/user/emails",
    },
}
SETTING_NAMES: dict[Endpoint, str] = {
    "authorize": "AUTHORIZE_URL",
    "token": "TOKEN_URL",
    "user": "USERINFO_URL",
    "emails": "EMAILS_URL",
    "jwks": "JWKS_URL",
}
SCOPES = {
    Provider.DISCORD: {"identify", "email"},
    Provider.GOOGLE: {"openid", "email", "profile"},
    Provider.GITHUB: {"read:user", "user:email"},
}
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


@dataclass(frozen=True)
class FakePerson:
    """Who consents. Discord's `avatar` is this hash; GitHub and Google give a URL of it.
    On GitHub, `email` is the primary address (verified as `email_verified` says) besides an
    always-verified, non-primary noreply address listed first; None: only the noreply one."""

    user_id: str = "4242"
    email: str | None = "person@example.test"
    email_verified: bool = True
    login: str = "person"
    name: str | None = "Person Example"
    avatar: str | None = "a1b2c3"

    @property
    def avatar_url(self) -> str | None:
        return f"https://avatars.example.test/{self.avatar}" if self.avatar else None


class Fault(enum.Enum):
    """How an endpoint misbehaves."""

    SERVER_ERROR = "a 500"
    SLOW = "no answer for SLOW_SECONDS"
    GARBAGE = "200 with a body that is not JSON"


class IdTokenDefect(enum.Enum):
    """What is wrong with the id_tokens Google's token endpoint issues."""

    WRONG_AUDIENCE = "aud is another client"
    WRONG_ISSUER = "iss is another issuer"
    WRONG_NONCE = "nonce is not the authorize request's"
    EXPIRED = "exp is an hour ago"
    UNKNOWN_KEY = "signed by a key that no JWKS ever lists"
    HS256 = "signed HS256 with the client secret, naming a JWKS key"


@dataclass(frozen=True)
class _Grant:
    """An issued code: what it was issued for."""

    provider: Provider
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    person: FakePerson


@dataclass
class _SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    def jwk(self) -> dict[str, Any]:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**public, "kid": self.kid, "alg": "RS256", "use": "sig"}


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    form: dict[str, str]


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    location: str | None = None


def _json(payload: Any, status: int = 200) -> _Reply:
    return _Reply(status, json.dumps(payload).encode())


def _page(status: int, text: str) -> _Reply:
    return _Reply(status, text.encode(), "text/plain; charset=utf-8")


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of `verifier`."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class FakeOAuthProvider:
    """See the module docstring. Thread-safe: the server's thread and the test share it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._server = ThreadedServer(self._asgi, "fake OAuth provider")
        self.base_url = self._server.base_url
        self._rogue_key = _SigningKey("rogue-key")
        self._google_keys = [_SigningKey("google-key-1")]
        self.reset()

    # What the test chooses

    def reset(self) -> None:
        """Back to a consenting default person, no faults, one published Google key; stalled
        answers are let go."""
        with self._lock:
            if hasattr(self, "_stall_ends"):
                self._stall_ends.set()
            self._stall_ends = threading.Event()
            self._person = FakePerson()
            self._declining = False
            self._faults: dict[tuple[Provider, Endpoint], Fault] = {}
            self._defect: IdTokenDefect | None = None
            self._google_keys = self._google_keys[-1:]
            self._published = {self._google_keys[0].kid}
            self._grants: dict[str, _Grant] = {}
            self._tokens: dict[str, tuple[Provider, FakePerson]] = {}
            self._hits: Counter[tuple[Provider, Endpoint]] = Counter()
            self.authorize_requests: list[dict[str, str]] = []

    def sign_in_as(self, person: FakePerson) -> None:
        """Consent pages from now on sign this person in."""
        with self._lock:
            self._person = person
            self._declining = False

    def decline(self) -> None:
        """Consent pages from now on answer `?error=access_denied&state=...`."""
        with self._lock:
            self._declining = True

    def fail(self, provider: Provider, endpoint: Endpoint, fault: Fault) -> None:
        """`provider`'s `endpoint` misbehaves from now on (until `heal`)."""
        with self._lock:
            self._faults[provider, endpoint] = fault

    def heal(self) -> None:
        with self._lock:
            self._faults.clear()

    def defect_id_tokens(self, defect: IdTokenDefect | None) -> None:
        """Google's token endpoint issues id_tokens with this defect (None: sound ones)."""
        with self._lock:
            self._defect = defect

    def rotate_google_key(self, *, publish: bool = True) -> str:
        """Sign Google's id_tokens with a new key from now on; its kid is in the JWKS at once
        only if `publish`. The old keys stay published. Returns the new kid."""
        key = _SigningKey(f"google-key-{secrets.token_hex(4)}")
        with self._lock:
            self._google_keys.append(key)
            if publish:
                self._published.add(key.kid)
        return key.kid

    def publish_google_key(self) -> None:
        """The JWKS gains the key Google signs with now."""
        with self._lock:
            self._published.add(self._google_keys[-1].kid)

    # What the test reads

    def hits(self, provider: Provider, endpoint: Endpoint) -> int:
        """How many requests `provider`'s `endpoint` got since the last reset."""
        with self._lock:
            return self._hits[provider, endpoint]

    def client_id(self, provider: Provider) -> str:
        return f"{provider}-client-id"

    def client_secret(self, provider: Provider) -> str:
        # At least 32 bytes: the HS256 defect signs with it, and PyJWT warns on shorter keys.
        return f"{provider}-client-secret-{'0' * 32}"

    def issuer(self, provider: Provider) -> str:
        return f"{self.base_url}/{provider}"

    def url(self, provider: Provider, endpoint: Endpoint) -> str:
        return self.base_url + PATHS[provider][endpoint]

    def environment(self, *providers: Provider) -> dict[str, str]:
        """The SCRIPTHUB_OAUTH_* variables that point a ScriptHub at this fake, for
        `providers` (all three by default)."""
        variables: dict[str, str] = {}
        for provider in providers or OAUTH_PROVIDERS:
            prefix = f"SCRIPTHUB_OAUTH_{provider.upper()}_"
            variables[f"{prefix}CLIENT_ID"] = self.client_id(provider)
            variables[f"{prefix}CLIENT_SECRET"] = self.client_secret(provider)
            for endpoint in PATHS[provider]:
                variables[prefix + SETTING_NAMES[endpoint]] = self.url(provider, endpoint)
            if provider is Provider.GOOGLE:
                variables[f"{prefix}ISSUER"] = self.issuer(provider)
        return variables

    # Life cycle

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        with self._lock:
            self._stall_ends.set()  # so that the server's shutdown need not wait for them
        self._server.stop()

    # The server's side

    async def _asgi(
        self,
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[dict[str, Any]]],
        send: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {name.decode().lower(): value.decode() for name, value in scope["headers"]}
        form = {}
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            form = dict(parse_qsl(body.decode()))
        request = _Request(
            scope["method"],
            scope["path"],
            dict(parse_qsl(scope["query_string"].decode())),
            headers,
            form,
        )
        reply = await self._handle(request)
        response_headers = [(b"content-type", reply.content_type.encode())]
        if reply.location is not None:
            response_headers.append((b"location", reply.location.encode()))
        await send(
            {"type": "http.response.start", "status": reply.status, "headers": response_headers}
        )
        await send({"type": "http.response.body", "body": reply.body})

    async def _handle(self, request: _Request) -> _Reply:
        route = self._route(request.path)
        if route is None:
            return _page(404, "no such endpoint")
        provider, endpoint = route
        with self._lock:
            self._hits[provider, endpoint] += 1
            fault = self._faults.get((provider, endpoint))
            stall_ends = self._stall_ends
        if fault is Fault.SERVER_ERROR:
            return _page(500, "internal error")
        if fault is Fault.GARBAGE:
            return _Reply(200, b'{"access_token": "tok')
        if fault is Fault.SLOW:
            await anyio.to_thread.run_sync(stall_ends.wait, SLOW_SECONDS)
        handlers: dict[Endpoint, Callable[[Provider, _Request], _Reply]] = {
            "authorize": self._authorize,
            "token": self._token,
            "user": self._user,
            "emails": self._emails,
            "jwks": self._jwks,
        }
        return handlers[endpoint](provider, request)

    def _route(self, path: str) -> tuple[Provider, Endpoint] | None:
        for provider, paths in PATHS.items():
            for endpoint, endpoint_path in paths.items():
                if path == endpoint_path:
                    return provider, endpoint
        return None

    def _authorize(self, provider: Provider, request: _Request) -> _Reply:
        query = request.query
        with self._lock:
            self.authorize_requests.append(dict(query))
            person, declining = self._person, self._declining
        problem = self._authorize_problem(provider, query)
        if problem is not None:
            # As the real ones do, a bad request is an error page, never a redirect.
            return _page(400, problem)
        redirect_uri, state = query["redirect_uri"], query["state"]
        if declining:
            return self._redirect(redirect_uri, error="access_denied", state=state)
        code = secrets.token_urlsafe(24)
        grant = _Grant(provider, redirect_uri, query["code_challenge"], query.get("nonce"), person)
        with self._lock:
            self._grants[code] = grant
        return self._redirect(redirect_uri, code=code, state=state)

    def _authorize_problem(self, provider: Provider, query: Mapping[str, str]) -> str | None:
        pkce = bool(query.get("code_challenge")) and query.get("code_challenge_method") == "S256"
        checks = [
            (query.get("client_id") == self.client_id(provider), "unknown client_id"),
            (
                query.get("redirect_uri", "").startswith(("http://", "https://")),
                "redirect_uri missing or not http(s)",
            ),
            (query.get("response_type") == "code", "response_type must be code"),
            (
                SCOPES[provider] <= set(query.get("scope", "").split()),
                f"scope must include {sorted(SCOPES[provider])}",
            ),
            (bool(query.get("state")), "state missing"),
            (pkce, "PKCE S256 required (code_challenge, code_challenge_method=S256)"),
            (provider is not Provider.GOOGLE or bool(query.get("nonce")), "nonce missing"),
        ]
        return next((problem for passed, problem in checks if not passed), None)

    @staticmethod
    def _redirect(redirect_uri: str, **params: str) -> _Reply:
        separator = "&" if "?" in redirect_uri else "?"
        return _Reply(302, location=f"{redirect_uri}{separator}{urlencode(params)}")

    def _token(self, provider: Provider, request: _Request) -> _Reply:
        grant, error = self._redeem(provider, request)
        if grant is None:
            return self._token_error(provider, error, 401 if error == "invalid_client" else 400)
        access_token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[access_token] = (provider, grant.person)
        answer: dict[str, Any] = {"access_token": access_token, "token_type": "Bearer"}
        if provider is Provider.GOOGLE:
            answer["id_token"] = self._id_token(grant)
        wants_json = "application/json" in request.headers.get("accept", "")
        if provider is Provider.GITHUB and not wants_json:
            return _Reply(200, urlencode(answer).encode(), "application/x-www-form-urlencoded")
        return _json(answer)

    def _redeem(self, provider: Provider, request: _Request) -> tuple[_Grant | None, str]:
        """The grant of the request's code, or None and the OAuth error code."""
        form = request.form
        credentials = _client_credentials(request)
        if credentials != (self.client_id(provider), self.client_secret(provider)):
            return None, "invalid_client"
        if form.get("grant_type") != "authorization_code":
            return None, "unsupported_grant_type"
        with self._lock:
            grant = self._grants.pop(form.get("code", ""), None)  # single use, even if refused
        verifier = form.get("code_verifier", "")
        sound = (
            grant is not None
            and grant.provider is provider
            and form.get("redirect_uri") == grant.redirect_uri
            and _VERIFIER.fullmatch(verifier) is not None
            and s256(verifier) == grant.code_challenge
        )
        return (grant, "") if sound else (None, "invalid_grant")

    @staticmethod
    def _token_error(provider: Provider, error: str, status: int) -> _Reply:
        # GitHub says no with a 200 and an `error` (bad_verification_code, ...).
        return _json({"error": error}, 200 if provider is Provider.GITHUB else status)

    def _id_token(self, grant: _Grant) -> str:
        person, now = grant.person, int(time.time())
        with self._lock:
            defect, key = self._defect, self._google_keys[-1]
        claims: dict[str, Any] = {
            "iss": self.issuer(Provider.GOOGLE),
            "aud": self.client_id(Provider.GOOGLE),
            "azp": self.client_id(Provider.GOOGLE),
            "sub": person.user_id,
            "email_verified": person.email_verified,
            "name": person.name,
            "picture": person.avatar_url,
            "iat": now,
            "exp": now + 3600,
            "nonce": grant.nonce,
        }
        if person.email is not None:
            claims["email"] = person.email
        if defect is IdTokenDefect.WRONG_AUDIENCE:
            claims["aud"] = "someone-elses-client-id"
        elif defect is IdTokenDefect.WRONG_ISSUER:
            claims["iss"] = "https://accounts.example.test"
        elif defect is IdTokenDefect.WRONG_NONCE:
            claims["nonce"] = secrets.token_urlsafe(16)
        elif defect is IdTokenDefect.EXPIRED:
            claims["iat"], claims["exp"] = now - 7200, now - 3600
        elif defect is IdTokenDefect.UNKNOWN_KEY:
            key = self._rogue_key
        elif defect is IdTokenDefect.HS256:
            secret = self.client_secret(Provider.GOOGLE)
            return jwt.encode(claims, secret, algorithm="HS256", headers={"kid": key.kid})
        return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})

    def _bearer(self, provider: Provider, request: _Request) -> FakePerson | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        with self._lock:
            holder = self._tokens.get(token)
        if scheme.lower() not in {"bearer", "token"} or holder is None or holder[0] is not provider:
            return None
        return holder[1]

    def _user(self, provider: Provider, request: _Request) -> _Reply:
        person = self._bearer(provider, request)
        if person is None:
            return _json({"message": "401: Unauthorized"}, 401)
        if provider is Provider.DISCORD:
            return _json(
                {
                    "id": person.user_id,
                    "username": person.login,
                    "global_name": person.name,
                    "discriminator": "0",
                    "avatar": person.avatar,
                    "email": person.email,
                    "verified": person.email_verified,
                }
            )
        if provider is Provider.GOOGLE:
            return _json(
                {
                    "sub": person.user_id,
                    "email": person.email,
                    "email_verified": person.email_verified,
                    "name": person.name,
                    "picture": person.avatar_url,
                }
            )
        return _json(
            {
                "id": int(person.user_id) if person.user_id.isdigit() else person.user_id,
                "login": person.login,
                "name": person.name,
                "avatar_url": person.avatar_url,
                "email": person.email,  # the public profile address: GitHub never checked it
            }
        )

    def _emails(self, provider: Provider, request: _Request) -> _Reply:
        person = self._bearer(provider, request)
        if person is None:
            return _json({"message": "Requires authentication"}, 401)
        noreply = f"{person.user_id}+{person.login}@users.noreply.github.com"
        emails: list[dict[str, Any]] = [
            {"email": noreply, "primary": False, "verified": True, "visibility": None}
        ]
        if person.email is not None:
            emails.append(
                {
                    "email": person.email,
                    "primary": True,
                    "verified": person.email_verified,
                    "visibility": "private",
                }
            )
        return _json(emails)

    def _jwks(self, provider: Provider, request: _Request) -> _Reply:
        with self._lock:
            keys = [key.jwk() for key in self._google_keys if key.kid in self._published]
        return _json({"keys": keys})


def _client_credentials(request: _Request) -> tuple[str | None, str | None]:
    """From HTTP Basic (client_secret_basic) or the form (client_secret_post)."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        with contextlib.suppress(ValueError):
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
            return client_id, secret
        return None, None
    return request.form.get("client_id"), request.form.get("client_secret")


@pytest.fixture(scope="session")
def _fake_oauth_server() -> Iterator[FakeOAuthProvider]:
    fake = FakeOAuthProvider()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(name="fake_oauth_provider")
def fake_oauth_provider_fixture(
    _fake_oauth_server: FakeOAuthProvider,
) -> Iterator[FakeOAuthProvider]:
    """The session's fake provider, reset before and after the test."""
    _fake_oauth_server.reset()
    yield _fake_oauth_server
    _fake_oauth_server.reset()
