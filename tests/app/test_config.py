import pytest

from meapp import ConfigError, create_app


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
    with pytest.raises(ConfigError, match="long random value"):
        create_app()
    monkeypatch.setenv("MEAPP_SECRET_KEY", "a-long-random-production-secret")
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
    monkeypatch.setenv("MEAPP_SECRET_KEY", "a-long-random-production-secret")
    monkeypatch.setenv("MEAPP_DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite'}")
    monkeypatch.setenv("MEAPP_ALLOW_DEMO_USERS", "true")
    app = create_app()
    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    assert result.exit_code == 1
    assert "refused under the production configuration" in result.output
