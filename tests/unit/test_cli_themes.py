"""`npsloop themes`: show the default, dump it, edit and load it back; a file with mistakes lists each one as
FILE:LINE, exits 1 and changes nothing."""

import json
import re

from click.testing import CliRunner

from npsloop.cli import main
from npsloop.ingest.themes_yaml import load_themes
from tests.support.trained import store_model
from tests.unit.test_cli import cli  # noqa: F401  (the fixture)

PARKING = "- key: parking\n  name: {es: Aparcamiento, en: Parking}\n  retired: true\n"


def stdout(*args: str) -> str:
    """What the command prints for a pipe or a file, without the log lines on stderr."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_fresh_install_shows_the_default_in_either_language(cli):  # noqa: F811
    shown = cli("themes", "show")
    assert "version 0 (the default, never changed), 10 themes in use" in shown
    assert "billing" in shown and "Billing" in shown and "Invoices, wrong or double charges" in shown
    spanish = cli("themes", "show", "--language", "es")
    assert "Facturación" in spanish and "Colas, esperas al teléfono" in spanish


def test_show_json_is_the_api_document(cli):  # noqa: F811
    document = json.loads(stdout("themes", "show", "--json"))
    assert document["version"] == 0 and len(document["themes"]) == 10
    wait = document["themes"][0]
    assert wait["key"] == "wait_time" and wait["name"] == {"es": "Espera", "en": "Wait time"}
    assert wait["default"] is True and wait["retired"] is False


def test_dump_edit_and_load_back(cli, tmp_path):  # noqa: F811
    dumped = stdout("themes", "dump")
    assert dumped.startswith("# npsloop themes, version 0") and "- key: effort" in dumped
    edited = tmp_path / "themes.yaml"
    edited.write_text(dumped.replace("es: Facturación", "es: Cobros") + PARKING, encoding="utf-8")
    assert "loaded 11 themes" in cli("themes", "load", str(edited)) and "version 1" in cli("themes", "show")
    assert "already in force" in cli("themes", "load", str(edited))
    shown = cli("themes", "show", "--language", "es")
    assert "Cobros" in shown and "Aparcamiento (retired, added)" in shown and "10 themes in use" in shown
    assert load_themes(stdout("themes", "dump")) == load_themes(edited.read_text(encoding="utf-8"))


def test_a_file_with_mistakes_lists_each_with_its_line_exits_1_and_changes_nothing(cli, tmp_path):  # noqa: F811
    bad = tmp_path / "bad.yaml"
    text = stdout("themes", "dump").replace("key: price", "key: Price").replace("en: Billing", "en: ''")
    bad.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["themes", "load", str(bad)])
    assert result.exit_code == 1
    lines = text.splitlines()
    price_line = lines.index("- key: Price") + 1
    billing_line = next(n for n, line in enumerate(lines, 1) if line == "    en: ''") - 1  # where name: starts
    assert f"{bad}:{price_line}: key must be lowercase snake_case" in result.stderr
    assert f"{bad}:{billing_line}: 'billing': name needs a text in en" in result.stderr
    assert f"{bad}:2: the default theme 'price' cannot be removed" in result.stderr
    assert "3 mistake(s)" in result.stderr and "nothing changed" in result.stderr
    assert "version 0" in cli("themes", "show")


def test_not_yaml_not_utf8_or_a_huge_file_is_refused(cli, tmp_path):  # noqa: F811
    broken = tmp_path / "broken.yaml"
    broken.write_text("themes: [\n", encoding="utf-8")
    assert f"{broken}:2: not valid YAML" in cli("themes", "load", str(broken), ok=False)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("themes: Facturación\n".encode("latin-1"))
    assert "not UTF-8" in cli("themes", "load", str(latin), ok=False)
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"#" * (1024 * 1024 + 1))
    assert "larger than" in cli("themes", "load", str(huge), ok=False)


def test_tag_reads_json_lines_and_writes_one_line_of_themes_for_each(cli):  # noqa: F811
    lines = [
        {"text": "buen producto, pesima entrega", "language": "es"},
        {"text": "ok", "language": "en"},
        {"text": "good product, terrible delivery", "language": "sv"},
    ]
    stdin = "\n".join(json.dumps(line) for line in lines) + "\nnot json\n" + json.dumps({"language": "es"}) + "\n"
    result = CliRunner().invoke(main, ["themes", "tag"], input=stdin, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 5
    first = {item["theme"]: item["polarity"] for item in out[0]["themes"]}
    assert first == {"product_quality": "positive", "delivery": "negative"} and out[0]["language_known"] is True
    assert all(0 <= item["confidence"] <= 1 for item in out[0]["themes"])
    assert out[1] == {"themes": [], "language_known": True}
    assert out[2]["language_known"] is False
    assert out[3] == {"error": "line 4: not a JSON object with a text string"}
    assert out[4] == {"error": "line 5: not a JSON object with a text string"}


def test_evaluate_prints_scores_per_theme_and_language(cli, tmp_path):  # noqa: F811
    labelled = tmp_path / "labelled.jsonl"
    rows = [
        ("la factura vino con un cobro doble", "es", [("billing", "negative")]),
        ("me cobraron dos veces el mismo mes", "es", [("billing", "negative")]),
        ("the delivery arrived three days late", "en", [("delivery", "negative")]),
        ("great product, terrible delivery", "en", [("product_quality", "positive"), ("delivery", "negative")]),
    ]
    labelled.write_text(
        "".join(
            json.dumps({"text": text, "language": language, "themes": [{"theme": t, "polarity": p} for t, p in tags]})
            + "\n"
            for text, language, tags in rows
        ),
        encoding="utf-8",
    )
    printed = stdout("themes", "evaluate", "--file", str(labelled))
    lines = printed.splitlines()
    assert lines[0].startswith("model default-")  # no trained model switched on: the default is the current one
    summary = re.compile(r"(es|en): 2 comments, macro-F1 [01]\.\d{3}, polarity accuracy [01]\.\d{3} \(\d+/\d+ themes")
    assert [match.group(1) for match in map(summary.match, lines) if match] == ["es", "en"]
    rows = [line.split() for line in lines if line.startswith("  ") and line.split()[0] != "theme"]
    assert all(len(row) == 5 and all(0 <= float(value) <= 1 for value in row[1:4]) for row in rows)
    assert ["billing", "2"] in ([row[0], row[4]] for row in rows)
    assert ["delivery", "2"] in ([row[0], row[4]] for row in rows)


def test_evaluate_names_the_line_of_a_malformed_label(tmp_path):
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text(
        json.dumps({"text": "x", "language": "es", "themes": []})
        + "\n"
        + json.dumps({"text": "y", "language": "es", "themes": [{"theme": "billing", "polarity": "meh"}]})
        + "\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["themes", "evaluate", "--file", str(labelled)])
    assert result.exit_code == 1 and f"{labelled}:2: not a labelled comment" in result.output


def test_tag_answers_a_hostile_line_with_an_error_and_tags_the_next(cli):  # noqa: F811
    """The same limits as the API: a line past the body limit, a 5,000-digit number and 1,000-deep nesting
    each get an error line in their place, and the command goes on."""
    good = json.dumps({"text": "pesima entrega", "language": "es"})
    stdin = "\n".join(
        [
            json.dumps({"text": "x" * (64 * 1024), "language": "es"}),
            '{"text": "a", "language": ' + "9" * 5000 + "}",
            "[" * 1000 + "]" * 1000,
            good,
        ]
    )
    result = CliRunner().invoke(main, ["themes", "tag"], input=stdin + "\n", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert out[0] == {"error": "line 1: longer than 65536 bytes"}
    assert out[1] == {"error": "line 2: not a JSON object with a text string"}
    assert out[2] == {"error": "line 3: not a JSON object with a text string"}
    assert {item["theme"] for item in out[3]["themes"]} == {"delivery"}


def test_bounded_lines_never_hold_more_than_the_limit():
    import io

    from npsloop.cli.themes import bounded_lines

    stream = io.BytesIO(b"abc\n" + b"x" * 10 + b"\nde\n" + b"y" * 5)
    assert list(bounded_lines(stream, 5)) == [b"abc\n", None, b"de\n", b"yyyyy"]


def test_evaluate_names_a_deeply_nested_line_rather_than_crashing(tmp_path):
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text("[" * 1000 + "]" * 1000 + "\n")
    result = CliRunner().invoke(main, ["themes", "evaluate", "--file", str(labelled)])
    assert result.exit_code == 1 and f"{labelled}:1: not a labelled comment" in result.output


def labelled_file(tmp_path):
    labelled = tmp_path / "labelled.jsonl"
    row = {"text": "me cobraron dos veces", "language": "es", "themes": [{"theme": "billing", "polarity": "negative"}]}
    labelled.write_text(json.dumps(row) + "\n", encoding="utf-8")
    return labelled


def test_tag_and_evaluate_use_the_model_switched_on_and_evaluate_can_ask_for_the_default(cli, tmp_path):  # noqa: F811
    from npsloop.bootstrap import get_runtime

    store_model(get_runtime(), "trained-cli")
    labelled = labelled_file(tmp_path)
    assert stdout("themes", "evaluate", "--file", str(labelled)).startswith("model trained-cli\n")
    assert stdout("themes", "evaluate", "--file", str(labelled), "--model", "default").startswith("model default-")
    result = CliRunner().invoke(main, ["themes", "tag"], input='{"text": "me cobraron dos veces"}\n')
    assert result.exit_code == 0 and "billing" in result.stdout
    assert "trained-cli" in cli("themes", "models") and "(active)" in cli("themes", "models")


def test_train_with_too_few_labels_says_how_many_and_exits_1(cli):  # noqa: F811
    assert "no trained model yet" in cli("themes", "models")
    assert "not enough labels: 0 of 30" in cli("themes", "train", ok=False)


def test_retag_prints_its_progress_batch_by_batch(cli):  # noqa: F811
    from npsloop.bootstrap import get_runtime
    from tests.conftest import FakeDispatcher, drain, ingest, seed_team

    rt = get_runtime()
    rt.dispatcher = FakeDispatcher()  # processed here, as a worker would
    seed_team(rt)
    for n in range(3):
        ingest(rt, score=9, comment=f"Muy buena atencion {n}")
    drain(rt)
    assert "no comments received since 2999-01-01" in cli("themes", "retag", "--since", "2999-01-01")
    printed = cli("themes", "retag", "--since", "2000-01-01", "--batch", "2")
    assert "re-tagged 2 of 3 comments" in printed and "re-tagged 3 of 3 comments" in printed
