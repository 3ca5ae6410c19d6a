"""logframes: lifecycle, indicator revisions, retirement, target revisions

A project's logframe gets a row of its own (`logframes`): draft, submitted or approved, and the version
every logframe write checks. The logframes that exist today were approved when they were set up, so
each existing project gets one, approved.

An indicator gets the revision of its definition (a value records the revision it was reported against;
`indicator_revisions` keeps each earlier definition), a retirement date and reason (an indicator with
values is retired, never deleted), and the date and reason of its last target revision. The new columns
keep their server defaults, so that SQLite adds them in place without copying the tables.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('logframes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'approved', name='logframestatus', native_enum=False, create_constraint=True, length=13), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_logframes_approved_by_id_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_logframes_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_logframes_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_logframes')),
    sa.UniqueConstraint('project_id', name=op.f('uq_logframes_project_id'))
    )
    op.create_table('indicator_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_indicator_revisions_created_by_id_users')),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_indicator_revisions_indicator_id_indicators'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_revisions')),
    sa.UniqueConstraint('indicator_id', 'number', name=op.f('uq_indicator_revisions_indicator_id_number'))
    )
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default=sa.text('1'), nullable=False))
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('retire_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('target_revised_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('target_revision_reason', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('values', schema=None) as batch_op:
        batch_op.add_column(sa.Column('indicator_revision', sa.Integer(), server_default=sa.text('1'), nullable=False))

    # Every logframe set up before the lifecycle existed counts as approved.
    op.execute("INSERT INTO logframes (project_id, status, version, return_reason, created_at, updated_at) "
               "SELECT id, 'approved', 1, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM projects")


def downgrade():
    with op.batch_alter_table('values', schema=None) as batch_op:
        batch_op.drop_column('indicator_revision')
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_column('target_revision_reason')
        batch_op.drop_column('target_revised_at')
        batch_op.drop_column('retire_reason')
        batch_op.drop_column('retired_at')
        batch_op.drop_column('revision')
    op.drop_table('indicator_revisions')
    op.drop_table('logframes')
