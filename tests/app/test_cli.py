from sqlalchemy import func, select

from meapp.auth.models import User


def test_seed_demo_twice_changes_nothing_and_says_so(runner, tx):
    before = tx.scalar(select(func.count()).select_from(User))
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    assert "nothing changed" in result.output
    assert tx.scalar(select(func.count()).select_from(User)) == before


def test_seed_reference_twice_changes_nothing(runner):
    result = runner.invoke(args=["seed", "reference"])
    assert result.exit_code == 0
    assert "nothing changed" in result.output


def test_users_list_shows_every_demo_account(runner):
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0
    assert "secretariat@example.org" in result.output
    assert "impl.enabel@example.org" in result.output
    assert "donor.bmz@example.org" in result.output
    assert result.output.strip().endswith("users")


def test_users_create_reads_the_password_from_stdin(runner, tx):
    result = runner.invoke(args=["users", "create", "New.Person@Example.org", "--role", "implementer",
                                 "--org", "Enabel", "--name", "New Person"], input="a-long-password\n")
    assert result.exit_code == 0, result.output
    created = tx.scalar(select(User).where(User.email == "new.person@example.org"))
    assert created.organisation.name == "Enabel"
    assert created.check_password("a-long-password")
    assert not created.is_demo


def test_users_create_refuses_bad_input_clearly(runner, tx):
    cases = [
        (["users", "create", "x@example.org", "--role", "donor", "--org", "Nowhere"], "unknown organisation"),
        (["users", "create", "x@example.org", "--role", "donor"], "must belong to an organisation"),
        (["users", "create", "secretariat@example.org", "--role", "secretariat"], "already exists"),
        (["users", "create", "y@example.org", "--role", "secretariat"], "at least 10 characters"),
    ]
    for args, message in cases:
        result = runner.invoke(args=args, input="short\n" if "y@" in args[2] else "a-long-password\n")
        assert result.exit_code == 1, result.output
        assert message in result.output
    assert tx.scalar(select(User).where(User.email == "x@example.org")) is None
    result = runner.invoke(args=["users", "create", "z@example.org", "--role", "boss"], input="a-long-password\n")
    assert result.exit_code == 2


def test_seed_demo_is_refused_under_production(app, runner):
    app.config["ALLOW_DEMO_USERS"] = False
    try:
        result = runner.invoke(args=["seed", "demo"])
    finally:
        app.config["ALLOW_DEMO_USERS"] = True
    assert result.exit_code == 1
    assert "refused under the production configuration" in result.output


def test_an_organisation_named_ambiguously_is_refused_on_every_door(runner, tx):
    """`users create --org` and `reports portfolio --funder` once differed: one refused, one took the first."""
    from meapp.auth.models import Organisation

    tx.add_all([Organisation(name="Twin Agency A", acronym="TWIN"), Organisation(name="Twin Agency B", acronym="TWIN")])
    tx.commit()
    created = runner.invoke(args=["users", "create", "twin@example.org", "--role", "donor", "--org", "TWIN"],
                            input="a-long-password\na-long-password\n")
    assert created.exit_code != 0 and "names several organisations" in created.output
    report = runner.invoke(args=["reports", "portfolio", "--funder", "twin"])
    assert report.exit_code == 2 and "names several organisations" in report.output
    report = runner.invoke(args=["reports", "portfolio", "--funder", "Twin Agency B", "-o", "/dev/null"])
    assert "names several" not in report.output
