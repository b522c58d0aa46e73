"""`npsloop themes load|show|dump`: the reason taxonomy."""

from __future__ import annotations

import json
from pathlib import Path

import click

from npsloop.api.themes import taxonomy_json
from npsloop.cli.common import runtime
from npsloop.domain.themes import TaxonomyError
from npsloop.ingest.themes_yaml import dump_themes
from npsloop.services import themes as service

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
        loaded = service.load_themes(uow=rt.uow(), text=text, now=rt.clock())
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
