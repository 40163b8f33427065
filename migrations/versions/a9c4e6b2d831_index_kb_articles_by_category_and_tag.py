"""index knowledge articles by category and by tag

The article page's related articles are the same category's articles and those sharing a tag. Without an
index on either, finding them read every article of the space (kb_articles holds each working copy's text:
1,300 pages at 2,000 articles), 3.5 ms of each article view (bench/README.md, issue #10).

Revision ID: a9c4e6b2d831
Revises: f2b8c5d17e63
Create Date: 2026-11-23 01:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a9c4e6b2d831'
down_revision = 'f2b8c5d17e63'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.create_index('ix_kb_articles_category_id', ['category_id'], unique=False)
    with op.batch_alter_table('kb_article_tags', schema=None) as batch_op:
        batch_op.create_index('ix_kb_article_tags_tag_id', ['tag_id'], unique=False)


def downgrade():
    with op.batch_alter_table('kb_article_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_article_tags_tag_id')
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_articles_category_id')
