"""The use cases wired to in-process adapters, with a clock the test controls."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from scripthub.adapters.access_state import SequentialAccessStateReader
from scripthub.adapters.memory import InMemoryRateLimiter, InMemorySessionStore
from scripthub.adapters.security import BcryptPasswordHasher, JwtAccessTokens
from scripthub.application.accounts import Principal
from scripthub.application.audit.list_entries import ListAuditEntries
from scripthub.application.auth.authenticate_request import AuthenticateRequest
from scripthub.application.auth.change_password import ChangePassword
from scripthub.application.auth.end_session import EndSession
from scripthub.application.auth.list_sessions import ListSessions
from scripthub.application.auth.log_in import LogIn, LogInCommand
from scripthub.application.auth.log_out import LogOut
from scripthub.application.auth.refresh_session import RefreshSession
from scripthub.application.auth.register_user import RegisterUser, RegisterUserCommand
from scripthub.application.auth.request_password_reset import RequestPasswordReset
from scripthub.application.auth.resend_verification_email import ResendVerificationEmail
from scripthub.application.auth.reset_password import ResetPassword
from scripthub.application.auth.session_starter import SessionStarter, TokenPair
from scripthub.application.auth.verify_email import VerifyEmail
from scripthub.application.authorization import Authorizer
from scripthub.application.mail.deliver_mail import DeliverMail, RetryPolicy
from scripthub.application.mail.messages import MailLinks
from scripthub.application.mail.token_mail import TokenMail
from scripthub.application.roles.create_permission import CreatePermission
from scripthub.application.roles.create_role import CreateRole
from scripthub.application.roles.delete_role import DeleteRole
from scripthub.application.roles.list_permissions import ListPermissions
from scripthub.application.roles.list_roles import ListRoles
from scripthub.application.roles.role_command import RoleCommand
from scripthub.application.roles.set_role_permissions import SetRolePermissions
from scripthub.application.users.change_account_status import ChangeAccountStatus
from scripthub.application.users.change_roles import ChangeUserRole, RoleChange
from scripthub.application.users.delete_own_account import DeleteOwnAccount
from scripthub.application.users.get_own_user import GetOwnUser
from scripthub.application.users.get_public_user import GetPublicUser
from scripthub.application.users.list_users import ListUsers
from scripthub.application.users.update_own_user import UpdateOwnUser
from scripthub.domain.audit import RequestContext
from tests.fakes import InMemoryDatabase, InMemoryUnitOfWork
from tests.fakes.account_reader import InMemoryAccountReader
from tests.fakes.mailer import InMemoryMailer
from tests.fakes.outbox import InMemoryOutboxDispatchStore
from tests.fakes.permission_cache import InMemoryPermissionCache

SECRET = "unit-test-secret-that-is-long-enough-0123456789"
PASSWORD = "correct horse battery"
REUSE_GRACE = timedelta(seconds=10)
SESSION_LIFETIME = timedelta(days=30)
COMMON_PASSWORDS = frozenset({"password123", "qwertyuiop"})


@dataclass
class SettableClock:
    """Starts at the real time (access tokens are checked against it) and moves on demand."""

    current: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


class World:
    def __init__(self) -> None:
        self.clock = SettableClock()
        self.database = InMemoryDatabase()
        self.session_store = InMemorySessionStore()
        self.account_reader = InMemoryAccountReader(self.database)
        self.permission_cache = InMemoryPermissionCache()
        self.access_state = SequentialAccessStateReader(self.session_store, self.permission_cache)
        self.hasher = BcryptPasswordHasher(rounds=4, max_threads=1)
        self.access_tokens = JwtAccessTokens(SECRET, 900, clock=self.clock)
        self.token_mail = TokenMail(
            MailLinks("https://scripthub.test"), self.clock, InMemoryRateLimiter(self.clock)
        )
        self.mailer = InMemoryMailer()
        self.outbox = InMemoryOutboxDispatchStore(self.database)
        self.sessions = SessionStarter(
            self.session_store, self.access_tokens, self.clock, SESSION_LIFETIME
        )

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.database)

    def register_user(self) -> RegisterUser:
        return RegisterUser(
            self.uow(), self.hasher, self.sessions, self.token_mail, self.clock, COMMON_PASSWORDS
        )

    def log_in(self) -> LogIn:
        return LogIn(self.uow(), self.hasher, self.sessions, self.clock)

    def refresh_session(self) -> RefreshSession:
        return RefreshSession(
            self.uow(),
            self.account_reader,
            self.session_store,
            self.sessions,
            self.clock,
            REUSE_GRACE,
        )

    def authenticate(self) -> AuthenticateRequest:
        return AuthenticateRequest(
            self.uow, self.access_tokens, self.access_state, self.permission_cache, self.clock
        )

    def authorizer(self) -> Authorizer:
        return Authorizer(self.uow, self.clock)

    def log_out(self) -> LogOut:
        return LogOut(self.uow(), self.session_store, self.clock)

    def list_sessions(self) -> ListSessions:
        return ListSessions(self.session_store, self.clock)

    def end_session(self) -> EndSession:
        return EndSession(self.uow(), self.session_store, self.clock)

    def get_own_user(self) -> GetOwnUser:
        return GetOwnUser(self.account_reader)

    def get_public_user(self) -> GetPublicUser:
        return GetPublicUser(self.uow())

    def update_own_user(self) -> UpdateOwnUser:
        return UpdateOwnUser(self.uow(), self.clock)

    def delete_own_account(self) -> DeleteOwnAccount:
        return DeleteOwnAccount(self.uow(), self.hasher, self.session_store, self.clock)

    def change_user_role(self) -> ChangeUserRole:
        return ChangeUserRole(self.uow(), self.permission_cache, self.clock)

    def change_account_status(self) -> ChangeAccountStatus:
        return ChangeAccountStatus(
            self.uow(), self.session_store, self.permission_cache, self.clock
        )

    def list_users(self) -> ListUsers:
        return ListUsers(self.uow())

    def list_roles(self) -> ListRoles:
        return ListRoles(self.uow())

    def create_role(self) -> CreateRole:
        return CreateRole(self.uow(), self.clock)

    def set_role_permissions(self) -> SetRolePermissions:
        return SetRolePermissions(self.uow(), self.permission_cache, self.clock)

    def delete_role(self) -> DeleteRole:
        return DeleteRole(self.uow(), self.permission_cache, self.clock)

    def list_permissions(self) -> ListPermissions:
        return ListPermissions(self.uow())

    def create_permission(self) -> CreatePermission:
        return CreatePermission(self.uow(), self.permission_cache, self.clock)

    def list_audit_entries(self) -> ListAuditEntries:
        return ListAuditEntries(self.uow())

    def verify_email(self) -> VerifyEmail:
        return VerifyEmail(self.uow(), self.token_mail, self.clock)

    def resend_verification_email(self) -> ResendVerificationEmail:
        return ResendVerificationEmail(self.uow(), self.token_mail)

    def request_password_reset(self) -> RequestPasswordReset:
        return RequestPasswordReset(self.uow(), self.token_mail)

    def reset_password(self) -> ResetPassword:
        return ResetPassword(
            self.uow(),
            self.token_mail,
            self.hasher,
            self.session_store,
            self.clock,
            COMMON_PASSWORDS,
        )

    def change_password(self) -> ChangePassword:
        return ChangePassword(
            self.uow(), self.hasher, self.session_store, self.sessions, self.clock, COMMON_PASSWORDS
        )

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
        return await self.change_user_role().execute(RoleChange(email, role, grant=True))

    async def admin(self, email: str = "root@example.com", username: str = "root") -> Principal:
        """A signed-in user holding the admin role."""
        pair = await self.register(email=email, username=username)
        await self.grant(email, "admin")
        return await self.principal(pair)

    @staticmethod
    def command(principal: Principal) -> RoleCommand:
        return RoleCommand(principal, RequestContext())

    async def register(
        self, email: str = "ada@example.com", username: str = "ada", password: str = PASSWORD
    ) -> TokenPair:
        return await self.register_user().execute(RegisterUserCommand(email, password, username))

    async def login(self, email: str = "ada@example.com", password: str = PASSWORD) -> TokenPair:
        return await self.log_in().execute(LogInCommand(email, password))

    async def principal(self, pair: TokenPair) -> Principal:
        return await self.authenticate().execute(pair.access_token)

    def audit_actions(self) -> list[tuple[str, str]]:
        return [(e.action, str(e.outcome)) for e in self.database.audit_entries.values()]
