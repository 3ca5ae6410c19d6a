"""Rows of the route × user matrix for organisations, users, invitations: (endpoint, method) → (url, form data, expected status per user)."""
from sqlalchemy import select

from tests.app.matrix_base import VERSION, expect, same  # noqa: F401

SECRETARIAT_ONLY_PAGE = expect(302, 403, 403, 403, 403, 200)
SECRETARIAT_ONLY_WRITE = expect(302, 403, 403, 403, 403, 302)
TESTING_SECRET = "testing"  # config.TestingConfig.SECRET_KEY: set-password links made outside an application


def _organisation(tx, name: str = "Enabel"):
    from meapp.auth.models import Organisation

    return tx.scalar(select(Organisation).where(Organisation.name == name))


def _spare_organisation(tx, active: bool = True):
    """An organisation nobody uses (deactivating it is allowed), committed into the case's transaction."""
    from meapp.auth.models import Organisation

    organisation = Organisation(name="Matrix spare organisation", acronym="MATRIX-SPARE", is_active=active)
    tx.add(organisation)
    tx.commit()
    return organisation


def _account(tx, email: str = "impl.iom@example.org"):
    from meapp.auth.models import User

    return tx.scalar(select(User).where(User.email == email))


def _inactive_account(tx):
    account = _account(tx, "impl.enabel@example.org")
    account.is_active_account = False
    tx.commit()
    return account


def _link(tx) -> str:
    from meapp.auth.service import password_link_token

    return f"/set-password/{password_link_token(_account(tx), TESTING_SECRET)}"


ORGS = "/admin/organisations"
USERS_ADMIN = "/admin/users"
ROWS: dict = {
    ("organisations.index", "GET"): (f"{ORGS}/?q=eu&kind=donor&active=1", None, SECRETARIAT_ONLY_PAGE),
    ("organisations.create", "GET"): (f"{ORGS}/new", None, SECRETARIAT_ONLY_PAGE),
    ("organisations.create", "POST"): (f"{ORGS}/new", {"name": "Matrix Agency", "kind": "ngo", "country_code": "BE"},
                                       SECRETARIAT_ONLY_WRITE),
    ("organisations.edit", "GET"): (lambda tx: f"{ORGS}/{_organisation(tx).id}/edit", None, SECRETARIAT_ONLY_PAGE),
    ("organisations.edit", "POST"): (lambda tx: f"{ORGS}/{_organisation(tx).id}/edit",
                                     {"name": "Enabel", "name_fr": "Enabel (agence belge)", "kind": "agency",
                                      "version": lambda tx: _organisation(tx).version},
                                     SECRETARIAT_ONLY_WRITE),
    ("organisations.merge", "GET"): (lambda tx: f"{ORGS}/{_organisation(tx, 'ILO').id}/merge", None,
                                     SECRETARIAT_ONLY_PAGE),
    ("organisations.merge", "POST"): (lambda tx: f"{ORGS}/{_organisation(tx, 'ILO').id}/merge",
                                      {"keep": lambda tx: _organisation(tx, "IOM").id, "reason": "Entered twice",
                                       "confirm": "1"},
                                      SECRETARIAT_ONLY_WRITE),
    ("organisations.deactivate", "POST"): (lambda tx: f"{ORGS}/{_spare_organisation(tx).id}/deactivate",
                                           {"reason": "Closed down"}, SECRETARIAT_ONLY_WRITE),
    ("organisations.reactivate", "POST"): (lambda tx: f"{ORGS}/{_spare_organisation(tx, active=False).id}/reactivate",
                                           {"reason": "Back"}, SECRETARIAT_ONLY_WRITE),
    ("users.index", "GET"): (f"{USERS_ADMIN}/?role=implementer&active=1&q=example", None, SECRETARIAT_ONLY_PAGE),
    ("users.create", "GET"): (f"{USERS_ADMIN}/new", None, SECRETARIAT_ONLY_PAGE),
    # No mail server in the tests: the page shows the link to pass on (200).
    ("users.create", "POST"): (f"{USERS_ADMIN}/new", {"email": "new.person@example.org", "name": "New Person",
                                            "role": "implementer", "organisation": lambda tx: _organisation(tx).id,
                                            "locale": "fr"}, SECRETARIAT_ONLY_PAGE),
    ("users.edit", "GET"): (lambda tx: f"{USERS_ADMIN}/{_account(tx).id}/edit", None, SECRETARIAT_ONLY_PAGE),
    ("users.edit", "POST"): (lambda tx: f"{USERS_ADMIN}/{_account(tx).id}/edit",
                             {"name": "IOM staff", "role": "implementer", "locale": "fr",
                              "organisation": lambda tx: _account(tx).organisation_id,
                              "version": lambda tx: _account(tx).version}, SECRETARIAT_ONLY_WRITE),
    ("users.deactivate", "POST"): (lambda tx: f"{USERS_ADMIN}/{_account(tx).id}/deactivate", {"reason": "Left"},
                                   SECRETARIAT_ONLY_WRITE),
    ("users.reactivate", "POST"): (lambda tx: f"{USERS_ADMIN}/{_inactive_account(tx).id}/reactivate", {"reason": "Back"},
                                   SECRETARIAT_ONLY_WRITE),
    ("users.password_link", "POST"): (lambda tx: f"{USERS_ADMIN}/{_account(tx).id}/password-link", None,
                                      SECRETARIAT_ONLY_PAGE),
    # The link is the credential: whoever holds it (signed in or not) sets that account's password.
    ("auth.set_password", "GET"): (_link, None, same(200, 200)),
    ("auth.set_password", "POST"): (_link, {"password": "a-new-long-password", "confirm": "a-new-long-password"},
                                    same(302, 302)),
}
