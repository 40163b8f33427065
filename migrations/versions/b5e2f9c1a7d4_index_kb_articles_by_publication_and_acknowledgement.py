"""index knowledge articles by publication date and by acknowledgement

The home page shows the newest readable articles and the policies waiting for my confirmation. Without an
index on either, each read every article (kb_articles holds each working copy's text: 1,300 pages at 2,000
articles), about 2 ms each on every home page (bench/README.md, issue #10).

Revision ID: b5e2f9c1a7d4
Revises: a9c4e6b2d831
Create Date: 2026-11-23 01:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b5e2f9c1a7d4'
down_revision = 'a9c4e6b2d831'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.create_index('ix_kb_articles_published', ['published_at', 'id'], unique=False)
        batch_op.create_index('ix_kb_articles_requires_ack', ['requires_ack'], unique=False)


def downgrade():
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_articles_requires_ack')
        batch_op.drop_index('ix_kb_articles_published')
