"""A sample pasted to try the routing rules on: read as strictly as a webhook body, checked by the API's schema,
with what routing never reads filled in."""

from datetime import UTC, datetime

import pytest

from npsloop.ingest.sample_response import MAX_SAMPLE, PREVIEW, SampleError, read_sample

NOW = datetime(2026, 3, 2, 10, tzinfo=UTC)


def test_what_routing_never_reads_may_be_left_out():
    sample = read_sample('{"score": 4, "touchpoint": "invoice", "attributes": {"tier": "gold"}}', NOW)
    assert (sample.score, sample.touchpoint, sample.attributes) == (4, "invoice", {"tier": "gold"})
    assert (sample.integration, sample.customer_id, sample.external_id) == (PREVIEW, PREVIEW, PREVIEW)
    assert sample.responded_at == NOW and sample.id is None
    theirs = read_sample('{"integration": "shop", "score": 1, "customer": {"id": "c-9"}}', NOW)
    assert (
        theirs.customer_key
        == read_sample('{"integration": "shop", "score": 9, "customer": {"id": "c-9"}}', NOW).customer_key
    )


def test_a_sample_is_checked_as_the_api_checks_a_response():
    with pytest.raises(SampleError, match=f"longer than {MAX_SAMPLE:,} characters"):
        read_sample('{"score": 1, "comment": "' + "x" * MAX_SAMPLE + '"}', NOW)
    with pytest.raises(SampleError, match="not valid JSON"):
        read_sample("{score: 1", NOW)
    with pytest.raises(SampleError, match="must be a JSON object"):
        read_sample("[1, 2]", NOW)
    with pytest.raises(SampleError, match="score: Input should be less than or equal to 10"):
        read_sample('{"score": 11}', NOW)
    with pytest.raises(SampleError, match="touchpoint: Value should have at most 100 items"):
        read_sample('{"score": 1, "touchpoint": "' + "t" * 101 + '"}', NOW)
    with pytest.raises(SampleError, match="repeats the key"):
        read_sample('{"score": 1, "score": 9}', NOW)
    with pytest.raises(SampleError, match="paste a response"):
        read_sample("  ", NOW)
    with pytest.raises(SampleError, match="integration: the name of an integration"):
        read_sample('{"integration": ["x"], "score": 1}', NOW)
    with pytest.raises(SampleError, match="not valid JSON"):  # a lone surrogate, as a browser may send one
        read_sample('{"score": 1, "comment": "\ud800"}', NOW)
