import pytest

from meapp import ConfigError, create_app, secret_key_problem

STRONG_SECRET = "9f2c4e7a1b8d3f60c5e2a9b7d4f1e8c3a6b0d9f2e5c8a1b4d7f0e3c6a9b2d5f8"  # secrets.token_hex(32)


def test_production_refuses_to_start_without_secret_and_database(monkeypatch):
    monkeypatch.setenv("MEAPP_ENV", "production")
    monkeypatch.delenv("MEAPP_SECRET_KEY", raising=False)
    monkeypatch.delenv("MEAPP_DATABASE_URL", raising=False)
    with pytest.raises(ConfigError) as error:
        create_app()
    assert "MEAPP_SECRET_KEY and MEAPP_DATABASE_URL" in str(error.value)
    monkeypatch.setenv("MEAPP_SECRET_KEY", "s3cret")
    with pytest.raises(ConfigError, match="MEAPP_DATABASE_URL"):
        create_app()


def test_production_starts_with_both_and_is_hardened(monkeypatch, tmp_path):
    monkeypatch.setenv("MEAPP_ENV", "production")
    monkeypatch.setenv("MEAPP_SECRET_KEY", "s3cret")
    monkeypatch.setenv("MEAPP_DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite'}")
    with pytest.raises(ConfigError, match="has only 6 characters"):
        create_app()
    monkeypatch.setenv("MEAPP_SECRET_KEY", STRONG_SECRET)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("prod.sqlite")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["ALLOW_DEMO_USERS"] is False


def test_environment_overrides_any_key(monkeypatch, tmp_path):
    monkeypatch.setenv("MEAPP_ENV", "development")
    monkeypatch.setenv("MEAPP_DATABASE_URL", f"sqlite:///{tmp_path / 'dev.sqlite'}")
    monkeypatch.setenv("MEAPP_MAX_CONTENT_LENGTH", "1234")
    app = create_app()
    assert app.config["MAX_CONTENT_LENGTH"] == 1234
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("dev.sqlite")


def test_unknown_environment_name_is_refused(monkeypatch):
    monkeypatch.setenv("MEAPP_ENV", "prod")
    with pytest.raises(ConfigError, match="not one of"):
        create_app()


def test_demo_seed_refused_in_production_even_if_the_environment_allows_it(monkeypatch, tmp_path):
    monkeypatch.setenv("MEAPP_ENV", "production")
    monkeypatch.setenv("MEAPP_SECRET_KEY", STRONG_SECRET)
    monkeypatch.setenv("MEAPP_DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite'}")
    monkeypatch.setenv("MEAPP_ALLOW_DEMO_USERS", "true")
    app = create_app()
    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    assert result.exit_code == 1
    assert "refused under the production configuration" in result.output


@pytest.mark.parametrize("secret, problem", [
    ("dev-only-not-secret", "is the development default"),
    ("a-long-random-production-secret", "has only 31 characters"),
    ("a" * 64, "is too regular (0 bits"),
    ("abcd" * 16, "is too regular (8 bits"),  # a repeated piece counts once
    ("0123456789abcdef" * 2, "is too regular (64 bits"),
    ("correct horse battery staple xyz", "is too regular (118 bits"),
])
def test_weak_production_secrets_are_named(secret, problem):
    assert problem in (secret_key_problem(secret) or "")


def test_generated_secrets_pass():
    import secrets

    assert all(secret_key_problem(secrets.token_hex(32)) is None for _ in range(200))
    assert all(secret_key_problem(secrets.token_urlsafe(32)) is None for _ in range(200))
    assert secret_key_problem(STRONG_SECRET) is None


def test_production_refuses_a_low_entropy_secret_and_says_how_to_make_one(monkeypatch, tmp_path):
    monkeypatch.setenv("MEAPP_ENV", "production")
    monkeypatch.setenv("MEAPP_DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite'}")
    monkeypatch.setenv("MEAPP_SECRET_KEY", "a" * 32)
    with pytest.raises(ConfigError) as error:
        create_app()
    message = str(error.value)
    assert "MEAPP_SECRET_KEY is too regular (0 bits" in message
    assert "at least 32 characters" in message and "128 bits" in message
    assert 'python -c "import secrets; print(secrets.token_hex(32))"' in message
