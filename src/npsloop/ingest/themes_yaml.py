"""Reads the reason taxonomy from YAML (every mistake reported with its line) and writes it back, so what
`npsloop themes dump` prints can be edited and loaded again."""

from __future__ import annotations

import yaml

from npsloop.domain.themes import Taxonomy, TaxonomyError, ThemeProblem, parse_taxonomy
from npsloop.ingest.yaml_lines import YamlError, read_yaml


def load_themes(text: str) -> Taxonomy:
    try:
        document = read_yaml(text)
    except YamlError as error:
        raise TaxonomyError([ThemeProblem(error.message, error.line, "body")]) from None
    return parse_taxonomy(document)


def dump_themes(taxonomy: Taxonomy) -> str:
    text: str = yaml.safe_dump(taxonomy.to_dict(), sort_keys=False, allow_unicode=True, width=1000)
    return text
