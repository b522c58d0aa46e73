"""Building recovery follow-ups in tests: a team that asks, a detractor's case closed as resolved, and the links
a recovery message carries."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr

from npsloop.bootstrap import Runtime
from npsloop.domain.cases import Action, Outcome
from npsloop.domain.recovery import RecoveryRequest
from npsloop.services import directory
from npsloop.services.casework import act_on_case
from tests.conftest import at, drain, ingest, seed_team

LINK_SECRET = "recovery-link-secret-for-tests-0123456789"
PUBLIC = "https://npsloop.example.com"
LINK = re.compile(r"https://npsloop\.example\.com(/v1/recovery/(?:optout/)?[\w.-]+)")


def asking_team(rt: Runtime, policy: str = "ask", themes: list[str] | None = None, *, links: bool = True) -> None:
    """Logistics, whose customers are asked; Marta (SMS and email) and Tom (email) are its agents."""
    rt.settings.link_secret = SecretStr(LINK_SECRET if links else "")
    rt.settings.public_url = PUBLIC
    seed_team(rt)
    directory.set_recovery(uow=rt.uow(), team="Logistics", policy=policy, themes=themes or [])


def customer(**overrides: Any) -> dict[str, Any]:
    """A Colombian customer with an email, answering in Spanish."""
    values: dict[str, Any] = {
        "id": "c-" + uuid.uuid4().hex[:8],
        "name": "Ana Gómez",
        "email": "ana@example.co",
        "phone": "+573001234567",
    }
    values.update(overrides)
    return values


def close_resolved(
    rt: Runtime, who: dict[str, Any], when: datetime, outcome: Outcome = Outcome.RESOLVED, **response: Any
) -> int:
    """A detractor's case, acknowledged by Marta (its owner) and closed at `when`."""
    at(rt, when)
    answered = min(when, datetime.now(UTC))  # the survey answer itself cannot be dated in the future
    response_id = ingest(rt, customer=who, responded_at=answered.isoformat(), **response)
    drain(rt)
    with rt.uow() as uow:
        found = uow.responses.get(response_id)
        assert found is not None and found.case_id is not None
        case_id = found.case_id
    act_on_case(uow=rt.uow(), case_id=case_id, action=Action.ACKNOWLEDGE, actor="Marta", now=when)
    act_on_case(uow=rt.uow(), case_id=case_id, action=Action.CLOSE, actor="Marta", now=when, outcome=outcome)
    return case_id


def requests_of(rt: Runtime, case_id: int) -> list[RecoveryRequest]:
    with rt.uow() as uow:
        return uow.recovery.for_case(case_id)


def links(text: str) -> tuple[str, str]:
    """The answer path (without ?answer=) and the opt-out path a message carries."""
    found = [path.split("?")[0] for path in LINK.findall(text)]
    answer = next(p for p in found if "/optout/" not in p)
    opt_out = next(p for p in found if "/optout/" in p)
    return answer, opt_out
