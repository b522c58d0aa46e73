"""The reason taxonomy: the default, what a team may change (rename, add, retire) and may not (remove a default
key), every mistake named with its line, hostile YAML refused, and a load that is all or nothing."""

import resource
import unicodedata

import pytest

from npsloop.domain.theme_defaults import DEFAULT_TAXONOMY
from npsloop.domain.themes import DEFAULT_KEYS, MAX_NAME, Localized, Taxonomy, TaxonomyError, Theme, check_taxonomy
from npsloop.ingest.themes_yaml import dump_themes, load_themes
from npsloop.services.themes import current_taxonomy
from npsloop.services.themes import load_themes as load_into

ISSUE_KEYS = [
    "wait_time",
    "resolution",
    "staff_attitude",
    "communication",
    "billing",
    "price",
    "delivery",
    "product_quality",
    "digital_channels",
    "effort",
]


def default_yaml(extra: str = "") -> str:
    return dump_themes(DEFAULT_TAXONOMY) + extra


def problems(text: str) -> list[tuple[int | None, str]]:
    with pytest.raises(TaxonomyError) as refused:
        load_themes(text)
    return [(problem.line, problem.message) for problem in refused.value.problems]


def test_the_default_has_the_ten_fixed_keys_of_the_issue_in_order():
    assert [theme.key for theme in DEFAULT_TAXONOMY.themes] == ISSUE_KEYS == list(DEFAULT_KEYS)
    assert check_taxonomy(DEFAULT_TAXONOMY.themes) == []
    assert all(theme.is_default and not theme.retired for theme in DEFAULT_TAXONOMY.themes)


def test_default_names_are_short_and_read_in_both_languages():
    billing = next(theme for theme in DEFAULT_TAXONOMY.themes if theme.key == "billing")
    assert (billing.name.in_language("es-MX"), billing.name.in_language("en")) == ("Facturación", "Billing")
    for theme in DEFAULT_TAXONOMY.themes:
        for language in ("es", "en"):
            assert 0 < len(theme.name.in_language(language)) <= 20, theme
            assert 20 < len(theme.description.in_language(language)) <= 100, theme
    # Spanish is written with its accents, not stripped of them
    spanish = " ".join(theme.description.es for theme in DEFAULT_TAXONOMY.themes)
    assert {"á", "é", "ó", "í"} <= set(spanish)


def test_the_dump_loads_back_to_the_same_taxonomy():
    assert load_themes(default_yaml()) == DEFAULT_TAXONOMY


def test_a_team_renames_a_default_theme_keeping_its_key():
    text = default_yaml().replace("es: Facturación", "es: Cobros y facturas")
    billing = next(theme for theme in load_themes(text).themes if theme.key == "billing")
    assert billing.name == Localized("Cobros y facturas", "Billing")


def test_a_team_adds_a_theme_and_retires_another():
    added = """\
- key: parking
  name: {es: Aparcamiento, en: Parking}
  description: {es: Plazas y acceso al aparcamiento., en: Spaces and access to the car park.}
"""
    text = default_yaml(added).replace("- key: price\n", "- key: price\n  retired: true\n")
    taxonomy = load_themes(text)
    parking = taxonomy.themes[-1]
    assert (parking.key, parking.name.es, parking.is_default) == ("parking", "Aparcamiento", False)
    assert "price" not in {theme.key for theme in taxonomy.active}
    assert "price" in {theme.key for theme in taxonomy.themes}


def test_a_description_is_optional():
    theme = load_themes(default_yaml("- key: parking\n  name: {es: Aparcamiento, en: Parking}\n")).themes[-1]
    assert theme.description == Localized("", "") and "description" not in theme.to_dict()


def test_removing_a_default_theme_is_refused_and_says_to_retire_it():
    start = default_yaml().index("- key: effort")
    found = problems(default_yaml()[:start])
    assert found == [(1, found[0][1])]
    assert "'effort' cannot be removed" in found[0][1] and "retired: true" in found[0][1]


