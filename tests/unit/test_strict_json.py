import json

import pytest

from npsloop.ingest.strict_json import MAX_DEPTH, InvalidJson, depth, loads


def nested(levels: int) -> bytes:
    return b'{"a":' * (levels - 1) + b"[1]" + b"}" * (levels - 1)


def test_a_payload_at_the_depth_limit_is_read():
    assert depth(loads(nested(MAX_DEPTH))) == MAX_DEPTH


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 990, 1000, 1024, 1025, 5000])
def test_nesting_past_the_limit_is_refused_as_invalid_json_never_a_recursion_error(levels):
    """990 to 1,024 levels: orjson reads them, and the duplicate-key pass, which recurses, used to crash;
    past 1,024 orjson itself refuses."""
    with pytest.raises(InvalidJson, match="nested deeper than|depth limit"):
        loads(nested(levels))


def test_a_repeated_key_is_named_at_any_level():
    with pytest.raises(InvalidJson, match="repeats the key 'score'"):
        loads(b'{"customer": {"id": "a"}, "x": [{"score": 1, "score": 2}]}')


@pytest.mark.parametrize("raw", [b"NaN", b'{"a": 1e400}', b'"\xc3\x28"', b'{"a": "\\ud800"}', b""])
def test_what_orjson_refuses_is_invalid_json(raw):
    with pytest.raises(InvalidJson, match="not valid JSON"):
        loads(raw)


def test_the_depth_walk_measures_without_recursing():
    deep: list = []
    node = deep
    for _ in range(100_000):
        node.append([])
        node = node[0]
    assert depth(deep) > MAX_DEPTH  # stops early, no RecursionError
    assert depth(json.loads("[[], {}, [[1]]]")) == 3 and depth(7) == 0
