import pytest
from pydantic import ValidationError

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


def test_bootstrap_tokens_shorter_than_32_characters_are_refused_at_start_without_echoing_them(monkeypatch):
    monkeypatch.setenv("NPSLOOP_API_TOKENS", "a" * 40 + ",admin123")
    with pytest.raises(ValidationError) as refused:
        Settings()
    text = str(refused.value)
    assert "NPSLOOP_API_TOKENS must be at least 32 characters" in text and "admin123" not in text
    monkeypatch.setenv("NPSLOOP_API_TOKENS", "a" * 32 + ", " + "b" * 43)
    assert len(Settings().api_token_list()) == 2
    with pytest.raises(ValidationError, match="NPSLOOP_ADMIN_TOKEN"):
        Settings(admin_token="metrics")


def test_a_comma_separated_setting_is_trimmed_and_blanks_dropped():
    from npsloop.settings import listed

    assert listed(" crm, shop ,,  ") == ["crm", "shop"]
    assert listed("") == []


def test_closure_action_codes_are_snake_case_keys_listed_once(monkeypatch):
    assert Settings().closure_action_codes() == ("refund", "replacement", "callback", "explanation", "process_fix")
    monkeypatch.setenv("NPSLOOP_CLOSURE_ACTIONS", " refund, goodwill_gesture ,refund,")
    assert Settings().closure_action_codes() == ("refund", "goodwill_gesture")
    monkeypatch.setenv("NPSLOOP_CLOSURE_ACTIONS", "refund,Goodwill Gesture")
    with pytest.raises(ValidationError, match="snake_case"):
        Settings()
