"""The users and helpers of the route × user matrix (tests/app/test_permissions.py and its row files)."""
# Demo accounts: PALIM is led by "Belgium", funded by DG HOME; BMZ funds only KOSOVO-SPM; IOM implements others.
USERS = {
    "anonymous": None,
    "implementer": "impl.belgium@example.org",
    "other_implementer": "impl.iom@example.org",
    "funding_donor": "donor.eu-dg-home@example.org",
    "other_donor": "donor.bmz@example.org",
    "secretariat": "secretariat@example.org",
}
ALL_SIGNED_IN = {k: None for k in USERS if k != "anonymous"}


def expect(anonymous, implementer, other_implementer, funding_donor, other_donor, secretariat):
    return dict(anonymous=anonymous, implementer=implementer, other_implementer=other_implementer,
                funding_donor=funding_donor, other_donor=other_donor, secretariat=secretariat)


def same(anonymous, signed_in):
    return expect(anonymous, *([signed_in] * 5))


VERSION = object()  # replaced by the version the period's page shows, as a browser would send it
