"""The ingest payload, validated field by field so a bad response gets a precise 422 and not a guess."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import phonenumbers
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from npsloop.domain.responses import Response
from npsloop.domain.scores import SurveyType

MAX_ATTRIBUTES = 50
EARLIEST_RESPONSE = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_SKEW = timedelta(days=1)  # clocks of survey tools drift; a day more is a bug


def _in_utc(value: datetime) -> datetime:
    """An aware time the database can store: year 1 at +00:01 has no UTC instant."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range") from None


# A query's time bound: aware, and representable in UTC.
Instant = Annotated[AwareDatetime, AfterValidator(_in_utc)]
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def email_address(value: str | None) -> str | None:
    if value and not EMAIL.match(value):
        raise ValueError("not an email address")
    return value or None


def e164(value: str | None) -> str | None:
    """E.164 only: a national number is ambiguous without the country the sender forgot to tell us."""
    if not value:
        return None
    if not value.startswith("+"):
        raise ValueError("phone must be in E.164 form, like +34600123456")
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as error:
        raise ValueError(f"phone is not a phone number ({error._msg})") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("phone is not a valid number for its country code")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _no_nul(value: str) -> str:
    """NUL is legal JSON but no database text column stores it; refused here, it is the caller's error."""
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    return value


Text = Annotated[StrictStr, AfterValidator(_no_nul)]
ShortText = Annotated[Text, Field(min_length=1, max_length=200)]
EmailText = Annotated[Text, Field(max_length=254), AfterValidator(email_address)]
PhoneText = Annotated[Text, Field(max_length=20), AfterValidator(e164)]


def _attribute_value(value: Any) -> str | int | float:
    """Segments are flat: a nested object or a list would not group in a report."""
    if isinstance(value, str):
        _no_nul(value)
        if len(value) > 500:
            raise ValueError("attribute values are at most 500 characters")
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return value
    raise ValueError("attribute values must be strings or finite numbers")


AttributeValue = Annotated[Any, AfterValidator(_attribute_value)]


class Customer(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: ShortText
    name: Annotated[Text, Field(max_length=200)] | None = None
    email: EmailText | None = None
    phone: PhoneText | None = None


class ResponseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    response_id: ShortText
    score: Annotated[StrictInt, Field(ge=0, le=10)]
    comment: Annotated[Text, Field(max_length=5000)] | None = None
    survey_type: SurveyType = SurveyType.TRANSACTIONAL
    touchpoint: Annotated[Text, Field(max_length=100)] | None = None
    customer: Customer
    responded_at: AwareDatetime
    language: Annotated[Text, Field(max_length=35)] | None = None
    attributes: dict[Annotated[Text, Field(min_length=1, max_length=64)], AttributeValue] = Field(default_factory=dict)
    # Which version of the response this is, when it can change after it is first sent: a delivery older than
    # the stored one (by `version` if both carry one, else `updated_at`, else `responded_at`) changes nothing.
    updated_at: AwareDatetime | None = Field(
        default=None, description="when this version of the response was made, by the sender's clock"
    )
    version: Annotated[StrictInt, Field(ge=0, le=2**63 - 1)] | None = Field(
        default=None, description="a counter the sender increases with every change of the response"
    )

    @field_validator("responded_at", "updated_at")
    @classmethod
    def _plausible_time(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        """A survey answer from before NPS existed or from tomorrow is a bug upstream; a year-1 date would not
        even convert to UTC. A version time far ahead would freeze the response against every real update."""
        if value is None:
            return None
        at = _in_utc(value)
        if at < EARLIEST_RESPONSE or at > datetime.now(UTC) + FUTURE_SKEW:
            raise ValueError(f"{info.field_name} must lie between 1990-01-01 and one day from now")
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        if value and not LANGUAGE_TAG.match(value):
            raise ValueError("language must be a BCP 47 tag, like es or en-GB")
        return value or None

    @field_validator("attributes")
    @classmethod
    def _few_attributes(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(value) > MAX_ATTRIBUTES:
            raise ValueError(f"at most {MAX_ATTRIBUTES} attributes")
        return value

    @field_validator("comment", "touchpoint")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    def to_domain(self, *, integration: str, received_at: datetime) -> Response:
        return Response(
            integration=integration,
            external_id=self.response_id,
            score=self.score,
            comment=self.comment,
            survey_type=self.survey_type.value,
            touchpoint=self.touchpoint,
            customer_id=self.customer.id,
            customer_name=self.customer.name,
            customer_email=self.customer.email,
            customer_phone=self.customer.phone,
            responded_at=self.responded_at,
            received_at=received_at,
            language=self.language,
            attributes=dict(self.attributes),
            version=self.version,
            version_at=_in_utc(self.updated_at) if self.updated_at else None,
        )


class BatchIn(BaseModel):
    """Items stay raw here so one bad item is answered alone instead of failing the whole batch."""

    model_config = ConfigDict(extra="forbid")

    responses: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=1000)]


def field_errors(error: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    """Pydantic's errors as {field, message}: what an integrator needs to fix the payload."""
    found = []
    for item in error.errors(include_url=False):
        path = ".".join(str(part) for part in item["loc"] if not _is_type_tag(part))
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown field"
        found.append({"field": f"{prefix}{path}" if path else prefix.rstrip(".") or "body", "message": message})
    return found


def _is_type_tag(part: Any) -> bool:
    # Union members show up in the location as their type names (e.g. "str", "int"); they name no field.
    return isinstance(part, str) and part in {"str", "int", "constrained-str"}
