import pytest

from npsloop.ingest import signature
from npsloop.ingest.signature import SignatureError, sign, verify

BODY = b'{"response_id": "r1", "score": 3}'
SECRETS = {"shop": ["old-secret", "new-secret"], "crm": ["crm-secret"]}
NOW = 1_800_000_000


def test_a_valid_signature_names_the_integration_that_signed():
    assert verify(sign(BODY, "crm-secret", NOW), BODY, SECRETS, now=NOW, tolerance=300) == "crm"


def test_either_secret_of_an_integration_being_rotated_is_accepted():
    assert verify(sign(BODY, "old-secret", NOW), BODY, SECRETS, now=NOW, tolerance=300) == "shop"
    assert verify(sign(BODY, "new-secret", NOW), BODY, SECRETS, now=NOW, tolerance=300) == "shop"


def test_a_sender_may_send_several_v1_values_while_it_rotates():
    header = sign(BODY, ["retired-secret", "new-secret"], NOW)
    assert header.count("v1=") == 2
    assert verify(header, BODY, SECRETS, now=NOW, tolerance=300) == "shop"


def test_a_tampered_body_is_refused():
    with pytest.raises(SignatureError, match="no signature matches"):
        verify(sign(BODY, "crm-secret", NOW), BODY.replace(b"3", b"9"), SECRETS, now=NOW, tolerance=300)


def test_a_wrong_secret_is_refused():
    with pytest.raises(SignatureError):
        verify(sign(BODY, "guess", NOW), BODY, SECRETS, now=NOW, tolerance=300)


@pytest.mark.parametrize("age", [301, -301, 86_400])
def test_a_signature_outside_the_tolerance_is_refused_as_a_replay(age):
    with pytest.raises(SignatureError, match="tolerance"):
        verify(sign(BODY, "crm-secret", NOW - age), BODY, SECRETS, now=NOW, tolerance=300)


def test_the_timestamp_is_part_of_what_is_signed():
    header = sign(BODY, "crm-secret", NOW)
    forged = header.replace(f"t={NOW}", f"t={NOW + 10}")
    with pytest.raises(SignatureError):
        verify(forged, BODY, SECRETS, now=NOW, tolerance=300)


@pytest.mark.parametrize("header", [None, "", "v1=abc", f"t={NOW}", "t=yesterday,v1=abc", "garbage", f"t={NOW},v0=abc"])
def test_malformed_headers_are_refused_with_a_reason(header):
    with pytest.raises(SignatureError) as error:
        verify(header, BODY, SECRETS, now=NOW, tolerance=300)
    assert str(error.value)


def test_without_configured_secrets_nothing_is_trusted():
    with pytest.raises(SignatureError, match="NPSLOOP_WEBHOOK_SECRETS"):
        verify(sign(BODY, "x", NOW), BODY, {}, now=NOW, tolerance=300)


def test_header_name_matches_the_documentation():
    assert signature.HEADER == "NPSLoop-Signature"
