import pytest
from pydantic import ValidationError

from npsloop.ingest.schemas import ResponseIn, field_errors
from tests.conftest import payload


def errors_of(body):
    with pytest.raises(ValidationError) as error:
        ResponseIn.model_validate(body)
    return {e["field"]: e["message"] for e in field_errors(error.value)}


def test_a_complete_response_is_accepted_and_the_phone_normalised():
    body = payload(
        customer={"id": "c1", "phone": "+34 600 111 222", "email": "ana@example.es"},
        attributes={"tier": "gold", "seats": 40},
    )
    parsed = ResponseIn.model_validate(body)
    assert parsed.customer.phone == "+34600111222"
    assert parsed.attributes == {"tier": "gold", "seats": 40}


def test_survey_type_defaults_to_transactional():
    body = payload()
    del body["survey_type"]
    assert ResponseIn.model_validate(body).survey_type.value == "transactional"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"score": 11}, "score"),
        ({"score": -1}, "score"),
        ({"score": "7"}, "score"),
        ({"score": 7.0}, "score"),
        ({"score": 7.5}, "score"),
        ({"score": True}, "score"),
        ({"score": None}, "score"),
        ({"response_id": ""}, "response_id"),
        ({"response_id": 42}, "response_id"),
        ({"comment": "x" * 5001}, "comment"),
        ({"survey_type": "monthly"}, "survey_type"),
        ({"customer": {}}, "customer.id"),
        ({"customer": {"id": "c1", "phone": "600111222"}}, "customer.phone"),
        ({"customer": {"id": "c1", "phone": "+34 12"}}, "customer.phone"),
        ({"customer": {"id": "c1", "email": "not-an-email"}}, "customer.email"),
        ({"customer": {"id": "c1", "vip": True}}, "customer.vip"),
        ({"responded_at": "2026-03-01T10:00:00"}, "responded_at"),
        ({"responded_at": "yesterday"}, "responded_at"),
        ({"language": "Spanish!"}, "language"),
        ({"attributes": {"region": {"city": "Madrid"}}}, "attributes.region"),
        ({"attributes": {"tags": ["a"]}}, "attributes.tags"),
        ({"attributes": {f"k{i}": i for i in range(51)}}, "attributes"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_each_bad_field_is_named_with_a_message(change, field):
    found = errors_of(payload(**change))
    assert field in found, found
    assert found[field]


def test_missing_required_fields_are_each_reported():
    found = errors_of({})
    assert {"response_id", "score", "customer", "responded_at"} <= set(found)
    assert found["score"] == "Field required"


def test_blank_optional_text_is_stored_as_absent():
    parsed = ResponseIn.model_validate(payload(comment="   ", touchpoint=""))
    assert parsed.comment is None and parsed.touchpoint is None


@pytest.mark.parametrize(
    "when",
    ["0001-01-01T00:00:00+00:01", "1989-12-31T23:59:59+00:00", "9999-12-31T23:59:59-00:01", "2999-01-01T00:00:00Z"],
)
def test_an_implausible_or_unrepresentable_answer_time_is_a_field_error(when):
    with pytest.raises(ValidationError) as caught:
        ResponseIn.model_validate(payload(responded_at=when))
    assert [e["loc"] for e in caught.value.errors()] == [("responded_at",)]
