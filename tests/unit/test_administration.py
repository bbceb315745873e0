"""Roles, permissions, account status, listings and the audit trail, on in-process adapters."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from scripthub.application.audit.list_entries import ListAuditEntriesQuery
from scripthub.application.auth.refresh_session import RefreshSessionCommand
from scripthub.application.roles.create_permission import CreatePermissionCommand
from scripthub.application.roles.create_role import CreateRoleCommand
from scripthub.application.roles.delete_role import DeleteRoleCommand
from scripthub.application.roles.list_permissions import ListPermissionsQuery
from scripthub.application.roles.list_roles import ListRolesQuery
from scripthub.application.roles.set_role_permissions import SetRolePermissionsCommand
from scripthub.application.users.change_account_status import ChangeAccountStatusCommand
from scripthub.application.users.change_roles import ChangeUserRoleCommand
from scripthub.application.users.create_account import CreateAccountCommand
from scripthub.application.users.list_users import ListUsersQuery
from scripthub.application.users.new_account import AccountFields
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import (
    AccountSuspendedError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    SessionRevokedError,
    ValidationError,
)
from scripthub.domain.roles import ROLES_MANAGE, SCRIPTS_CREATE, SCRIPTS_UPDATE_ANY
from scripthub.domain.users import AccountStatus
from tests.unit.world import OPERATOR, PASSWORD, World

CONTEXT = RequestContext("198.51.100.7", "pytest")


async def test_a_denial_is_forbidden_and_audited(world: World) -> None:
    principal = await world.principal(await world.register())

    await world.authorizer().require(principal, SCRIPTS_CREATE, CONTEXT)
    with pytest.raises(ForbiddenError, match=r"roles\.manage"):
        await world.authorizer().require(principal, ROLES_MANAGE, CONTEXT, resource_type="role")

    denied = [e for e in world.database.audit_entries.values() if e.action == "access.denied"]
    assert len(denied) == 1
    assert denied[0].actor_id == principal.user_id
    assert denied[0].metadata == {"permission": "roles.manage"}
    assert denied[0].ip_address == "198.51.100.7"


async def test_ownership_or_a_permission(world: World) -> None:
    owner = await world.principal(await world.register())
    stranger = await world.principal(
        await world.register(email="s@example.com", username="stranger")
    )
    moderator_pair = await world.register(email="m@example.com", username="mod")
    await world.grant("m@example.com", "moderator")
    moderator = await world.principal(moderator_pair)
    check = world.authorizer().require_owner_or

    await check(owner, owner.user_id, SCRIPTS_UPDATE_ANY, CONTEXT)
    await check(moderator, owner.user_id, SCRIPTS_UPDATE_ANY, CONTEXT)
    with pytest.raises(ForbiddenError):
        await check(stranger, owner.user_id, SCRIPTS_UPDATE_ANY, CONTEXT)


async def test_a_roles_new_permissions_apply_to_holders_on_their_next_request(
    world: World,
) -> None:
    admin = await world.admin()
    pair = await world.register()
    assert (await world.principal(pair)).grants.allows("scripts.create")

    role = await world.set_role_permissions().execute(
        SetRolePermissionsCommand(admin, "user", ["scripts.read", "api.advanced"])
    )

    assert role.permissions == ["api.advanced", "scripts.read"]
    grants = (await world.principal(pair)).grants
    assert not grants.allows("scripts.create")
    assert grants.allows("api.advanced")
    assert ("role.permissions_changed", "success") in world.audit_actions()


async def test_unknown_permissions_are_named(world: World) -> None:
    admin = await world.admin()

    with pytest.raises(ValidationError, match=r"nope\.never"):
        await world.set_role_permissions().execute(
            SetRolePermissionsCommand(admin, "user", ["scripts.read", "nope.never"])
        )
    with pytest.raises(NotFoundError):
        await world.set_role_permissions().execute(SetRolePermissionsCommand(admin, "ghost", []))


async def test_roles_are_created_listed_and_deleted_but_not_system_ones(world: World) -> None:
    admin = await world.admin()
    pair = await world.register()
    created = await world.create_role().execute(CreateRoleCommand(admin, "beta_tester", " Early "))
    await world.set_role_permissions().execute(
        SetRolePermissionsCommand(admin, "beta_tester", ["api.advanced"])
    )
    await world.grant("ada@example.com", "beta_tester")
    assert (await world.principal(pair)).grants.allows("api.advanced")

    names = [r.name for r in await world.list_roles().execute(ListRolesQuery(admin))]
    await world.delete_role().execute(DeleteRoleCommand(admin, "beta_tester"))

    assert created.description == "Early"
    assert not created.system
    assert names == ["admin", "beta_tester", "moderator", "premium_user", "user"]
    assert not (await world.principal(pair)).grants.allows("api.advanced")
    with pytest.raises(ConflictError):
        await world.delete_role().execute(DeleteRoleCommand(admin, "moderator"))
    with pytest.raises(NotFoundError):
        await world.delete_role().execute(DeleteRoleCommand(admin, "beta_tester"))
    with pytest.raises(ConflictError):
        await world.create_role().execute(CreateRoleCommand(admin, "user", ""))
    with pytest.raises(ValidationError):
        await world.create_role().execute(CreateRoleCommand(admin, "Bad Name", ""))


async def test_permissions_are_created_with_the_grammar(world: World) -> None:
    admin = await world.admin()

    created = await world.create_permission().execute(
        CreatePermissionCommand(admin, "scripts.archive", "Archive")
    )

    assert (created.resource, created.action) == ("scripts", "archive")
    assert "scripts.archive" in [
        p.name for p in await world.list_permissions().execute(ListPermissionsQuery(admin))
    ]
    with pytest.raises(ConflictError):
        await world.create_permission().execute(
            CreatePermissionCommand(admin, "scripts.archive", "")
        )
    for bad in ("scripts", "Scripts.read", "a.b.c", "scripts.\0"):
        with pytest.raises(ValidationError):
            await world.create_permission().execute(CreatePermissionCommand(admin, bad, ""))


async def test_the_last_role_manager_cannot_lock_everyone_out(world: World) -> None:
    admin = await world.admin()
    revoke_own = ChangeUserRoleCommand(OPERATOR, "root@example.com", "admin", grant=False)

    with pytest.raises(ConflictError):
        await world.change_user_role().execute(revoke_own)
    with pytest.raises(ConflictError):
        await world.set_role_permissions().execute(
            SetRolePermissionsCommand(admin, "admin", ["users.read"])
        )
    async with world.uow() as uow:
        assert (await uow.roles.grants_of(admin.user_id)).allows("roles.manage")

    await world.register(email="second@example.com", username="second")
    await world.grant("second@example.com", "admin")
    assert await world.change_user_role().execute(revoke_own) == ["user"]


async def test_suspension_ends_sessions_and_blocks_sign_in_until_reactivated(
    world: World,
) -> None:
    admin = await world.admin()
    pair = await world.register()
    target = pair.user.user.id

    own = await world.change_account_status().execute(
        ChangeAccountStatusCommand(admin, target, AccountStatus.SUSPENDED, CONTEXT)
    )

    assert own.user.account_status is AccountStatus.SUSPENDED
    with pytest.raises(SessionRevokedError):
        await world.principal(pair)
    with pytest.raises(AccountSuspendedError):
        await world.login()
    with pytest.raises(AccountSuspendedError):
        await world.refresh_session().execute(RefreshSessionCommand(pair.refresh_token))
    assert ("user.status_changed", "success") in world.audit_actions()

    await world.change_account_status().execute(
        ChangeAccountStatusCommand(admin, target, AccountStatus.ACTIVE, CONTEXT)
    )
    assert (await world.login()).user.user.id == target


async def test_status_changes_refuse_oneself_and_unknown_users(world: World) -> None:
    admin = await world.admin()

    with pytest.raises(ConflictError):
        await world.change_account_status().execute(
            ChangeAccountStatusCommand(admin, admin.user_id, AccountStatus.SUSPENDED)
        )
    with pytest.raises(NotFoundError):
        await world.change_account_status().execute(
            ChangeAccountStatusCommand(admin, uuid.uuid4(), AccountStatus.SUSPENDED)
        )


async def test_users_are_listed_newest_first_in_pages_with_filters(world: World) -> None:
    for number in range(5):
        world.clock.advance(timedelta(seconds=-10))
        await world.register(email=f"u{number}@example.com", username=f"member{number}")
    await world.register(email="other@example.com", username="zed")

    first = await world.list_users().execute(ListUsersQuery(OPERATOR, text="MEMBER", limit=2))
    second = await world.list_users().execute(
        ListUsersQuery(OPERATOR, text="member", cursor=first.next_cursor, limit=2)
    )
    third = await world.list_users().execute(
        ListUsersQuery(OPERATOR, text="member", cursor=second.next_cursor, limit=2)
    )

    names = [v.user.username for page in (first, second, third) for v in page.items]
    assert names == ["member0", "member1", "member2", "member3", "member4"]
    assert third.next_cursor is None
    assert first.items[0].roles == ["user"]
    assert first.items[0].providers == ["email"]
    suspended = await world.list_users().execute(
        ListUsersQuery(OPERATOR, status=AccountStatus.SUSPENDED)
    )
    assert suspended.items == []
    with pytest.raises(BadRequestError):
        await world.list_users().execute(ListUsersQuery(OPERATOR, cursor="not-a-cursor"))


async def test_the_audit_trail_filters_and_pages(world: World) -> None:
    pair = await world.register()
    for _ in range(3):
        await world.login()
    actor = pair.user.user.id

    logins = await world.list_audit_entries().execute(
        ListAuditEntriesQuery(OPERATOR, action="auth.login", actor_id=actor, limit=2)
    )
    rest = await world.list_audit_entries().execute(
        ListAuditEntriesQuery(
            OPERATOR, action="auth.login", actor_id=actor, cursor=logins.next_cursor, limit=2
        )
    )

    assert [e.action for e in logins.items + rest.items] == ["auth.login"] * 3
    assert rest.next_cursor is None
    since_later = await world.list_audit_entries().execute(
        ListAuditEntriesQuery(OPERATOR, since=world.clock.now() + timedelta(seconds=1))
    )
    assert since_later.items == []
    with pytest.raises(BadRequestError):
        await world.list_audit_entries().execute(
            ListAuditEntriesQuery(OPERATOR, since=world.clock.now().replace(tzinfo=None))
        )


async def test_use_cases_check_permissions_without_the_http_guard(world: World) -> None:
    """A caller that is not HTTP (the CLI, a test, a future job) gets the same answer: the
    use case itself refuses and audits the denial."""
    member = await world.principal(await world.register())
    await world.register(email="other@example.com", username="other")

    with pytest.raises(ForbiddenError, match=r"roles\.assign"):
        await world.change_user_role().execute(
            ChangeUserRoleCommand(member, "other@example.com", "moderator", grant=True)
        )
    with pytest.raises(ForbiddenError, match=r"users\.read"):
        await world.list_users().execute(ListUsersQuery(member))
    with pytest.raises(ForbiddenError, match=r"roles\.manage"):
        await world.create_role().execute(CreateRoleCommand(member, "sneaky", ""))

    denied = [
        entry.metadata["permission"]
        for entry in world.database.audit_entries.values()
        if entry.action == "access.denied"
    ]
    assert denied == ["roles.assign", "users.read", "roles.manage"]
    roles = await world.list_roles().execute(ListRolesQuery(OPERATOR))
    assert "sneaky" not in [role.name for role in roles]


async def test_an_operator_creates_a_verified_account_with_roles_in_one_step(
    world: World,
) -> None:
    fields = AccountFields("mod@example.com", PASSWORD, "moddy")
    own = await world.create_account().execute(
        CreateAccountCommand(OPERATOR, fields, roles=("moderator",), verified=True)
    )

    assert own.roles == ["moderator", "user"]
    assert own.user.email_verified
    assert (await world.login("mod@example.com")).user.roles == ["moderator", "user"]
    assert ("role.assigned", "success") in world.audit_actions()
    assert await world.delivered_links() == []  # verified: no verification mail


async def test_an_unknown_role_creates_no_account(world: World) -> None:
    fields = AccountFields("mod@example.com", PASSWORD, "moddy")

    with pytest.raises(NotFoundError, match="Nothing was created"):
        await world.create_account().execute(
            CreateAccountCommand(OPERATOR, fields, roles=("moderator", "ghost"))
        )
    async with world.uow() as uow:
        assert await uow.users.get_by_email("mod@example.com") is None


async def test_a_member_cannot_create_accounts(world: World) -> None:
    member = await world.principal(await world.register())
    fields = AccountFields("mod@example.com", PASSWORD, "moddy")

    with pytest.raises(ForbiddenError, match=r"users\.manage"):
        await world.create_account().execute(CreateAccountCommand(member, fields))
