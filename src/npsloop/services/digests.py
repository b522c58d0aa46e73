"""The hourly SMS cap per agent. Past it, a new case's SMS is folded (its email still goes); when the
agent's hour has room again, one digest SMS lists the folded cases. A flood of detractors therefore costs
at most the cap in SMS an hour per agent, and buries nobody."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from npsloop.domain.cases import EventKind
from npsloop.domain.notifications import AlertEvent, AlertKind, Channel, Notification, NotificationState
from npsloop.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
WINDOW = timedelta(hours=1)


def fold_if_over_cap(uow: UnitOfWork, notification: Notification, *, now: datetime, cap: int) -> bool:
    """Inside the claiming transaction: the agent row is locked so two workers cannot both take the last slot."""
    if (
        notification.channel != Channel.SMS
        or notification.alert.event != AlertEvent.CASE_OPENED
        or notification.state != NotificationState.PENDING
    ):
        return False
    assert notification.id is not None
    uow.notifications.lock_agent(notification.agent_id)
    if uow.notifications.sms_in_window(notification.agent_id, now - WINDOW) < cap:
        return False
    if not uow.notifications.fold(notification.id):
        return False
    case = uow.cases.get(notification.case_id)
    if case is not None:
        case.record(
            EventKind.FOLDED,
            at=now,
            note=f"{cap} SMS an hour reached; this case goes in the agent's next digest SMS (email is unaffected)",
            data={"notification": notification.id},
        )
    return True


def digest_themes(per_case: Sequence[Sequence[str]], limit: int) -> tuple[str, ...]:
    """What the cases a digest carries complain of, as one "Themes:" line like a new case's alert: each case's
    theme names (in the agent's language, most confident first, as the new-case alert names them) merged, the
    themes most cases share first (then the order they came in), at most `limit`. The SMS renderer drops them
    from the end, whole, when the digest would not fit its two segments."""
    cases: dict[str, int] = {}
    for names in per_case:
        for name in dict.fromkeys(names):
            cases[name] = cases.get(name, 0) + 1
    return tuple(sorted(cases, key=lambda name: -cases[name])[:limit])


def send_digests(*, uow: UnitOfWork, now: datetime, cap: int) -> int:
    created: list[int] = []
    with uow:
        for agent_id, folded in uow.notifications.undigested().items():
            uow.notifications.lock_agent(agent_id)
            if uow.notifications.sms_in_window(agent_id, now - WINDOW) >= cap:
                continue
            digest = Notification(
                case_id=folded[-1].case_id,
                agent_id=agent_id,
                channel=Channel.SMS,
                kind=AlertKind.digest().key,
                created_at=now,
            )
            uow.notifications.add(digest)
            uow.flush()
            assert digest.id is not None
            for notification in folded:
                notification.digest_id = digest.id
            created.append(digest.id)
        uow.commit()
    if created:
        log.info("digests queued", extra={"digests": len(created)})
    return len(created)
