"""Where the key comes from: NPSLOOP_SECRET_KEY; else, with the embedded SQLite database only, a key file
made 0600 in the data dir, once, even when several processes start at the same moment; with PostgreSQL and
no key, every server command refuses to start and names the setting."""

from __future__ import annotations

import multiprocessing
import stat

import pytest
from click.testing import CliRunner

from npsloop.cli import main
from npsloop.secret_key import MissingSecretKey, embedded_key, load_keyring
from npsloop.settings import Settings, get_settings
from npsloop.store.keyring import Keyring

PG = "postgresql://npsloop@127.0.0.1:1/npsloop"


def test_the_embedded_mode_makes_a_private_key_file_once_and_says_so(tmp_path, caplog):
    settings = Settings(data_dir=tmp_path / "fresh" / "var")
    first = load_keyring(settings)
    path = settings.secret_key_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "NPSLOOP_SECRET_KEY" in caplog.text and str(path) in caplog.text
    assert path.read_text().strip() not in caplog.text  # the key itself is never logged
    token = first.encrypt("s")
    assert load_keyring(settings).decrypt(token) == "s"  # the same key the next time
    assert [p.name for p in path.parent.iterdir()] == ["secret.key"]  # no draft left behind


def _key(path, go, found) -> None:  # a child process, as the demo's API and worker are
    go.wait()
    found.put(embedded_key(path))


def test_processes_starting_together_end_up_with_one_key(tmp_path):
    path, context = tmp_path / "secret.key", multiprocessing.get_context("fork")
    go, found = context.Event(), context.Queue()
    children = [context.Process(target=_key, args=(path, go, found)) for _ in range(6)]
    for child in children:
        child.start()
    go.set()
    keys = {found.get(timeout=30) for _ in children}
    for child in children:
        child.join(timeout=30)
    assert len(keys) == 1 and keys == {path.read_text().strip()}
    Keyring.parse(keys.pop())


def test_the_setting_wins_and_a_server_database_needs_it(tmp_path):
    key = Keyring.generate()
    given = load_keyring(Settings(data_dir=tmp_path, database_url=PG, secret_key=key))
    assert Keyring.parse(key).decrypt(given.encrypt("x")) == "x"
    assert not (tmp_path / "secret.key").exists()
    with pytest.raises(MissingSecretKey, match="NPSLOOP_SECRET_KEY is not set"):
        load_keyring(Settings(data_dir=tmp_path, database_url=PG))


@pytest.mark.parametrize("command", [["serve"], ["worker"], ["intake"], ["integrations", "list"]])
def test_with_postgres_and_no_key_a_process_refuses_to_start_and_names_the_setting(command, tmp_path, monkeypatch):
    monkeypatch.setenv("NPSLOOP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NPSLOOP_DATABASE_URL", PG)
    monkeypatch.delenv("NPSLOOP_SECRET_KEY", raising=False)
    from npsloop.bootstrap import get_runtime

    get_settings.cache_clear()
    get_runtime.cache_clear()
    try:
        result = CliRunner().invoke(main, command)
    finally:
        get_settings.cache_clear()
        get_runtime.cache_clear()
    assert result.exit_code == 1 and "NPSLOOP_SECRET_KEY is not set" in result.output
    assert "Traceback" not in result.output


def test_a_malformed_key_stops_every_command_without_echoing_it(tmp_path, monkeypatch):
    monkeypatch.setenv("NPSLOOP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NPSLOOP_SECRET_KEY", "correct-horse-battery-staple")
    from npsloop.bootstrap import get_runtime

    get_settings.cache_clear()
    get_runtime.cache_clear()
    try:
        for command in (["db", "upgrade"], ["serve"], ["secrets", "rotate-key"], ["webhooks", "list"]):
            result = CliRunner().invoke(main, command)
            assert result.exit_code == 1 and "key 1 of 1 is not a Fernet key" in result.output, command
            assert "correct-horse" not in result.output
    finally:
        get_settings.cache_clear()
        get_runtime.cache_clear()
