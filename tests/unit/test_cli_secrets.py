"""`npsloop secrets`: generate-key prints a usable key; rotate-key re-encrypts under the first key of
NPSLOOP_SECRET_KEY, says how much it did, and does nothing the second time."""

from __future__ import annotations

import sqlalchemy as sa
from click.testing import CliRunner

from npsloop.cli import main
from npsloop.settings import get_settings
from npsloop.store.keyring import Keyring
from tests.unit.test_cli import cli  # noqa: F401  (the fixture)


def test_generate_key_prints_a_fernet_key():
    printed = CliRunner().invoke(main, ["secrets", "generate-key"]).stdout.strip()
    assert Keyring.parse(printed).size == 1


def test_rotate_key_reencrypts_with_the_first_key_then_has_nothing_to_do(cli, monkeypatch):  # noqa: F811
    from npsloop.bootstrap import get_runtime

    cli("integrations", "add", "--name", "tf", "--kind", "typeform")
    cli("webhooks", "add", "--name", "team", "--kind", "slack", "--url", "https://hooks.slack.com/services/T/B/x")
    embedded = get_settings().secret_key_file.read_text().strip()  # the embedded mode's own key
    database = get_settings().resolved_database_url
    get_runtime().engine.dispose()
    get_runtime.cache_clear()

    def stored() -> list[str]:
        engine = sa.create_engine(database)
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT secret FROM integrations UNION ALL SELECT url FROM outbound_endpoints")
            )
            found = sorted(row[0] for row in rows)
        engine.dispose()
        return found

    before, new = stored(), Keyring.generate()
    monkeypatch.setenv("NPSLOOP_SECRET_KEY", f"{new},{embedded}")
    get_settings.cache_clear()
    assert "re-encrypted 2 secret(s) in 2 row(s); 0 already under the newest key" in cli("secrets", "rotate-key")
    after = stored()
    assert set(after).isdisjoint(before) and all(Keyring.parse(new).is_current(token) for token in after)
    assert "re-encrypted 0 secret(s) in 0 row(s); 2 already" in cli("secrets", "rotate-key", "--batch", "1")

    monkeypatch.setenv("NPSLOOP_SECRET_KEY", new)  # the old key dropped: everything still reads
    get_settings.cache_clear()
    get_runtime.cache_clear()
    assert "hooks.slack.com" not in cli("integrations", "list") and "team" in cli("webhooks", "list")
