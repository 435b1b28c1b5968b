"""monitoring: event outbox, deliveries, run claims, daemon lease

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_event")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_event_key")),
    )
    op.create_index(op.f("ix_outbox_event_source"), "outbox_event", ["source"], unique=False)
    op.create_index(op.f("ix_outbox_event_dispatched_at"), "outbox_event", ["dispatched_at"], unique=False)
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("watch", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery")),
        sa.UniqueConstraint("event_id", "watch", "channel", name="uq_delivery_event_id"),
    )
    op.create_index(op.f("ix_delivery_event_id"), "delivery", ["event_id"], unique=False)
    op.create_index("ix_delivery_status_next_attempt_at", "delivery", ["status", "next_attempt_at"], unique=False)
    op.create_table(
        "run_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_claim")),
        sa.UniqueConstraint("source", "scheduled_for", name="uq_run_claim_source"),
        sa.UniqueConstraint("source", "active", name="uq_run_claim_source_active"),
    )
    op.create_table(
        "daemon_lease",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("acquired_at", sa.DateTime(), nullable=False),
        sa.Column("renewed_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("reload_requested_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_daemon_lease")),
    )


def downgrade() -> None:
    op.drop_table("daemon_lease")
    op.drop_table("run_claim")
    op.drop_index("ix_delivery_status_next_attempt_at", table_name="delivery")
    op.drop_index(op.f("ix_delivery_event_id"), table_name="delivery")
    op.drop_table("delivery")
    op.drop_index(op.f("ix_outbox_event_dispatched_at"), table_name="outbox_event")
    op.drop_index(op.f("ix_outbox_event_source"), table_name="outbox_event")
    op.drop_table("outbox_event")
