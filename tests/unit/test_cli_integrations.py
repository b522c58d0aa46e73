"""`npsloop integrations`: a generated secret goes to stdout once, a tool's own secret is required where the
tool issues it, settings come from --set or a file, rotation keeps the old secret for the grace period."""

from __future__ import annotations

import json

from click.testing import CliRunner

from npsloop.cli import main
from tests.unit.test_cli import cli  # noqa: F401  (the fixture)


def test_add_list_rotate_remove(cli, tmp_path):  # noqa: F811
    added = CliRunner().invoke(main, ["integrations", "add", "--name", "tf", "--kind", "typeform"])
    assert added.exit_code == 0, added.output
    secret = added.stdout.strip()
    assert len(secret) > 30 and "/v1/integrations/typeform/tf" in added.stderr
    mapping = tmp_path / "map.yaml"
    mapping.write_text("fields:\n  response_id: $.id\n  score: $.nps\n  customer.id: user.id\n")
    cli("integrations", "add", "--name", "home", "--kind", "mapping", "--config", str(mapping))
    cli(
        "integrations", "add", "--name", "sm", "--kind", "surveymonkey", "--secret", "app-secret",
        "--set", "api_key=k", "--set", "access_token=tok", "--set", "score_question=111",
    )  # fmt: skip
    listed = json.loads(cli("integrations", "list", "--json"))
    assert [row["name"] for row in listed] == ["home", "sm", "tf"]
    assert listed[1]["config"]["access_token"] == "***"  # the tool's API token is not printed
    assert secret not in cli("integrations", "list")
    rotated = CliRunner().invoke(main, ["integrations", "rotate-secret", "tf", "--grace-hours", "2"])
    assert rotated.exit_code == 0 and rotated.stdout.strip() != secret and "2 more hours" in rotated.stderr
    assert json.loads(cli("integrations", "list", "--json"))[2]["previous_secret_valid_until"] is not None
    assert "removed" in cli("integrations", "remove", "tf")
    assert "no integration named 'tf'" in cli("integrations", "remove", "tf", ok=False)


def test_mistakes_are_explained(cli):  # noqa: F811
    assert "issues its own secret" in cli("integrations", "add", "--name", "d", "--kind", "delighted", ok=False)
    assert "missing setting(s): score_question" in cli(
        "integrations", "add", "--name", "f", "--kind", "formbricks", "--secret", "whsec_" + "QUJD" * 8, ok=False
    )
    assert "expected key=value" in cli(
        "integrations", "add", "--name", "t", "--kind", "typeform", "--set", "x", ok=False
    )
    assert "unknown setting(s): colour" in cli(
        "integrations", "add", "--name", "t", "--kind", "typeform", "--set", "colour=red", ok=False
    )


def test_list_never_prints_a_tools_credentials_in_clear(cli):  # noqa: F811
    credentials = {"api_key": "sm-app-key-7f3a9c", "access_token": "sm-access-3b8e1d"}
    cli(
        "integrations", "add", "--name", "sm", "--kind", "surveymonkey", "--secret", "sm-app-secret-51c2",
        *[arg for key, value in credentials.items() for arg in ("--set", f"{key}={value}")],
        "--set", "score_question=111",
    )  # fmt: skip
    cli(
        "integrations", "add", "--name", "q", "--kind", "qualtrics", "--secret", "q-url-key-9d41e7",
        "--set", "api_base=https://co1.qualtrics.com", "--set", "api_token=q-api-token-c6f2",
        "--set", "score_question=QID1",
    )  # fmt: skip
    shown = cli("integrations", "list") + cli("integrations", "list", "--json")
    for value in [*credentials.values(), "q-api-token-c6f2", "sm-app-secret-51c2", "q-url-key-9d41e7"]:
        assert value not in shown
    listed = {row["name"]: row["config"] for row in json.loads(cli("integrations", "list", "--json"))}
    assert listed["sm"] == {"api_key": "***", "access_token": "***", "score_question": "111"}
    assert listed["q"]["api_token"] == "***" and listed["q"]["score_question"] == "QID1"
