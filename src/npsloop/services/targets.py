"""NPS targets: one per year for the company and for each team, set by a supervisor; the NPS report shows the
progress towards them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from npsloop.domain.audit import Change, EntityKind
from npsloop.services.audit import record
from npsloop.services.report_scope import ReportError, scoped_team
from npsloop.services.unit_of_work import UnitOfWork


def set_target(*, uow: UnitOfWork, year: int, nps: float, team: str | None, actor: str, now: datetime) -> None:
    if not -100 <= nps <= 100:
        raise ReportError("an NPS target lies between -100 and 100")
    if not 2000 <= year <= 2100:
        raise ReportError("the year must lie between 2000 and 2100")
    with uow:
        found = scoped_team(uow, team)
        team_id = found.id if found else None
        held = uow.targets.get(team_id, year)
        uow.targets.put(team_id=team_id, year=year, nps=nps, set_by=actor, now=now)
        name = f"{year} {found.name if found else '(company)'}"
        before = None if held is None else {"year": year, "nps": held}
        change = Change(EntityKind.TARGET, "set", name, None, team_id, before, {"year": year, "nps": nps})
        record(uow, change, actor=actor, now=now)
        uow.commit()


def list_targets(*, uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow:
        return [{**row, "set_at": cast(datetime, row["set_at"]).isoformat()} for row in uow.targets.all()]
