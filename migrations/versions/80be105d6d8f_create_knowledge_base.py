"""create knowledge base

Revision ID: 80be105d6d8f
Revises: bf6390d98bd4
Create Date: 2026-11-22 18:21:04.250534

Besides the tables, the search engine's own index, per database (see ess/knowledge/search_schema.py):
SQLite an FTS5 table (unicode61) over kb_search_docs, kept in step by triggers; PostgreSQL a generated
`simple` tsvector column (title A, tags B, body D) with a GIN index.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '80be105d6d8f'
down_revision = 'bf6390d98bd4'
branch_labels = None
depends_on = None


SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE kb_search_fts USING fts5(title_tokens, tag_tokens, body_tokens, "
    "content='kb_search_docs', content_rowid='article_id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER kb_search_docs_ai AFTER INSERT ON kb_search_docs BEGIN "
    "INSERT INTO kb_search_fts(rowid, title_tokens, tag_tokens, body_tokens) "
    "VALUES (new.article_id, new.title_tokens, new.tag_tokens, new.body_tokens); END",
    "CREATE TRIGGER kb_search_docs_ad AFTER DELETE ON kb_search_docs BEGIN "
    "INSERT INTO kb_search_fts(kb_search_fts, rowid, title_tokens, tag_tokens, body_tokens) "
    "VALUES ('delete', old.article_id, old.title_tokens, old.tag_tokens, old.body_tokens); END",
    "CREATE TRIGGER kb_search_docs_au AFTER UPDATE ON kb_search_docs BEGIN "
    "INSERT INTO kb_search_fts(kb_search_fts, rowid, title_tokens, tag_tokens, body_tokens) "
    "VALUES ('delete', old.article_id, old.title_tokens, old.tag_tokens, old.body_tokens); "
    "INSERT INTO kb_search_fts(rowid, title_tokens, tag_tokens, body_tokens) "
    "VALUES (new.article_id, new.title_tokens, new.tag_tokens, new.body_tokens); END",
]
POSTGRESQL_SEARCH = [
    "ALTER TABLE kb_search_docs ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', title_tokens), 'A') || "
    "setweight(to_tsvector('simple', tag_tokens), 'B') || "
    "setweight(to_tsvector('simple', body_tokens), 'D')) STORED",
    "CREATE INDEX ix_kb_search_docs_search_vector ON kb_search_docs USING gin (search_vector)",
]


def upgrade():
    op.create_table('kb_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('space', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_categories')),
    sa.UniqueConstraint('space', 'name', name=op.f('uq_kb_categories_space_name'))
    )
    op.create_table('kb_tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_tags')),
    sa.UniqueConstraint('name', name=op.f('uq_kb_tags_name'))
    )
    op.create_table('kb_articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('space', sa.String(length=8), nullable=False),
    sa.Column('lang', sa.String(length=2), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('translation_of_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('review_by', sa.Date(), nullable=True),
    sa.Column('requires_ack', sa.Boolean(), nullable=False),
    sa.Column('ack_version', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'in_review', 'published', 'archived', name='articlestatus', native_enum=False, length=16), nullable=False),
    sa.Column('current_revision_number', sa.Integer(), nullable=False),
    sa.Column('published_revision_number', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['kb_categories.id'], name=op.f('fk_kb_articles_category_id_kb_categories')),
    sa.ForeignKeyConstraint(['owner_id'], ['employees.id'], name=op.f('fk_kb_articles_owner_id_employees'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['translation_of_id'], ['kb_articles.id'], name=op.f('fk_kb_articles_translation_of_id_kb_articles'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_articles')),
    sa.UniqueConstraint('slug', name=op.f('uq_kb_articles_slug'))
    )
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.create_index('ix_kb_articles_space_status', ['space', 'status'], unique=False)
        batch_op.create_index('ix_kb_articles_translation_of_id', ['translation_of_id'], unique=False)

    op.create_table('search_queries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('query', sa.String(length=200), nullable=False),
    sa.Column('normalised', sa.String(length=400), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_search_queries_employee_id_employees'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_queries'))
    )
    with op.batch_alter_table('search_queries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_queries_at'), ['at'], unique=False)

    op.create_table('kb_acknowledgements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('revision_number', sa.Integer(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_acknowledgements_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_kb_acknowledgements_employee_id_employees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_acknowledgements')),
    sa.UniqueConstraint('article_id', 'employee_id', 'version', name=op.f('uq_kb_acknowledgements_article_id_employee_id_version'))
    )
    with op.batch_alter_table('kb_acknowledgements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_acknowledgements_employee_id'), ['employee_id'], unique=False)

    op.create_table('kb_article_audiences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_audiences_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_kb_article_audiences_department_id_departments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article_audiences'))
    )
    with op.batch_alter_table('kb_article_audiences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_article_audiences_article_id'), ['article_id'], unique=False)

    op.create_table('kb_article_tags',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_tags_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['kb_tags.id'], name=op.f('fk_kb_article_tags_tag_id_kb_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'tag_id', name=op.f('pk_kb_article_tags'))
    )
    op.create_table('kb_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_attachments_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['employees.id'], name=op.f('fk_kb_attachments_uploaded_by_id_employees'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_attachments'))
    )
    with op.batch_alter_table('kb_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_attachments_article_id'), ['article_id'], unique=False)

    op.create_table('kb_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=True),
    sa.Column('revision_number', sa.Integer(), nullable=False),
    sa.Column('helpful', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_feedback_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_kb_feedback_employee_id_employees'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_feedback')),
    sa.UniqueConstraint('article_id', 'employee_id', name=op.f('uq_kb_feedback_article_id_employee_id'))
    )
    op.create_table('kb_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('category', sa.String(length=120), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('major', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_revisions_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['employees.id'], name=op.f('fk_kb_revisions_author_id_employees'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_revisions')),
    sa.UniqueConstraint('article_id', 'number', name=op.f('uq_kb_revisions_article_id_number'))
    )
    op.create_table('kb_search_docs',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('lang', sa.String(length=2), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('tags', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('title_tokens', sa.Text(), nullable=False),
    sa.Column('tag_tokens', sa.Text(), nullable=False),
    sa.Column('body_tokens', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_search_docs_article_id_kb_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', name=op.f('pk_kb_search_docs'))
    )
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_SEARCH, "postgresql": POSTGRESQL_SEARCH}.get(dialect, []):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("kb_search_docs_ai", "kb_search_docs_ad", "kb_search_docs_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS kb_search_fts")
    op.drop_table('kb_search_docs')
    op.drop_table('kb_revisions')
    op.drop_table('kb_feedback')
    with op.batch_alter_table('kb_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_attachments_article_id'))
    op.drop_table('kb_attachments')
    op.drop_table('kb_article_tags')
    with op.batch_alter_table('kb_article_audiences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_article_audiences_article_id'))
    op.drop_table('kb_article_audiences')
    with op.batch_alter_table('kb_acknowledgements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_acknowledgements_employee_id'))
    op.drop_table('kb_acknowledgements')
    with op.batch_alter_table('search_queries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_queries_at'))
    op.drop_table('search_queries')
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_articles_translation_of_id')
        batch_op.drop_index('ix_kb_articles_space_status')
    op.drop_table('kb_articles')
    op.drop_table('kb_tags')
    op.drop_table('kb_categories')
