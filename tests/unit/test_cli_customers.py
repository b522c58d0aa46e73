"""`npsloop customers export|erase` and `npsloop retention run`: the same services as the API and the beat."""

from __future__ import annotations

import json

from tests.unit.test_cli import cli  # noqa: F401  (the fixture)

HISTORY = (
    "response_id,score,comment,customer_id,customer_name,customer_phone,responded_at,attr_region\n"
    "h1,3,Llegó roto,c-1,Ana Gómez,+34600111222,2025-01-10T10:00:00+01:00,Madrid\n"
    "h2,10,,c-2,Luis Pérez,,2025-01-11T10:00:00+01:00,\n"
)


def test_export_then_erase_then_export_again(cli, tmp_path):  # noqa: F811
    (tmp_path / "history.csv").write_text(HISTORY, encoding="utf-8")
    cli("import", str(tmp_path / "history.csv"))
    exported = json.loads(cli("customers", "export", "c-1"))
    assert exported["responses"][0]["customer"]["name"] == "Ana Gómez"
    assert exported["responses"][0]["attributes"] == {"region": "Madrid"}
    assert "erased: 1 responses, 0 cases" in cli("customers", "erase", "c-1", "--actor", "dpo")
    assert json.loads(cli("customers", "export", "c-1"))["responses"] == []
    assert json.loads(cli("customers", "export", "c-2"))["responses"][0]["customer"]["name"] == "Luis Pérez"
    assert "erased: 0 responses" in cli("customers", "erase", "c-1")  # twice is fine
    assert "1 to 200 characters" in cli("customers", "erase", " ", ok=False)


def test_retention_says_what_it_would_do_then_does_it(cli, tmp_path):  # noqa: F811
    from npsloop.bootstrap import get_runtime

    assert "retention is off" in cli("retention", "run", "--dry-run", ok=False)
    (tmp_path / "history.csv").write_text(HISTORY, encoding="utf-8")
    cli("import", str(tmp_path / "history.csv"))
    get_runtime().settings.retention_days = 365
    planned = cli("retention", "run", "--dry-run")
    assert "would erase" in planned and "2 responses without a case" in planned
    done = cli("retention", "run")
    assert "erased:" in done and "2 responses without a case" in done and "in 1 batches" in done
    assert json.loads(cli("retention", "run", "--dry-run", "--json"))["responses"] == 0
    assert json.loads(cli("customers", "export", "c-1"))["responses"] == []


def test_an_unreachable_redis_stops_the_erasure_before_the_database_and_says_to_run_it_again(cli, tmp_path):  # noqa: F811
    from npsloop.bootstrap import get_runtime

    (tmp_path / "history.csv").write_text(HISTORY, encoding="utf-8")
    cli("import", str(tmp_path / "history.csv"))
    get_runtime().settings.redis_url = "redis://127.0.0.1:1/0"
    assert "running the command again" in cli("customers", "erase", "c-1", ok=False)
    get_runtime().settings.redis_url = ""
    assert json.loads(cli("customers", "export", "c-1"))["responses"][0]["customer"]["name"] == "Ana Gómez"
