"""organisations and accounts: lifecycle and optimistic locking

An organisation can be deactivated (it keeps its history but takes no new account, project or child)
or merged into another (`merged_into_id` says where everything it held went), and carries a version
so that two people editing it at once get a conflict rather than a silent overwrite. Accounts carry a
version too, bumped by the changes people make to them (not by signing in).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_active', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default=sa.text('1')))
        batch_op.create_foreign_key(batch_op.f('fk_organisations_merged_into_id_organisations'), 'organisations',
                                    ['merged_into_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default=sa.text('1')))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('version')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_organisations_merged_into_id_organisations'), type_='foreignkey')
        batch_op.drop_column('version')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('is_active')