def test_a_key_used_twice_names_both_lines():
    text = "themes:\n" + default_yaml().split("\n", 1)[1] + "- key: billing\n  name: {es: Cobro, en: Charge}\n"
    (found,) = problems(text)
    line = text.count("\n") - 1
    assert found[0] == line and "'billing' is already used (line" in found[1]


@pytest.mark.parametrize(
    "key", ["Billing", "wait-time", "2fast", "_x", "x__y", "x_", "café", "a" * 41, "''", "12", "true", "[a]", "~"]
)
def test_keys_are_lowercase_snake_case(key):
    text = default_yaml(f"- key: {key}\n  name: {{es: Uno, en: One}}\n")
    ((line, message),) = problems(text)
    assert line == text.count("\n") - 1 and "snake_case" in message


@pytest.mark.parametrize(
    ("theme", "message"),
    [
        ("  name: {es: Aparcamiento}\n", "name needs a text in en"),
        ("  name: {en: Parking}\n", "name needs a text in es"),
        ("  name: {es: '  ', en: Parking}\n", "name needs a text in es"),
        ("  name: Parking\n", "name must map es and en"),
        ("", "name must map es and en"),
        ("  name: {es: Aparcamiento, en: Parking, fr: Stationnement}\n", "only es and en"),
        (f"  name: {{es: {'x' * (MAX_NAME + 1)}, en: Parking}}\n", "one line of at most"),
        ('  name: {es: "Aparca\\nmiento", en: Parking}\n', "one line of at most"),
        ("  name: {es: Aparcamiento, en: Parking}\n  description: {es: [1], en: x}\n", "description needs a text"),
        ("  name: {es: Aparcamiento, en: Parking}\n  retired: maybe\n", "retired must be true or false"),
        ("  name: {es: Aparcamiento, en: Parking}\n  colour: red\n", "unknown key 'colour'"),
        ("  name: {es: facturacion, en: Parking}\n", "the es name 'facturacion' is already 'billing'"),
    ],
)
def test_a_theme_with_a_mistake_is_named_with_its_line(theme, message):
    text = default_yaml("- key: parking\n" + theme)
    found = problems(text)
    assert len(found) == 1 and message in found[0][1], found
    first = text.count("\n") - theme.count("\n")  # the line of "- key: parking"
    assert first <= found[0][0] <= text.count("\n")


def test_every_mistake_in_a_file_is_reported_in_line_order():
    text = """\
themes:
  - key: Billing
    name: {es: Facturación}
  - key: parking
    name: {es: Aparcamiento, en: Parking}
    colour: red
  - key: wait_time
    name: {es: Espera, en: Wait time}
    retired: sometimes
"""
    found = problems(text)
    lines = [line for line, _ in found]
    assert lines == sorted(lines)
    assert (2, "key must be lowercase snake_case (like wait_time), at most 40 characters") in found
    assert any(line == 3 and "needs a text in en" in message for line, message in found)
    assert any(line == 4 and "'colour'" in message for line, message in found)
    assert any(line == 7 and "retired must be" in message for line, message in found)
    # wait_time is there (with a mistake of its own), so it is not also reported missing; the others are
    missing = [message for _, message in found if "cannot be removed" in message]
    assert len(missing) == 9 and not any("'wait_time'" in message for message in missing)


def test_the_error_gives_a_field_per_mistake_for_the_api():
    with pytest.raises(TaxonomyError) as refused:
        load_themes(default_yaml("- key: parking\n  name: {es: Aparcamiento}\n"))
    (error,) = refused.value.field_errors()
    assert error["field"] == "themes.10.name.en" and error["message"].startswith("line ")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 1, "a list under 'themes:'"),
        ("- a\n- b\n", 1, "a list under 'themes:'"),
        ("themes: billing\n", 1, "a list under 'themes:'"),
        ("just words\n", 1, "a list under 'themes:'"),
        ("themes:\n  - billing\n", 1, "each theme must be a mapping"),
        ("themes: [\n", 2, "not valid YAML"),
        ("themes:\n  - key: a\n    key: b\n", 3, "the key 'key' is repeated"),
        ("themes: []\nversion: 2\n", 1, "unknown key 'version'"),
    ],
)
def test_a_file_of_the_wrong_shape_is_refused_with_its_line(text, line, message):
    found = problems(text)
    assert any(at == line and message in said for at, said in found), found


