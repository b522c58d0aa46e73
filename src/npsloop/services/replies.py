"""An agent's SMS reply moves the case it names (or the last one they were alerted about), as that agent, with
that agent's reach: a phone number is a door like a token, so it gets the same access rule as the API. A closing
reply may give its reasons ("1234 cerrado resuelto facturación"); a team that requires them gets them by SMS as
by any other door, and an agent who gave none is told which themes the customer's comment suggests."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime

from npsloop.domain.access import AccessDenied, agent_principal
from npsloop.domain.cases import Action
from npsloop.domain.closure import Closure, InvalidClosure, ReasonsRequired
from npsloop.domain.errors import CaseNotFound, InvalidTransition
from npsloop.domain.replies import NotUnderstood, UnknownTheme, parse_reply
from npsloop.domain.theme_defaults import DEFAULT_TAXONOMY
from npsloop.domain.theme_tags import negative_themes
from npsloop.domain.themes import Theme
from npsloop.services.casework import act_on_case
from npsloop.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

WHATSAPP = "whatsapp:"
MAX_LISTED_THEMES = 10  # the themes named in a reply: enough to pick from, short enough for a text message


@dataclass(frozen=True)
class ReplyOutcome:
    # done | unknown_number | not_understood | unknown_theme | reasons_required | no_case | not_found | forbidden
    # | refused | replayed
    code: str
    language: str = "en"
    case_id: int | None = None
    status: str | None = None
    detail: str | None = None
    themes: tuple[str, ...] = ()  # theme names in the agent's language: the ones to choose from


def handle_agent_reply(
    *, uow: UnitOfWork, from_phone: str, text: str, now: datetime, message_sid: str = ""
) -> ReplyOutcome:
    """`from_phone` is Twilio's From: a number for SMS, `whatsapp:+57...` for WhatsApp, whose message is handled
    once by its MessageSid (a replay is "replayed" and changes nothing) and opens the agent's 24-hour window
    (recorded whatever the text says) before the same handling as an SMS."""
    door = "WhatsApp" if from_phone.startswith(WHATSAPP) else "SMS"
    from_phone = from_phone.removeprefix(WHATSAPP)
    if door == "WhatsApp" and not _first_whatsapp(uow, from_phone, message_sid, now):
        log.warning("WhatsApp message replayed: refused")
        return ReplyOutcome("replayed")
    try:
        return _handle(uow, door, from_phone, text, now)
    except Exception:
        if door == "WhatsApp":
            _forget_whatsapp(uow, message_sid)
        raise


def _forget_whatsapp(uow: UnitOfWork, message_sid: str) -> None:
    """The message was not handled (the database failed under it, an unexpected error): forget it, so that
    Twilio's retry of the webhook is handled rather than refused as a replay. Best effort: the original error is
    what the caller must see."""
    with contextlib.suppress(Exception), uow:
        uow.directory.forget_inbound(message_sid[:64])
        uow.commit()


def _handle(uow: UnitOfWork, door: str, from_phone: str, text: str, now: datetime) -> ReplyOutcome:
    with uow:
        agent = uow.directory.agent_by_phone(from_phone)
        if agent is None or agent.id is None:
            log.warning("reply from a number no agent has", extra={"door": door})
            return ReplyOutcome("unknown_number")
        active = [theme for theme in uow.themes.stored() or DEFAULT_TAXONOMY.themes if not theme.retired]
        try:
            reply = parse_reply(text, active)
        except UnknownTheme as error:
            names = _names(active, [theme.key for theme in active], agent.language)
            return ReplyOutcome("unknown_theme", agent.language, detail=error.words, themes=names)
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
            note=f"by {door} reply",
            outcome=reply.outcome,
            viewer=who,
            closure=Closure(reply.reasons) if reply.action is Action.CLOSE else None,
        )
    except CaseNotFound:
        return ReplyOutcome("not_found", language, case_id)
    except AccessDenied:
        log.warning("SMS reply refused: the case is not within the agent's reach", extra={"case_id": case_id})
        return ReplyOutcome("forbidden", language, case_id)
    except InvalidTransition as error:
        return ReplyOutcome("refused", language, case_id, status=error.status)
    except ReasonsRequired:
        return ReplyOutcome("reasons_required", language, case_id, themes=_suggested(uow, case_id, active, language))
    except InvalidClosure as error:
        return ReplyOutcome("not_understood", language, case_id, detail=str(error))
    log.info("case moved by SMS reply", extra={"case_id": case_id, "action": reply.action.value})
    given = _names(active, reply.reasons, language)
    return ReplyOutcome("done", language, case_id, status=view.case.status, themes=given)


def _first_whatsapp(uow: UnitOfWork, phone: str, message_sid: str, now: datetime) -> bool:
    """Whether this is the first delivery of the message; if so, the agent's window opens (WhatsApp accepts free
    text to them for 24 hours after their last message), in the same transaction."""
    with uow:
        if not message_sid or not uow.directory.first_inbound(message_sid[:64], now):
            return False
        agent = uow.directory.agent_by_phone(phone)
        if agent is not None and (agent.whatsapp_seen_at is None or agent.whatsapp_seen_at < now):
            agent.whatsapp_seen_at = now
        uow.commit()
    return True


def _suggested(uow: UnitOfWork, case_id: int, active: list[Theme], language: str) -> tuple[str, ...]:
    """The themes the customer's comments complain of, to confirm or correct; all of them when none was found."""
    with uow:
        keys = negative_themes(uow.tags.of_case(case_id))
    return _names(active, keys or [theme.key for theme in active], language)


def _names(active: list[Theme], keys: list[str] | tuple[str, ...], language: str) -> tuple[str, ...]:
    named = {theme.key: theme.name.in_language(language) for theme in active}
    return tuple(named[key] for key in keys if key in named)[:MAX_LISTED_THEMES]
