"""`npsloop themes`: the reason taxonomy (load, show, dump) and the model that tags comments with it (tag,
evaluate, train, models, retag)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import click

from npsloop.api.themes import taxonomy_json
from npsloop.cli.common import cli_actor, runtime
from npsloop.domain.themes import TaxonomyError
from npsloop.ingest import strict_json
from npsloop.ingest.themes_yaml import dump_themes
from npsloop.services import themes as service
from npsloop.services.tagging import retag_since
from npsloop.settings import get_settings

if TYPE_CHECKING:
    from npsloop.tagging.default_model import NamedTagger

MAX_FILE_BYTES = 1024 * 1024  # a taxonomy is a few kilobytes; anything near this is the wrong file


@click.group()
def themes() -> None:
    """The reason taxonomy: the themes comments are tagged with and cases are closed with."""


@themes.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load(path: Path) -> None:
    """Replace the taxonomy with the one in a YAML file, all or nothing; every mistake is listed with its line."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise click.ClickException(f"{path} is larger than {MAX_FILE_BYTES} bytes: not a theme file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{path} is not UTF-8 text") from None
    rt = runtime()
    try:
        loaded = service.load_themes(uow=rt.uow(), text=text, now=rt.clock(), actor=cli_actor())
    except TaxonomyError as error:
        for problem in error.problems:
            click.echo(f"{path}:{problem.line}: {problem.message}" if problem.line else f"{path}: {problem}", err=True)
        raise click.ClickException(f"{len(error.problems)} mistake(s) in {path}; nothing changed") from None
    count, version = len(loaded.taxonomy.themes), loaded.taxonomy.version
    if loaded.changed:
        click.echo(f"loaded {count} themes from {path}: taxonomy version {version}")
    else:
        click.echo(f"{path} says what is already in force ({count} themes): version {version} unchanged")


@themes.command("show")
@click.option("--json", "as_json", is_flag=True, help="the same document as GET /v1/themes")
@click.option("--language", type=click.Choice(["es", "en"]), default="en", show_default=True)
def show(as_json: bool, language: str) -> None:
    """The themes in force, with their keys (what rules, reports and the API use) and names."""
    taxonomy = service.current_taxonomy(uow=runtime().uow())
    if as_json:
        click.echo(json.dumps(taxonomy_json(taxonomy), indent=2, ensure_ascii=False))
        return
    origin = "the default, never changed" if taxonomy.version == 0 else "loaded"
    click.echo(f"taxonomy version {taxonomy.version} ({origin}), {len(taxonomy.active)} themes in use")
    for theme in taxonomy.themes:
        marks = [m for m, on in (("retired", theme.retired), ("added", not theme.is_default)) if on]
        name = theme.name.in_language(language) + (f" ({', '.join(marks)})" if marks else "")
        click.echo(f"{theme.key:<18} {name:<32} {theme.description.in_language(language)}".rstrip())


@themes.command("dump")
def dump() -> None:
    """Print the taxonomy in force as YAML, to edit and load again with `npsloop themes load`."""
    taxonomy = service.current_taxonomy(uow=runtime().uow())
    click.echo(f"# npsloop themes, version {taxonomy.version}: edit, then `npsloop themes load FILE`")
    click.echo(dump_themes(taxonomy), nl=False)


MAX_LABELLED_BYTES = 50 * 1024 * 1024  # tens of thousands of labelled comments; a bigger file is the wrong file


@themes.command("tag")
def tag() -> None:
    """Tag comments with the model in force: JSON lines {"text", "language"} on stdin, one {"themes": [...]}
    line out for each.

    A line that is not such an object gets {"error": ...} in its place, so the output stays line for line."""
    tagger = _model("current").tagger
    limit = get_settings().max_body_bytes
    for number, line in enumerate(bounded_lines(sys.stdin.buffer, limit), start=1):
        if line is None:
            click.echo(json.dumps({"error": f"line {number}: longer than {limit} bytes"}))
            continue
        if not line.strip():
            continue
        try:
            record = strict_json.loads(line)
        except strict_json.InvalidJson:
            record = None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            click.echo(json.dumps({"error": f"line {number}: not a JSON object with a text string"}))
            continue
        language = record.get("language")
        result = tagger.tag(record["text"], language if isinstance(language, str) else None)
        document = {"themes": [tag.to_dict() for tag in result.tags], "language_known": result.language_known}
        click.echo(json.dumps(document, ensure_ascii=False))


