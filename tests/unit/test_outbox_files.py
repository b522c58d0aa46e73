"""The outbox folder as erasure sees it: a customer's alerts go by their notifications' names, and only those
("n4" is not "n42"); retention removes what is older than the cutoff; a missing folder holds nothing."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from npsloop.domain.erasure import Subject
from npsloop.notify.outbox_files import OutboxFiles


def test_a_customers_alerts_are_found_by_name_and_removed_once(tmp_path):
    for name in ("n4.sms.txt", "n4.eml", "n42.sms.txt", "n5.eml.tmp"):
        (tmp_path / name).write_text(f"alert {name}")
    files = OutboxFiles(tmp_path)
    ana = Subject("c-1", references=frozenset({"n4"}))
    assert [(f["file"], f["content"]) for f in files.find(ana)] == [
        ("n4.eml", "alert n4.eml"),
        ("n4.sms.txt", "alert n4.sms.txt"),
    ]
    assert files.forget(ana) == 2 and files.forget(ana) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n42.sms.txt", "n5.eml.tmp"]


def test_files_older_than_the_cutoff_go(tmp_path):
    (tmp_path / "n1.sms.txt").write_text("old")
    (tmp_path / "n2.sms.txt").write_text("new")
    long_ago = (datetime.now(UTC) - timedelta(days=90)).timestamp()
    os.utime(tmp_path / "n1.sms.txt", (long_ago, long_ago))
    files, cutoff = OutboxFiles(tmp_path), datetime.now(UTC) - timedelta(days=30)
    assert files.count_before(cutoff) == 1 and files.forget_before(cutoff) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["n2.sms.txt"]


def test_no_folder_holds_nothing(tmp_path):
    files = OutboxFiles(tmp_path / "never-made")
    subject = Subject("c-1", references=frozenset({"n1"}))
    assert files.find(subject) == [] and files.forget(subject) == 0 and files.count_before(datetime.now(UTC)) == 0
