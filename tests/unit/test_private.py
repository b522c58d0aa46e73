"""npsloop's folders and files are made for their owner alone: every folder it creates on the way to the
data dir is 0700 (whatever the umask gives a plain mkdir), before any command writes there."""

from __future__ import annotations

import os
import stat

from click.testing import CliRunner

from npsloop.cli import main
from npsloop.private import private_directory, private_file
from npsloop.settings import get_settings


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_folder_made_on_the_way_is_0700_and_a_new_file_0600(tmp_path):
    existing = tmp_path / "shared"
    existing.mkdir()
    as_set = mode(existing)
    target = private_file(existing / "a" / "b" / "npsloop.db")
    assert mode(target) == 0o600 and target.read_bytes() == b""
    assert mode(existing / "a") == 0o700 and mode(existing / "a" / "b") == 0o700
    assert mode(existing) == as_set  # what was there is left as the operator set it
    assert private_directory(existing / "a") == existing / "a"


def test_the_command_makes_the_data_dir_private_before_anything_runs(tmp_path, monkeypatch):
    data_dir = tmp_path / "srv" / "npsloop"
    monkeypatch.setenv("NPSLOOP_DATA_DIR", str(data_dir))
    get_settings.cache_clear()
    old = os.umask(0o022)  # the usual umask, under which a plain mkdir makes 0755
    try:
        result = CliRunner().invoke(main, ["secrets", "generate-key"])
    finally:
        os.umask(old)
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert mode(data_dir) == 0o700 and mode(data_dir.parent) == 0o700
