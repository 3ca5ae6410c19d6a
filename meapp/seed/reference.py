"""Reference data every installation needs: GCM objectives, SDG targets, sectors (ISIC sections), disaggregations."""
from __future__ import annotations

from babel import Locale
from sqlalchemy import select

from meapp.core.countries import country_codes
from meapp.extensions import db
from meapp.logframes.models import DisaggregationCategory, DisaggregationType
from meapp.projects.models import GcmObjective, SdgTarget, Sector
from meapp.seed.facts import facts

_EN, _FR = Locale("en"), Locale("fr")

# (key, en, fr, [(category key, en, fr, description en, description fr)])
DISAGGREGATIONS = [
    ("sex", "Sex", "Sexe", [
        ("F", "Female", "Femmes", "", ""),
        ("M", "Male", "Hommes", "", ""),
    ]),
    ("age_group", "Age group", "Tranche d’âge", [
        ("15-24", "15–24 years", "15–24 ans", "", ""),
        ("25-34", "25–34 years", "25–34 ans", "", ""),
        ("35-54", "35–54 years", "35–54 ans", "", ""),
        ("55+", "55 years and over", "55 ans et plus", "", ""),
    ]),
    ("origin_country", "Country of origin", "Pays d’origine", []),
    ("destination_country", "Country of destination", "Pays de destination", []),
    # Levels of education are classified by ISCED 2011 (ISCED-F 2013 classifies fields, not levels).
    ("skill_level", "Skill level (ISCED 2011)", "Niveau de compétence (CITE 2011)", [
        ("low", "Low skilled", "Peu qualifiés", "ISCED 2011 levels 1–2", "CITE 2011, niveaux 1–2"),
        ("medium", "Medium skilled", "Moyennement qualifiés", "ISCED 2011 levels 3–4", "CITE 2011, niveaux 3–4"),
        ("high", "High skilled", "Hautement qualifiés", "ISCED 2011 levels 5–8", "CITE 2011, niveaux 5–8"),
    ]),
    ("migrant_status", "Migrant status", "Statut migratoire", [
        ("prospective", "Prospective migrant", "Candidat à la migration", "", ""),
        ("migrant", "Migrant", "Migrant", "", ""),
        ("returnee", "Returnee", "Migrant de retour", "", ""),
        ("refugee", "Refugee", "Réfugié", "", ""),
        ("non_migrant", "Non-migrant (host community)", "Non-migrant (communauté d’accueil)", "", ""),
    ]),
]
COUNTRY_TYPES = ("origin_country", "destination_country")

# Sectors a project can name from the start: the sections of ISIC Rev. 4 (CITI Rév. 4 in French), the
# classification labour-market statistics use. Files and the demo may add narrower sectors of their own.
SECTORS = [
    ("isic-a", "Agriculture, forestry and fishing", "Agriculture, sylviculture et pêche"),
    ("isic-b", "Mining and quarrying", "Activités extractives"),
    ("isic-c", "Manufacturing", "Activités de fabrication"),
    ("isic-d", "Electricity, gas, steam and air conditioning supply",
     "Production et distribution d’électricité, de gaz, de vapeur et climatisation"),
    ("isic-e", "Water supply; sewerage, waste management and remediation activities",
     "Distribution d’eau ; réseau d’assainissement ; gestion des déchets et remise en état"),
    ("isic-f", "Construction", "Construction"),
    ("isic-g", "Wholesale and retail trade; repair of motor vehicles and motorcycles",
     "Commerce de gros et de détail ; réparation de véhicules automobiles et de motocycles"),
    ("isic-h", "Transportation and storage", "Transport et entreposage"),
    ("isic-i", "Accommodation and food service activities", "Activités d’hébergement et de restauration"),
    ("isic-j", "Information and communication", "Information et communication"),
    ("isic-k", "Financial and insurance activities", "Activités financières et d’assurances"),
    ("isic-l", "Real estate activities", "Activités immobilières"),
    ("isic-m", "Professional, scientific and technical activities",
     "Activités professionnelles, scientifiques et techniques"),
    ("isic-n", "Administrative and support service activities", "Activités de services administratifs et d’appui"),
    ("isic-o", "Public administration and defence; compulsory social security",
     "Administration publique et défense ; sécurité sociale obligatoire"),
    ("isic-p", "Education", "Enseignement"),
    ("isic-q", "Human health and social work activities", "Activités de santé humaine et d’action sociale"),
    ("isic-r", "Arts, entertainment and recreation", "Arts, spectacles et loisirs"),
    ("isic-s", "Other service activities", "Autres activités de services"),
    ("isic-t", "Activities of households as employers", "Activités des ménages en tant qu’employeurs"),
    ("isic-u", "Activities of extraterritorial organizations and bodies",
     "Activités des organisations et organismes extraterritoriaux"),
]




def fact_countries() -> list[str]:
    """Every country code that a pilot project of the facts names, sorted."""
    codes = set()
    for project in facts()["pilot_projects"]:
        codes.update(project.get("countries_origin") or [])
        codes.update(project.get("countries_destination") or [])
    return sorted(codes)


def all_countries() -> list[str]:
    """Every ISO 3166 country (and Kosovo, XK) that CLDR names, so any project can report by country."""
    return sorted(country_codes() | set(fact_countries()))


def country_label(code: str, locale: Locale) -> str:
    return locale.territories.get(code, code)


def load_reference() -> int:
    """Create what is missing; return how many rows were added (0 on a second run)."""
    added = 0
    frameworks = facts()["frameworks"]
    have = {o.number for o in db.session.scalars(select(GcmObjective))}
    for item in frameworks["gcm_objectives"]:
        if item["number"] not in have:
            db.session.add(GcmObjective(number=item["number"], title_en=item["title_en"], title_fr=item["title_fr"]))
            added += 1
    have = {t.code for t in db.session.scalars(select(SdgTarget))}
    for item in frameworks["sdg_targets"]["targets"]:
        if item["target"] not in have:
            db.session.add(SdgTarget(code=item["target"], title_en=item["title_en"], title_fr=item["title_fr"]))
            added += 1

    have = {s.key for s in db.session.scalars(select(Sector))}
    for key, name_en, name_fr in SECTORS:
        if key not in have:
            db.session.add(Sector(key=key, name_en=name_en, name_fr=name_fr))
            added += 1

    types = {t.key: t for t in db.session.scalars(select(DisaggregationType))}
    countries = all_countries()
    for position, (key, name_en, name_fr, categories) in enumerate(DISAGGREGATIONS):
        dtype = types.get(key)
        if dtype is None:
            dtype = DisaggregationType(key=key, name_en=name_en, name_fr=name_fr, position=position)
            db.session.add(dtype)
            added += 1
        elif (dtype.name_en, dtype.name_fr) != (name_en, name_fr):  # reference names corrected since
            dtype.name_en, dtype.name_fr = name_en, name_fr
            added += 1
        if key in COUNTRY_TYPES:
            categories = [(c, country_label(c, _EN), country_label(c, _FR), "", "") for c in countries]
        existing = {c.key: c for c in dtype.categories}
        for index, (ckey, en, fr, den, dfr) in enumerate(categories):
            category = existing.get(ckey)
            if category is None:
                dtype.categories.append(DisaggregationCategory(
                    key=ckey, name_en=en, name_fr=fr, description_en=den, description_fr=dfr, position=index))
                added += 1
            elif (category.name_en, category.name_fr, category.description_en, category.description_fr) != \
                    (en, fr, den, dfr):
                category.name_en, category.name_fr = en, fr
                category.description_en, category.description_fr = den, dfr
                added += 1
    db.session.flush()
    return added
