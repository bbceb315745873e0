"""One link per provider and account: unique `auth_providers (user_id, provider)`.

No existing row breaks it: until now only `email` links were made, one per account (its
`provider_user_id` is the account's id, already unique per provider). The constraint's index
leads with `user_id`, so it replaces `ix_auth_providers_user_id` as the foreign key's index.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("auth_providers") as batch:
        batch.create_unique_constraint(
            op.f("uq_auth_providers_user_id_provider"), ["user_id", "provider"]
        )
        batch.drop_index(op.f("ix_auth_providers_user_id"))


def downgrade() -> None:
    with op.batch_alter_table("auth_providers") as batch:
        batch.create_index(op.f("ix_auth_providers_user_id"), ["user_id"])
        batch.drop_constraint(op.f("uq_auth_providers_user_id_provider"), type_="unique")
