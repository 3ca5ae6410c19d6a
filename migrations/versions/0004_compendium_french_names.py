"""compendium: French actor names and French event

A practice's actor (the heading it appears under) gets a French name, and an edition its event in
French, so that the French annex no longer prints them in English. The French names of a practice's
organisations and of its figures' units live inside the existing JSON lists (name_fr, unit_fr) and need
no column.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 16:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('practices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_fr', sa.String(length=300), nullable=False, server_default=''))
    with op.batch_alter_table('editions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_fr', sa.String(length=400), nullable=False, server_default=''))
    # The server defaults only filled the existing rows; the models give the default from now on.
    with op.batch_alter_table('practices', schema=None) as batch_op:
        batch_op.alter_column('actor_fr', server_default=None)
    with op.batch_alter_table('editions', schema=None) as batch_op:
        batch_op.alter_column('event_fr', server_default=None)


def downgrade():
    with op.batch_alter_table('editions', schema=None) as batch_op:
        batch_op.drop_column('event_fr')
    with op.batch_alter_table('practices', schema=None) as batch_op:
        batch_op.drop_column('actor_fr')
