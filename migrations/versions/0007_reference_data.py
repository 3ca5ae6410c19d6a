"""reference data: GCM objectives, SDG targets, sectors and the shared disaggregations come with the schema

A new installation is set up with `flask db upgrade` and one `flask users create`: the secretariat then
builds logframes on screen, and those need the shared disaggregations (sex, age group, countries, skill
level...), the sectors (ISIC Rev. 4 sections) and the GCM objectives and SDG targets a project serves. Only missing rows are added, so a
database already loaded with `flask seed reference` is left as it is. The rows are the project's own
reference lists (meapp/seed/reference.py and the facts file), read when the migration runs.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 16:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

gcm = sa.table('gcm_objectives', sa.column('id', sa.Integer), sa.column('number', sa.Integer),
               sa.column('title_en', sa.String), sa.column('title_fr', sa.String))
sdg = sa.table('sdg_targets', sa.column('id', sa.Integer), sa.column('code', sa.String),
               sa.column('title_en', sa.String), sa.column('title_fr', sa.String))
types = sa.table('disaggregation_types', sa.column('id', sa.Integer), sa.column('key', sa.String),
                 sa.column('name_en', sa.String), sa.column('name_fr', sa.String), sa.column('position', sa.Integer))
sectors = sa.table('sectors', sa.column('id', sa.Integer), sa.column('key', sa.String),
                   sa.column('name_en', sa.String), sa.column('name_fr', sa.String))
categories = sa.table('disaggregation_categories', sa.column('id', sa.Integer), sa.column('type_id', sa.Integer),
                      sa.column('key', sa.String), sa.column('name_en', sa.String), sa.column('name_fr', sa.String),
                      sa.column('description_en', sa.String), sa.column('description_fr', sa.String),
                      sa.column('position', sa.Integer))


def upgrade():
    from babel import Locale

    from meapp.seed.facts import facts
    from meapp.seed.reference import COUNTRY_TYPES, DISAGGREGATIONS, SECTORS, all_countries, country_label

    bind = op.get_bind()
    frameworks = facts()['frameworks']
    have = set(bind.scalars(sa.select(gcm.c.number)))
    rows = [{'number': i['number'], 'title_en': i['title_en'], 'title_fr': i['title_fr']}
            for i in frameworks['gcm_objectives'] if i['number'] not in have]
    if rows:
        bind.execute(gcm.insert(), rows)
    have = set(bind.scalars(sa.select(sdg.c.code)))
    rows = [{'code': i['target'], 'title_en': i['title_en'], 'title_fr': i['title_fr']}
            for i in frameworks['sdg_targets']['targets'] if i['target'] not in have]
    if rows:
        bind.execute(sdg.insert(), rows)

    have = set(bind.scalars(sa.select(sectors.c.key)))
    rows = [{'key': key, 'name_en': en, 'name_fr': fr} for key, en, fr in SECTORS if key not in have]
    if rows:
        bind.execute(sectors.insert(), rows)

    english, french = Locale('en'), Locale('fr')
    countries = all_countries()
    for position, (key, name_en, name_fr, listed) in enumerate(DISAGGREGATIONS):
        type_id = bind.scalar(sa.select(types.c.id).where(types.c.key == key))
        if type_id is None:
            bind.execute(types.insert().values(key=key, name_en=name_en, name_fr=name_fr, position=position))
            type_id = bind.scalar(sa.select(types.c.id).where(types.c.key == key))
        if key in COUNTRY_TYPES:
            listed = [(c, country_label(c, english), country_label(c, french), '', '') for c in countries]
        have = set(bind.scalars(sa.select(categories.c.key).where(categories.c.type_id == type_id)))
        rows = [{'type_id': type_id, 'key': ckey, 'name_en': en, 'name_fr': fr, 'description_en': den,
                 'description_fr': dfr, 'position': index}
                for index, (ckey, en, fr, den, dfr) in enumerate(listed) if ckey not in have]
        if rows:
            bind.execute(categories.insert(), rows)


def downgrade():
    # Reference rows may be used by logframes and projects by then: they stay (the schema keeps them too).
    pass
