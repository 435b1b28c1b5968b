"""learned boilerplate: lines that recur across a source's pages, per source

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "learned_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("sample", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("learned_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"], name=op.f("fk_learned_line_source_id_source")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learned_line")),
        sa.UniqueConstraint("source_id", "line", name="uq_learned_line_source_id_line"),
    )
    with op.batch_alter_table("learned_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learned_line_source_id"), ["source_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("learned_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learned_line_source_id"))
    op.drop_table("learned_line")
