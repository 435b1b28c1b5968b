"""document kind and parent: attachments and compilation pieces hang off their article

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), server_default="article", nullable=False))
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_document_parent_id"), ["parent_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_document_parent_id_document"), "document", ["parent_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_document_parent_id_document"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_document_parent_id"))
        batch_op.drop_column("parent_id")
        batch_op.drop_column("kind")
