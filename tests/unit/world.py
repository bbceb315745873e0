"""The use cases wired to in-memory fakes, with a clock the test controls."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from dependency_injector import containers, providers

from scripthub.adapters.access_state import SequentialAccessStateReader
from scripthub.adapters.email_syntax import EmailValidatorSyntax
from scripthub.adapters.memory import (
    InMemoryAccessTokenCache,
    InMemoryInstallCounter,
    InMemoryLatestCodeStore,
    InMemoryLoginThrottle,
    InMemoryPreparedCodeCache,
    InMemoryRateLimiter,
    InMemorySessionStore,
)
from scripthub.adapters.security.jwt_tokens import JwtAccessTokens
from scripthub.adapters.unmarked_access_tokens import UnmarkedAccessTokens
from scripthub.application.accounts import Operator, Principal
from scripthub.application.auth.authenticate_request import AuthenticateRequestQuery
from scripthub.application.auth.log_in import LogInCommand
from scripthub.application.auth.register_user import RegisterUserCommand
from scripthub.application.auth.session_starter import SessionStarter, TokenPair
from scripthub.application.mail.deliver_mail import DeliverMail, RetryPolicy
from scripthub.application.users.change_roles import ChangeUserRoleCommand
from scripthub.domain.scripts import Script
from scripthub.entrypoints.containers.use_cases import UseCases
from scripthub.entrypoints.settings import Settings
from tests.fakes import InMemoryDatabase, InMemoryPermissionCache, InMemoryUnitOfWork
from tests.fakes.account_reader import InMemoryAccountReader
from tests.fakes.mailer import InMemoryMailer
from tests.fakes.outbox import InMemoryOutboxDispatchStore
from tests.fast_hasher import fast_hasher
from tests.script_builders import add_script

SECRET = "unit-test-secret-that-is-long-enough-0123456789"
PASSWORD = "correct horse battery"
REUSE_GRACE = timedelta(seconds=10)
SESSION_LIFETIME = timedelta(days=30)
COMMON_PASSWORDS = frozenset({"password123", "qwertyuiop"})
OPERATOR = Operator()
"""The operator at the CLI, who may do anything."""
SETTINGS = Settings(
    jwt_secret=SECRET,
    refresh_token_ttl=int(SESSION_LIFETIME.total_seconds()),
    refresh_reuse_grace=int(REUSE_GRACE.total_seconds()),
    frontend_url="https://scripthub.test",
    public_url="https://api.scripthub.test",
)


@dataclass
class SettableClock:
    """Starts at the real time (access tokens are checked against it) and moves on demand."""

    current: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


class World:
    """The use-cases container of the product, built over in-memory fakes and a clock the
    test moves. `world.log_in()` is the `log_in` use case, and so on for every provider."""

    def __init__(self) -> None:
        self.clock = SettableClock()
        self.database = InMemoryDatabase()
        self.session_store = InMemorySessionStore()
        self.permission_cache = InMemoryPermissionCache()
        self.mailer = InMemoryMailer()
        self.outbox = InMemoryOutboxDispatchStore(self.database)
        self.install_counter = InMemoryInstallCounter()
        adapters = containers.DynamicContainer()
        adapters.settings = providers.Object(SETTINGS)
        adapters.clock = providers.Object(self.clock)
        adapters.email_syntax = providers.Object(EmailValidatorSyntax())
        adapters.common_passwords = providers.Object(COMMON_PASSWORDS)
        adapters.hasher = providers.Object(fast_hasher(slots=1))
        adapters.access_tokens = providers.Object(
            JwtAccessTokens(SECRET, SETTINGS.access_token_ttl, clock=self.clock)
        )
        adapters.session_store = providers.Object(self.session_store)
        adapters.permission_cache = providers.Object(self.permission_cache)
        rate_limiter = InMemoryRateLimiter(self.clock)
        adapters.rate_limiter = providers.Object(rate_limiter)
        adapters.login_throttle = providers.Object(InMemoryLoginThrottle())
        adapters.token_marks = providers.Object(UnmarkedAccessTokens())
        adapters.access_token_cache = providers.Object(InMemoryAccessTokenCache())
        adapters.access_state = providers.Object(
            SequentialAccessStateReader(self.session_store, self.permission_cache, rate_limiter)
        )
        adapters.account_reader = providers.Object(InMemoryAccountReader(self.database))
        adapters.mailer = providers.Object(self.mailer)
        adapters.outbox_dispatch_store = providers.Object(self.outbox)
        adapters.install_counter = providers.Object(self.install_counter)
        self.latest_code = InMemoryLatestCodeStore(rate_limiter, self.clock)
        adapters.latest_code_store = providers.Object(self.latest_code)
        self.prepared_code = InMemoryPreparedCodeCache()
        adapters.prepared_code = providers.Object(self.prepared_code)
        adapters.unit_of_work = providers.Factory(InMemoryUnitOfWork, self.database)
        self.use_cases = UseCases(adapters=adapters)
        self.sessions: SessionStarter = self.use_cases.sessions()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.use_cases, name)

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.database)

    def deliver_mail(self, policy: RetryPolicy | None = None) -> DeliverMail:
        return DeliverMail(self.outbox, self.mailer, self.clock, policy)

    async def delivered_links(self, page: str = "") -> list[str]:
        """Deliver what is due and return the token links to `page` in the mails, in order."""
        await self.deliver_mail().run_once()
        return [
            line
            for email in self.mailer.inbox
            for line in email.text.splitlines()
            if line.startswith(f"https://scripthub.test/{page}")
        ]

    async def grant(self, email: str, role: str) -> list[str]:
        command = ChangeUserRoleCommand(OPERATOR, email, role, grant=True)
        roles: list[str] = await self.change_user_role().execute(command)
        return roles

    async def admin(self, email: str = "root@example.com", username: str = "root") -> Principal:
        """A signed-in user holding the admin role."""
        pair = await self.register(email=email, username=username)
        await self.grant(email, "admin")
        return await self.principal(pair)

    async def member(self, username: str = "ada", role: str | None = None) -> Principal:
        """A signed-in user (`<username>@example.com`) with the default role, and `role`."""
        email = f"{username}@example.com"
        pair = await self.register(email=email, username=username)
        if role is not None:
            await self.grant(email, role)
        return await self.principal(pair)

    async def register(
        self, email: str = "ada@example.com", username: str = "ada", password: str = PASSWORD
    ) -> TokenPair:
        return await self.register_user().execute(RegisterUserCommand(email, password, username))

    async def login(self, email: str = "ada@example.com", password: str = PASSWORD) -> TokenPair:
        return await self.log_in().execute(LogInCommand(email, password))

    async def principal(self, pair: TokenPair) -> Principal:
        query = AuthenticateRequestQuery(pair.access_token)
        authentication = await self.authenticate_request().execute(query)
        principal: Principal = authentication.require_principal()
        return principal

    async def add_script(self, owner: Principal, name: str = "Dark Mode", **fields: Any) -> Script:
        return await add_script(self.uow, self.database.users[owner.user_id], name, **fields)

    def audit_actions(self) -> list[tuple[str, str]]:
        return [(e.action, str(e.outcome)) for e in self.database.audit_entries.values()]
