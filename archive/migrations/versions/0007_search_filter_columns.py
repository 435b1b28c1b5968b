"""search: each indexed document's source and publication date beside the index, so filters cost no join per match

PostgreSQL: two columns on the search_tsv row, deliberately without an index of their own (a date-range bitmap
would have the planner read a tsvector per row in range; the GIN bitmap reads none). SQLite: a small table search_fts_doc keyed by the FTS5 rowid (an
FTS5 column would sit behind the text in the content row; version.published_on sits behind two texts).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    if _is_sqlite():
        op.execute("CREATE TABLE search_fts_doc (document_id INTEGER PRIMARY KEY REFERENCES document (id), "
                   "source_id INTEGER NOT NULL REFERENCES source (id), published_on DATE)")
        op.execute("INSERT INTO search_fts_doc (document_id, source_id, published_on) SELECT d.id, d.source_id, "
                   "v.published_on FROM search_fts f JOIN document d ON d.id = f.rowid "
                   "LEFT JOIN version v ON v.id = d.current_version_id")
        return
    op.execute("ALTER TABLE search_tsv ADD COLUMN source_id INTEGER REFERENCES source (id), "
               "ADD COLUMN published_on DATE")
    op.execute("UPDATE search_tsv t SET source_id = d.source_id, published_on = v.published_on FROM document d "
               "LEFT JOIN version v ON v.id = d.current_version_id WHERE d.id = t.document_id")
    op.execute("ALTER TABLE search_tsv ALTER COLUMN source_id SET NOT NULL")


def downgrade() -> None:
    if _is_sqlite():
        op.execute("DROP TABLE search_fts_doc")
        return
    op.execute("ALTER TABLE search_tsv DROP COLUMN published_on, DROP COLUMN source_id")
