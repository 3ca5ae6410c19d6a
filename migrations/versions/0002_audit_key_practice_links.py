"""audit key, practice links, indexes

A practice may now cover several tracked projects (practice_projects) and its countries are rows
(practice_countries) so that the compendium can filter by country on SQLite and PostgreSQL alike.
Existing links and countries are carried over.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 15:56:43.446669

"""
import json

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('practice_countries',
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['practice_id'], ['practices.id'], name=op.f('fk_practice_countries_practice_id_practices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('practice_id', 'country_code', name=op.f('pk_practice_countries'))
    )
    with op.batch_alter_table('practice_countries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_countries_country_code'), ['country_code'], unique=False)

    op.create_table('practice_projects',
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['practice_id'], ['practices.id'], name=op.f('fk_practice_projects_practice_id_practices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_practice_projects_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('practice_id', 'project_id', name=op.f('pk_practice_projects'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entity_key', sa.String(length=300), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_audit_events_entity_key'), ['entity_key'], unique=False)

    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, project_id, countries FROM practices")).all()
    for practice_id, project_id, countries in rows:
        if project_id is not None:
            bind.execute(sa.text("INSERT INTO practice_projects (practice_id, project_id) VALUES (:p, :j)"),
                         {"p": practice_id, "j": project_id})
        codes = countries if isinstance(countries, list) else json.loads(countries or "[]")
        for position, code in enumerate(dict.fromkeys(codes)):
            bind.execute(sa.text("INSERT INTO practice_countries (practice_id, country_code, position) "
                                 "VALUES (:p, :c, :n)"), {"p": practice_id, "c": code, "n": position})

    with op.batch_alter_table('practices', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_practices_project_id_projects'), type_='foreignkey')
        batch_op.drop_column('project_id')
        batch_op.drop_column('countries')

    with op.batch_alter_table('project_organisations', schema=None) as batch_op:
        batch_op.create_index('ix_project_organisations_organisation_role', ['organisation_id', 'role'], unique=False)



def downgrade():
    with op.batch_alter_table('project_organisations', schema=None) as batch_op:
        batch_op.drop_index('ix_project_organisations_organisation_role')

    with op.batch_alter_table('practices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('countries', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('project_id', sa.INTEGER(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_practices_project_id_projects'), 'projects', ['project_id'], ['id'], ondelete='SET NULL')

    bind = op.get_bind()
    links = bind.execute(sa.text("SELECT practice_id, MIN(project_id) FROM practice_projects GROUP BY practice_id")).all()
    for practice_id, project_id in links:
        bind.execute(sa.text("UPDATE practices SET project_id = :j WHERE id = :p"), {"p": practice_id, "j": project_id})
    countries = {}
    for practice_id, code in bind.execute(sa.text(
            "SELECT practice_id, country_code FROM practice_countries ORDER BY practice_id, position")).all():
        countries.setdefault(practice_id, []).append(code)
    for practice_id, codes in countries.items():
        bind.execute(sa.text("UPDATE practices SET countries = :c WHERE id = :p"),
                     {"p": practice_id, "c": json.dumps(codes)})

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_entity_key'))
        batch_op.drop_column('entity_key')

    op.drop_table('practice_projects')
    with op.batch_alter_table('practice_countries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_countries_country_code'))

    op.drop_table('practice_countries')
