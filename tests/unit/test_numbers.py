import pytest

from npsloop.domain.numbers import MAX_ROW_ID, decimal, is_decimal
from npsloop.domain.replies import NotUnderstood, parse_reply
from npsloop.domain.rules import RuleError, parse_rule
from npsloop.ingest.adapters.base import PayloadError, score_of
from npsloop.ingest.signature import SignatureError, parse


@pytest.mark.parametrize("text", ["²", "⑧", "٣", "", " 7", "7 ", "+7", "-1", "7.0", "1_000", "7\n"])
def test_only_ascii_digits_are_a_number(text):
    assert not is_decimal(text) and decimal(text, max_digits=5) is None


def test_a_number_longer_than_its_caller_can_use_is_none_not_an_error():
    assert decimal("9" * 5000, max_digits=19) is None
    assert decimal("0042", max_digits=4) == 42


@pytest.mark.parametrize("score", ["²", "⑧", "٣", "9" * 5000])
def test_a_tool_score_that_isdigit_accepts_is_a_payload_error_not_a_crash(score):
    with pytest.raises(PayloadError) as raised:
        score_of(score, "answers.nps")
    assert raised.value.field == "score"


def test_a_signature_timestamp_of_unicode_digits_is_refused_as_a_signature_error():
    with pytest.raises(SignatureError, match="not a unix time"):
        parse("t=²,v1=abc")


def test_a_sms_case_number_beyond_any_row_is_not_understood():
    assert parse_reply(f"ACK {MAX_ROW_ID}").case_id == MAX_ROW_ID
    for text in (f"ACK {MAX_ROW_ID + 1}", "ACK " + "9" * 5000):
        with pytest.raises(NotUnderstood):
            parse_reply(text)


def test_a_rule_score_range_of_unicode_digits_is_a_rule_error():
    with pytest.raises(RuleError, match="score must be a number"):
        parse_rule({"name": "odd", "match": {"score": "²-6"}, "team": "Billing"}, line=3, position=1)
