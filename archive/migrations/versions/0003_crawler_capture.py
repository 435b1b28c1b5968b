"""crawler capture: WARC pointers and payload digest on fetch, revisit time on document

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fetch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload_digest", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("warc_path", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("warc_offset", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("warc_length", sa.Integer(), nullable=True))
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_check_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_document_next_check_at"), ["next_check_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_next_check_at"))
        batch_op.drop_column("next_check_at")
    with op.batch_alter_table("fetch", schema=None) as batch_op:
        batch_op.drop_column("warc_length")
        batch_op.drop_column("warc_offset")
        batch_op.drop_column("warc_path")
        batch_op.drop_column("payload_digest")