def bounded_lines(stream: BinaryIO, limit: int) -> Iterator[bytes | None]:
    """The lines of `stream`, each read at most `limit` bytes at a time: a longer line is None (and skipped
    without being held), as the API refuses a body past the same limit."""
    while chunk := stream.readline(limit + 1):
        if len(chunk) > limit and not chunk.endswith(b"\n"):
            while (rest := stream.readline(limit + 1)) and not rest.endswith(b"\n"):
                pass
            yield None
        else:
            yield chunk


def _model(which: str) -> NamedTagger:
    """The model in force (the active trained one, else the default) or the default. Loading it imports
    scikit-learn, so only the commands that tag pay for it."""
    models = runtime().models
    if which == "default":
        return models.default()
    with runtime().uow() as uow:
        return models.current(uow)


@themes.command("evaluate")
@click.option("--file", "path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--model",
    "which",
    type=click.Choice(["current", "default"]),
    default="current",
    show_default=True,
    help="the model in force (a trained one once switched on) or the default fitted on the shipped seed",
)
def evaluate(path: Path, which: str) -> None:
    """Score the tagger on labelled JSON lines {"text", "language", "themes": [{"theme", "polarity"}]}:
    precision, recall and F1 per theme and language, macro-F1 per language, polarity accuracy."""
    from npsloop.tagging.evaluation import evaluate as score
    from npsloop.tagging.evaluation import report_lines
    from npsloop.tagging.tagger import Example

    if path.stat().st_size > MAX_LABELLED_BYTES:
        raise click.ClickException(f"{path} is larger than {MAX_LABELLED_BYTES} bytes")
    examples = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise click.ClickException(f"{path} is not UTF-8 text") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            examples.append(Example.from_dict(strict_json.loads(line.encode())))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise click.ClickException(
                f"{path}:{number}: not a labelled comment "
                '{"text", "language", "themes": [{"theme", "polarity": "negative"|"positive"}]}'
            ) from None
    if not examples:
        raise click.ClickException(f"{path} has no labelled comments")
    named = _model(which)
    click.echo(f"model {named.name}")
    for line in report_lines(score(named.tagger, examples)):
        click.echo(line)


@themes.command("train")
def train() -> None:
    """Fit a model on the reasons agents gave at closure (on top of the shipped seed), score it and the model in
    force on a held-out quarter of those labels, store it, and switch it on only if it scores better there."""
    from npsloop.services.training import NotEnoughLabels, train_tagger

    rt = runtime()
    try:
        done = train_tagger(uow=rt.uow(), models=rt.models, now=rt.clock())
    except NotEnoughLabels as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"{done.labels} labels from closed cases: {done.trained_on} to train on, {done.held_out} held out; "
        f"fitted in {done.fit_seconds:.1f} s of CPU"
    )
    click.echo(
        f"held-out macro-F1: {done.previous} (in force) {done.score_before:.3f}, {done.model} {done.score_after:.3f}"
    )
    if done.switched:
        click.echo(
            f"switched on {done.model}: it scored better; `npsloop themes retag --since DATE` tags history with it"
        )
    else:
        click.echo(f"kept {done.previous}: {done.model} is stored, not switched on (it did not score better)")


@themes.command("models")
def models() -> None:
    """The trained models stored, newest first, with the held-out scores that decided each."""
    with runtime().uow() as uow:
        stored = uow.tagger_models.listed()
    if not stored:
        click.echo("no trained model yet: the default (fitted on the shipped seed) tags; see `npsloop themes train`")
    for model in stored:
        click.echo(
            f"{model.name:<36} {model.created_at:%Y-%m-%d %H:%M} trained on {model.trained_on:>6} labels  "
            f"held-out macro-F1 {model.score_before:.3f} -> {model.score_after:.3f}"
            + ("  (active)" if model.active else "")
        )


@themes.command("retag")
@click.option("--since", required=True, type=click.DateTime(["%Y-%m-%d"]), help="received on or after, UTC")
@click.option("--batch", default=200, show_default=True, type=click.IntRange(1, 5000), help="responses per transaction")
def retag(since: datetime, batch: int) -> None:
    """Tag again every comment received since DATE with the model and taxonomy in force (after a change to
    either), in batches of their own transaction; stopping it keeps what was done."""
    rt = runtime()
    done = None
    for done in retag_since(
        uow=rt.uow(), models=rt.models, since=since.replace(tzinfo=UTC), now=rt.clock(), batch=batch
    ):
        click.echo(f"re-tagged {done.done} of {done.total} comments (up to response {done.last_id}) with {done.model}")
    if done is None:
        click.echo(f"no comments received since {since:%Y-%m-%d}")
