"""The reason taxonomy: the one in force (the stored one, or the default when none was ever loaded), and
replacing it whole from YAML text, for the CLI and the API alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from npsloop.domain.audit import Change, EntityKind
from npsloop.domain.theme_defaults import DEFAULT_TAXONOMY
from npsloop.domain.themes import Taxonomy
from npsloop.ingest.themes_yaml import load_themes as read_themes
from npsloop.services.audit import SYSTEM, record
from npsloop.services.audit_states import themes_state
from npsloop.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ThemesLoaded:
    taxonomy: Taxonomy
    changed: bool  # False: the file said what was already in force, and the version stayed


def current_taxonomy(*, uow: UnitOfWork) -> Taxonomy:
    with uow:
        return Taxonomy(uow.themes.stored() or DEFAULT_TAXONOMY.themes, version=uow.themes.version())


def load_themes(*, uow: UnitOfWork, text: str, now: datetime, actor: str = SYSTEM) -> ThemesLoaded:
    """Replaces the taxonomy with the one in `text`, in one transaction. A text with any mistake raises
    TaxonomyError naming them all and changes nothing; one that says what is in force changes nothing either,
    so loading the same file again does not make everything tagged look out of date."""
    taxonomy = read_themes(text)
    with uow:
        version = uow.themes.version(for_update=True)  # concurrent loads take turns from here
        in_force = Taxonomy(uow.themes.stored() or DEFAULT_TAXONOMY.themes)
        if in_force == taxonomy:
            return ThemesLoaded(Taxonomy(taxonomy.themes, version), changed=False)
        version = uow.themes.replace(taxonomy, now)
        change = Change(
            EntityKind.THEMES, "load", "taxonomy", version,
            before=themes_state(in_force.themes), after=themes_state(taxonomy.themes),
        )  # fmt: skip
        record(uow, change, actor=actor, now=now)
        uow.commit()
    return ThemesLoaded(Taxonomy(taxonomy.themes, version), changed=True)
