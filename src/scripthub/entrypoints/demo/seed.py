"""Load the demo catalogue through the real use cases, skipping whatever is already there.

Users are created by `CreateAccount` (verified, so no mail is queued), scripts by
`CreateScript` and `PublishScriptVersion` acting as their demo owner (so every one is
validated, audited and indexed for search like one sent to the API), ratings by `RateScript`
as the other demo users, and the featured flag by `FeatureScript` as the operator.

Install counts are the one shortcut: a real install goes through the install counter and
`FlushInstalls`, one request at a time; the demo adds its counts straight through
`uow.scripts.add_install_counts`, in one unit of work, and only to demo scripts that nobody
has installed yet.

Idempotent: users are found by username, scripts by slug, versions by number and ratings by
rater, so a second run creates nothing and reports that nothing changed.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, fields

from scripthub.application.accounts import Operator, Principal
from scripthub.application.scripts.create_script import CreateScriptCommand
from scripthub.application.scripts.feature_script import FeatureScriptCommand
from scripthub.application.scripts.publish_version import PublishScriptVersionCommand
from scripthub.application.scripts.rate_script import RateScriptCommand
from scripthub.application.users.create_account import CreateAccountCommand
from scripthub.application.users.new_account import AccountFields
from scripthub.domain.errors import ConflictError
from scripthub.domain.scripts import Script
from scripthub.domain.users import User
from scripthub.entrypoints.containers import Container
from scripthub.entrypoints.demo.catalogue import (
    DEMO_EMAIL_DOMAIN,
    DEMO_PASSWORD,
    DEMO_USERNAMES,
    SCRIPTS,
    DemoScript,
)

OPERATOR = Operator()


@dataclass
class SeedReport:
    """What one run added; all zero when the catalogue was already complete."""

    users: int = 0
    scripts: int = 0
    versions: int = 0
    ratings: int = 0
    featured: int = 0
    installs: int = 0
    password: str | None = None
    """The demo users' password, when this run created any."""

    @property
    def changed(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self) if f.name != "password")

    def summary(self) -> str:
        if not self.changed:
            return (
                f"demo catalogue already loaded ({len(DEMO_USERNAMES)} users, "
                f"{len(SCRIPTS)} scripts): nothing changed"
            )
        lines = [
            (
                f"demo catalogue loaded: {self.users} users, {self.scripts} scripts, "
                f"{self.versions} later versions, {self.ratings} ratings, "
                f"{self.featured} featured, {self.installs} installs added"
            )
        ]
        if self.password is not None:
            lines.append(
                f"demo users ({', '.join(DEMO_USERNAMES)}) sign in with the password "
                f"{self.password!r}"
            )
        return "\n".join(lines)


async def seed_demo(container: Container, *, production: bool = False) -> SeedReport:
    """Load what is missing of the demo catalogue. In production (only with `--force`) new
    demo accounts get a random password, printed once, instead of the documented one."""
    report = SeedReport()
    password = secrets.token_urlsafe(12) if production else DEMO_PASSWORD
    principals = {
        username: await _demo_user(container, username, password, report)
        for username in DEMO_USERNAMES
    }
    if report.users:
        report.password = password
    installs: dict[uuid.UUID, int] = {}
    for demo in SCRIPTS:
        script = await _demo_script(container, demo, principals[demo.owner], report)
        if script is None:
            continue
        await _ratings(container, demo, script, principals, report)
        if demo.featured and not script.featured:
            await container.use_cases.feature_script().execute(
                FeatureScriptCommand(OPERATOR, script.id, featured=True)
            )
            report.featured += 1
        if demo.installs and script.install_count == 0:
            installs[script.id] = demo.installs
    if installs:
        async with container.adapters.unit_of_work() as uow:
            await uow.scripts.add_install_counts(installs)
            await uow.commit()
        report.installs = sum(installs.values())
    return report


async def _demo_user(
    container: Container, username: str, password: str, report: SeedReport
) -> Principal:
    async with container.adapters.unit_of_work() as uow:
        user: User | None = await uow.users.get_by_username(username)
    if user is None:
        fields_ = AccountFields(f"{username}@{DEMO_EMAIL_DOMAIN}", password, username)
        own = await container.use_cases.create_account().execute(
            CreateAccountCommand(OPERATOR, fields_, verified=True)
        )
        user = own.user
        report.users += 1
    elif not user.email.endswith(f"@{DEMO_EMAIL_DOMAIN}"):
        raise ConflictError(f"The username {username} belongs to an account outside the demo.")
    async with container.adapters.unit_of_work() as uow:
        grants = await uow.roles.grants_of(user.id)
    # The demo users act without signing in: a session id that names no session stands in
    # for one (the script use cases read only the user id and grants).
    return Principal(user.id, uuid.UUID(int=0), grants)


async def _demo_script(
    container: Container, demo: DemoScript, owner: Principal, report: SeedReport
) -> Script | None:
    """The demo script with all its versions, created or completed; None when it was
    deleted (the demo does not bring back what someone deleted)."""
    async with container.adapters.unit_of_work() as uow:
        script: Script | None = await uow.scripts.get_by_slug(demo.slug)
    if script is not None and script.owner_id != owner.user_id:
        raise ConflictError(f"The slug {demo.slug} belongs to a script outside the demo.")
    if script is not None and script.deleted:
        return None
    first, *later = demo.versions
    if script is None:
        created: Script = await container.use_cases.create_script().execute(
            CreateScriptCommand(
                owner,
                first.code,
                name=demo.name,
                language=demo.language,
                version=first.version,
                changelog=first.changelog,
                slug=demo.slug,
                description=demo.description,
                license=demo.license,
                visibility=demo.visibility,
                tags=list(demo.tags),
            )
        )
        script = created
        report.scripts += 1
    for version in later:
        async with container.adapters.unit_of_work() as uow:
            exists = await uow.scripts.get_version(script.id, version.version) is not None
        if not exists:
            await container.use_cases.publish_script_version().execute(
                PublishScriptVersionCommand(
                    owner, script.id, version.code, version.version, version.changelog
                )
            )
            report.versions += 1
    return script


async def _ratings(
    container: Container,
    demo: DemoScript,
    script: Script,
    principals: dict[str, Principal],
    report: SeedReport,
) -> None:
    for username, score in demo.ratings.items():
        rater = principals[username]
        async with container.adapters.unit_of_work() as uow:
            rated = await uow.scripts.score_of(script.id, rater.user_id) is not None
        if not rated:
            await container.use_cases.rate_script().execute(
                RateScriptCommand(rater, script.id, score)
            )
            report.ratings += 1
