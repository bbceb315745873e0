"""Moderation: the `scripts.moderate` permission, and how a script was taken down.

`scripts.moderate` is granted to the seeded `moderator` and `admin` roles. A script deleted
by moderation keeps its row, as every deleted script does; `takedown` says what its code
routes answer from then on: `keep` (410), `redirect` (301 to `redirect_to`'s code) or `blank`
(a kill-switch version). NULL for live scripts and for scripts deleted otherwise.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# The data as it was when this revision was written.
PERMISSION_ID = uuid.UUID("5f08546b-2dd3-5bb1-9f9a-5f391490e0b5")
PERMISSION = "scripts.moderate"
DESCRIPTION = "Resolve reports, review held versions, take scripts down"
GRANTED_TO = ("moderator", "admin")

_permissions = sa.table(
    "permissions",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.Text()),
    sa.column("description", sa.Text()),
    sa.column("resource", sa.Text()),
    sa.column("action", sa.Text()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
_roles = sa.table(
    "roles",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.Text()),
    sa.column("version", sa.Integer()),
)
_grants = sa.table(
    "role_permissions",
    sa.column("role_id", sa.Uuid()),
    sa.column("permission_id", sa.Uuid()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("scripts") as batch:
        batch.add_column(sa.Column("takedown", sa.String(16), nullable=True))
        batch.add_column(sa.Column("redirect_to", sa.Uuid(), nullable=True))
        batch.create_check_constraint(
            op.f("ck_scripts_takedown"),
            "takedown IS NULL OR takedown IN ('keep', 'redirect', 'blank')",
        )
        batch.create_check_constraint(
            op.f("ck_scripts_redirect_to"), "(takedown = 'redirect') = (redirect_to IS NOT NULL)"
        )
    _seed_permission()


def _seed_permission() -> None:
    """Unless an operator made one of that name already; granted to the seeded roles that
    still exist (their version moves, so that cached grants are read again)."""
    bind = op.get_bind()
    now = datetime.now(UTC)
    existing = bind.execute(
        sa.select(_permissions.c.id).where(_permissions.c.name == PERMISSION)
    ).scalar_one_or_none()
    permission_id = existing
    if permission_id is None:
        permission_id = PERMISSION_ID
        bind.execute(
            _permissions.insert().values(
                id=permission_id,
                name=PERMISSION,
                description=DESCRIPTION,
                resource="scripts",
                action="moderate",
                created_at=now,
                updated_at=now,
            )
        )
    roles = bind.execute(sa.select(_roles.c.id).where(_roles.c.name.in_(GRANTED_TO))).scalars()
    for role_id in list(roles):
        granted = bind.execute(
            sa.select(sa.func.count())
            .select_from(_grants)
            .where(_grants.c.role_id == role_id, _grants.c.permission_id == permission_id)
        ).scalar_one()
        if not granted:
            bind.execute(
                _grants.insert().values(
                    role_id=role_id, permission_id=permission_id, created_at=now
                )
            )
            bind.execute(
                _roles.update().where(_roles.c.id == role_id).values(version=_roles.c.version + 1)
            )


def downgrade() -> None:
    op.execute(_grants.delete().where(_grants.c.permission_id == PERMISSION_ID))
    op.execute(_permissions.delete().where(_permissions.c.id == PERMISSION_ID))
    with op.batch_alter_table("scripts") as batch:
        batch.drop_constraint(op.f("ck_scripts_redirect_to"), type_="check")
        batch.drop_constraint(op.f("ck_scripts_takedown"), type_="check")
        batch.drop_column("redirect_to")
        batch.drop_column("takedown")