def test_python_tags_are_refused_by_the_safe_loader():
    ((_, message),) = problems("themes: !!python/object/apply:os.system ['true']\n")
    assert "not valid YAML" in message and "constructor" in message


def test_a_billion_laughs_file_is_refused_before_it_expands():
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    levels += [
        f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    ]
    text = "\n".join(levels) + "\nthemes:\n  - key: billing\n    name: {es: *i, en: *i}\n"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ((line, message),) = problems(text)
    assert line == 2 and "aliases" in message
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KiB: nothing expanded


def test_deep_nesting_is_refused_not_a_recursion_error():
    ((line, message),) = problems("themes: " + "[" * 100_000)
    assert line == 1 and "nested deeper" in message


def test_text_with_control_characters_or_nul_is_refused():
    assert "not valid YAML" in problems("themes:\x00\n")[0][1]
    assert all(unicodedata.category(c)[0] != "C" for t in DEFAULT_TAXONOMY.themes for c in t.name.es + t.name.en)


def test_at_most_a_hundred_themes():
    extra = "".join(f"- key: t{i}\n  name: {{es: Tema {i}, en: Theme {i}}}\n" for i in range(91))
    ((_, message),) = problems(default_yaml(extra))
    assert "101 themes: at most 100" in message


# --- stored: the default on a fresh install, a load all or nothing, a version bumped on change ------------


def test_a_fresh_install_reads_the_default_at_version_zero(runtime):
    taxonomy = current_taxonomy(uow=runtime.uow())
    assert taxonomy == DEFAULT_TAXONOMY and taxonomy.version == 0


def test_a_load_replaces_the_taxonomy_and_bumps_the_version_only_on_change(runtime):
    text = default_yaml("- key: parking\n  name: {es: Aparcamiento, en: Parking}\n  retired: true\n")
    first = load_into(uow=runtime.uow(), text=text, now=runtime.clock())
    assert first.changed and first.taxonomy.version == 1
    again = load_into(uow=runtime.uow(), text=text, now=runtime.clock())
    assert not again.changed and again.taxonomy.version == 1
    stored = current_taxonomy(uow=runtime.uow())
    assert stored == load_themes(text) and stored.version == 1 and stored.themes[-1].retired
    renamed = load_into(uow=runtime.uow(), text=text.replace("Parking", "Car park"), now=runtime.clock())
    assert renamed.changed and current_taxonomy(uow=runtime.uow()).version == 2
    # an added theme may be left out again; the defaults stay
    dropped = load_into(uow=runtime.uow(), text=default_yaml(), now=runtime.clock())
    assert dropped.taxonomy == DEFAULT_TAXONOMY and current_taxonomy(uow=runtime.uow()).version == 3


def test_loading_the_default_on_a_fresh_install_changes_nothing(runtime):
    loaded = load_into(uow=runtime.uow(), text=default_yaml(), now=runtime.clock())
    assert not loaded.changed and current_taxonomy(uow=runtime.uow()).version == 0


def test_a_file_with_a_mistake_changes_nothing(runtime):
    good = default_yaml("- key: parking\n  name: {es: Aparcamiento, en: Parking}\n")
    load_into(uow=runtime.uow(), text=good, now=runtime.clock())
    with pytest.raises(TaxonomyError):
        load_into(uow=runtime.uow(), text=good.replace("es: Espera", "es: ''"), now=runtime.clock())
    stored = current_taxonomy(uow=runtime.uow())
    assert stored == load_themes(good) and stored.version == 1


def test_a_taxonomy_compares_by_its_themes_not_where_they_were_read():
    theme = Theme("billing", Localized("Facturación", "Billing"), line=4)
    assert Taxonomy((theme,), version=3) == Taxonomy((Theme("billing", Localized("Facturación", "Billing")),))
