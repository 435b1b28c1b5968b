"""search index (FTS5 / tsvector over segmented words) and near-duplicate clusters (MinHash LSH)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CANONICAL_FK = "fk_cluster_canonical_id_document"
# Copied, not imported: a migration must keep meaning what it meant when it was written.
SQLITE_DDL = ("CREATE VIRTUAL TABLE search_fts USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 0')",)
POSTGRES_DDL = (
    "CREATE TABLE search_tsv (document_id INTEGER PRIMARY KEY REFERENCES document (id), tsv tsvector NOT NULL)",
    "CREATE INDEX ix_search_tsv_tsv ON search_tsv USING gin (tsv)",
)


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    sqlite = _is_sqlite()
    op.create_table(
        "cluster",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("canonical_id", sa.Integer(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        *([sa.ForeignKeyConstraint(["canonical_id"], ["document.id"], name=CANONICAL_FK)] if sqlite else []),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cluster")),
    )
    if not sqlite:
        op.create_foreign_key(CANONICAL_FK, "cluster", "document", ["canonical_id"], ["id"])
    op.create_table(
        "sketch",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["cluster_id"], ["cluster.id"], name=op.f("fk_sketch_cluster_id_cluster")),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], name=op.f("fk_sketch_document_id_document")),
        sa.ForeignKeyConstraint(["version_id"], ["version.id"], name=op.f("fk_sketch_version_id_version")),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_sketch")),
    )
    with op.batch_alter_table("sketch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sketch_cluster_id"), ["cluster_id"], unique=False)
    op.create_table(
        "sketch_band",
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("bucket", sa.BigInteger(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], name=op.f("fk_sketch_band_document_id_document")),
        sa.PrimaryKeyConstraint("band", "bucket", "document_id", name=op.f("pk_sketch_band")),
    )
    with op.batch_alter_table("sketch_band", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sketch_band_document_id"), ["document_id"], unique=False)
    for statement in SQLITE_DDL if sqlite else POSTGRES_DDL:
        op.execute(statement)
    _backfill()


def _backfill() -> None:
    """Index and cluster the current versions already archived (a no-op on a fresh database)."""
    from sqlalchemy.orm import Session

    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT d.id, v.id, v.title, v.text_norm FROM document d "
                                "JOIN version v ON v.id = d.current_version_id ORDER BY d.id")).all()
    if not rows:
        return
    from archive.clusters import assign

    session = Session(bind=bind)
    for doc_id, version_id, title, text_norm in rows:
        _index(session, doc_id, title, text_norm)
        assign(session, doc_id, version_id, text_norm)
    session.flush()


def _index(session, doc_id: int, title: str | None, text_norm: str) -> None:  # noqa: ANN001
    """The index rows of this revision's layout (archive.search writes the newest layout, which 0007 brings)."""
    from archive.segment import index_tokens
    from corpus.normalize import normalize_text

    params = {"id": doc_id, "title": index_tokens(normalize_text(title or "")), "body": index_tokens(text_norm)}
    if _is_sqlite():
        session.execute(sa.text("INSERT INTO search_fts (rowid, title, body) VALUES (:id, :title, :body)"), params)
    else:
        session.execute(sa.text("INSERT INTO search_tsv (document_id, tsv) VALUES (:id, setweight(to_tsvector("
                                "'simple', :title), 'A') || to_tsvector('simple', :body))"), params)


def downgrade() -> None:
    if _is_sqlite():
        op.execute("DROP TABLE search_fts")
    else:
        op.execute("DROP TABLE search_tsv")
        op.drop_constraint(CANONICAL_FK, "cluster", type_="foreignkey")
    with op.batch_alter_table("sketch_band", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sketch_band_document_id"))
    op.drop_table("sketch_band")
    with op.batch_alter_table("sketch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sketch_cluster_id"))
    op.drop_table("sketch")
    op.drop_table("cluster")
