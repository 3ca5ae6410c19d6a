"""organisations: French name and parent organisation

An organisation may have a French name (documents in French use it) and a parent, so that a funder's
programmes and directorates ("European Union (DG HOME)", "EU Emergency Trust Fund for Africa") count
under it in its portfolio.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 13:40:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_fr', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_organisations_parent_id_organisations'), 'organisations',
                                    ['parent_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.alter_column('name_fr', server_default=None)


def downgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_organisations_parent_id_organisations'), type_='foreignkey')
        batch_op.drop_column('parent_id')
        batch_op.drop_column('name_fr')
