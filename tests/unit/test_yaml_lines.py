"""The YAML reader shared by routing rules and themes: safe, each mapping with its line, and what would turn a
few bytes into a flood or a crash (aliases, deep nesting) refused with its line, as is a repeated key."""

import pytest

from npsloop.ingest.yaml_lines import LINE, MAX_DEPTH, YamlError, read_yaml


def test_each_mapping_carries_the_line_it_starts_on():
    document = read_yaml("top: 1\nitems:\n  - a: 1\n    b: {c: 2}\n")
    assert document[LINE] == 1
    assert document["items"][0][LINE] == 3 and document["items"][0]["b"][LINE] == 4


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: &x [1, 2]\nb: *x\n", 2, "aliases"),
        ("a: &x {k: v}\nb:\n  <<: *x\n", 3, "aliases"),
        ("a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n", 1, "nested deeper"),
        ("a: " + "{b: " * 50_000, 1, "nested deeper"),
        ("a: 1\nb: 2\na: 3\n", 3, "the key 'a' is repeated"),
        ("a: !!python/name:os.system\n", 1, "constructor"),
        ("a:\n  b: " + "9" * 5000 + "\n", 2, "a number longer than"),
        ("a: 0x" + "f" * 5000 + "\n", 1, "a number longer than"),
        ("a: [\n", 2, "not valid YAML"),
    ],
)
def test_hostile_or_ambiguous_yaml_is_refused_with_its_line(text, line, message):
    with pytest.raises(YamlError) as refused:
        read_yaml(text)
    assert refused.value.line == line and message in refused.value.message


def test_ordinary_numbers_are_read():
    assert read_yaml("a: [12, -0x1F, 1_000, 017]\n")["a"] == [12, -31, 1000, 15]


def test_nesting_up_to_the_limit_is_read():
    depth = MAX_DEPTH - 1
    assert read_yaml("[" * depth + "]" * depth) is not None
