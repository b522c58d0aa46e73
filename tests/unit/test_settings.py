from npsloop.settings import Settings


def test_webhook_secrets_name_their_integration_and_allow_rotation():
    settings = Settings(webhook_secrets="shop:s1, shop:s2,crm:s3,bare")
    assert settings.webhook_secret_map() == {"shop": ["s1", "s2"], "crm": ["s3"], "default": ["bare"]}


def test_settings_come_from_npsloop_environment_variables(monkeypatch):
    monkeypatch.setenv("NPSLOOP_QUEUE", "alerts")
    monkeypatch.setenv("NPSLOOP_MAX_SEND_ATTEMPTS", "3")
    settings = Settings()
    assert settings.queue == "alerts" and settings.max_send_attempts == 3


def test_secrets_do_not_show_in_the_settings_repr():
    settings = Settings(webhook_secrets="shop:very-secret", twilio_auth_token="tok-123", smtp_url="smtp://u:pw@h")
    text = repr(settings)
    assert "very-secret" not in text and "tok-123" not in text and "pw@h" not in text


def test_plain_postgres_urls_use_the_psycopg_driver():
    from npsloop.store.database import normalize_url

    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
