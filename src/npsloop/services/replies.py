"""An agent's SMS reply moves the case it names (or the last one they were alerted about), as that agent, with
that agent's reach: a phone number is a door like a token, so it gets the same access rule as the API."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from npsloop.domain.access import AccessDenied, agent_principal
from npsloop.domain.errors import CaseNotFound, InvalidTransition
from npsloop.domain.replies import NotUnderstood, parse_reply
from npsloop.services.casework import act_on_case
from npsloop.store.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReplyOutcome:
    code: str  # done | unknown_number | not_understood | no_case | not_found | forbidden | refused
    language: str = "en"
    case_id: int | None = None
    status: str | None = None
    detail: str | None = None


def handle_agent_reply(*, uow: UnitOfWork, from_phone: str, text: str, now: datetime) -> ReplyOutcome:
    with uow:
        agent = uow.directory.agent_by_phone(from_phone)
        if agent is None or agent.id is None:
            log.warning("SMS reply from a number no agent has")
            return ReplyOutcome("unknown_number")
        try:
            reply = parse_reply(text)
        except NotUnderstood as error:
            return ReplyOutcome("not_understood", agent.language, detail=str(error))
        case_id = reply.case_id or uow.notifications.last_alerted_open_case(agent.id)
        name, language, who = agent.name, agent.language, agent_principal(agent)
    if case_id is None:
        return ReplyOutcome("no_case", language)
    try:
        view = act_on_case(
            uow=uow,
            case_id=case_id,
            action=reply.action,
            actor=name,
            now=now,
            note="by SMS reply",
            outcome=reply.outcome,
            viewer=who,
        )
    except CaseNotFound:
        return ReplyOutcome("not_found", language, case_id)
    except AccessDenied:
        log.warning("SMS reply refused: the case is not within the agent's reach", extra={"case_id": case_id})
        return ReplyOutcome("forbidden", language, case_id)
    except InvalidTransition as error:
        return ReplyOutcome("refused", language, case_id, status=error.status)
    log.info("case moved by SMS reply", extra={"case_id": case_id, "action": reply.action.value})
    return ReplyOutcome("done", language, case_id, status=view.case.status)
