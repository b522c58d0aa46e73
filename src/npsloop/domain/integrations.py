"""An integration: one survey tool (or one producer) that pushes responses, with the secret that proves a
request is its own. A rotated secret keeps working for a grace period, because the tool's copy is changed
by a person, later, and a response signed in between must not be refused."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from npsloop.domain.errors import DomainError

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DEFAULT_GRACE = timedelta(hours=24)
# Settings that are credentials for the tool's own API (SurveyMonkey's api_key and access_token, Qualtrics'
# api_token): stored encrypted and never printed. A rule on the name rather than a list, so a setting a new
# kind adds (a password, a client_secret) is covered the day it is added.
_CREDENTIAL = re.compile(r"(?:^|_)(?:token|key|secret|password)(?:_|$)")


def is_credential(setting: str) -> bool:
    return bool(_CREDENTIAL.search(setting.lower()))


class IntegrationKind(StrEnum):
    DELIGHTED = "delighted"
    TYPEFORM = "typeform"
    SURVEYMONKEY = "surveymonkey"
    FORMBRICKS = "formbricks"
    QUALTRICS = "qualtrics"
    MAPPING = "mapping"


class InvalidIntegration(DomainError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field  # the setting at fault, when there is one: the API answers it as a field error


class UnknownIntegration(DomainError):
    pass


@dataclass(eq=False)
class Integration:
    name: str
    kind: str
    secret: str
    created_at: datetime
    config: dict[str, Any] = field(default_factory=dict)
    previous_secret: str | None = None
    previous_valid_until: datetime | None = None
    rotated_at: datetime | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        if not NAME.match(self.name):
            raise InvalidIntegration(
                f"integration name {self.name!r}: lowercase letters, digits, '-' and '_', at most 64 characters"
            )
        if self.kind not in {k.value for k in IntegrationKind}:
            raise InvalidIntegration(f"unknown integration kind {self.kind!r}")
        if not self.secret:
            raise InvalidIntegration("an integration needs a secret")

    def secrets_at(self, now: datetime) -> list[str]:
        """The current secret first; the previous one while its grace lasts."""
        found = [self.secret]
        if self.previous_secret and self.previous_valid_until and now < self.previous_valid_until:
            found.append(self.previous_secret)
        return found

    def rotate(self, new_secret: str, now: datetime, grace: timedelta = DEFAULT_GRACE) -> None:
        if not new_secret:
            raise InvalidIntegration("the new secret is empty")
        if new_secret == self.secret:
            raise InvalidIntegration("the new secret is the current one")
        self.previous_secret, self.secret = self.secret, new_secret
        self.previous_valid_until = now + grace if grace > timedelta(0) else None
        self.rotated_at = now
