"""What repositories take and return beyond the domain's own classes: filters, report groupings and rows. They
belong to the service layer, the unit of work's contract, so that a use case and a fake unit of work never need
the SQL store to name them; the store translates them into SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum, StrEnum
from typing import Any

from npsloop.domain.cases import CaseStatus, EventKind
from npsloop.domain.risk import RiskModel
from npsloop.domain.scores import Category

LABELS_PAGE = 10_000  # labelled comments read per page by training
THEME_COLUMNS = ("negative_themes", "positive_themes")  # what case and response exports add of the themes


class Rest(Enum):
    """The key under which nps_counts sums the groups it was not asked to keep: no text a group could hold."""

    OTHER = "other"


@dataclass(frozen=True)
class ResponseFilter:
    team_id: int | None = None
    unassigned: bool = False  # responses routed to no team
    survey_type: str | None = None
    touchpoint: str | None = None
    attribute: tuple[str, str] | None = None
    # Responses of any team but these (None: the unassigned), for the "other" series of a report by team.
    not_teams: frozenset[int | None] = frozenset()


@dataclass(frozen=True)
class Ranking:
    """The most answered groups of a range, most answered first, and how many groups there are in all."""

    top: list[Any]
    groups: int


@dataclass(frozen=True)
class CaseFilter:
    status: CaseStatus | None = None
    team_id: int | None = None
    agent_id: int | None = None
    category: Category | None = None
    touchpoint: str | None = None
    opened_from: datetime | None = None
    opened_to: datetime | None = None
    team_ids: frozenset[int] | None = None  # an agent's reach: None means every team
    theme: str | None = None  # a theme key some response of the case complains about (negative polarity)


@dataclass(frozen=True)
class QuarantinedTask:
    id: int
    task: str
    payload: str
    error: str
    attempts: int
    created_at: datetime
    retried_at: datetime | None


@dataclass(frozen=True)
class LabelledComment:
    """A customer's words and the themes an agent, having spoken to them, said were the reasons."""

    case_id: int
    closed_at: datetime
    comment: str
    language: str | None
    themes: tuple[str, ...]


@dataclass(frozen=True)
class StoredModel:
    """A stored model without its bytes: what listings and reports show."""

    id: int
    name: str
    created_at: datetime
    trained_on: int
    score_before: float
    score_after: float
    active: bool


@dataclass(frozen=True)
class Due:
    """What one delivery needs to be sent, read in the claim's own transaction."""

    id: int
    attempts: int
    endpoint: str
    kind: str
    url: str
    secret: str | None
    event_id: int
    event_kind: EventKind
    actor: str
    at: datetime
    note: str | None
    case_id: int


@dataclass(frozen=True)
class CommentRow:
    """A detractor's comment with what masking it needs (the customer's own name); the rest stays in."""

    response_id: int
    score: int
    comment: str
    language: str | None
    customer_name: str | None
    customer_id: str


@dataclass(frozen=True)
class RiskRow:
    case_id: int
    team: str | None
    priority: str
    opened_at: datetime
    risk: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class CaseHistory:
    """One case as learning reads it, with the answer that opened it."""

    case_id: int
    customer_key: str
    opened_at: datetime
    closed_at: datetime | None
    outcome: str | None
    escalated: bool
    score: int
    responded_at: datetime
    attributes: dict[str, Any]
    themes: tuple[str, ...]  # negative themes of the opening comment, most confident first


@dataclass(frozen=True)
class StoredRiskModel:
    model: RiskModel
    created_at: datetime
    trained_on: int
    auc: float | None
    rule_auc: float | None
    active: bool


GroupKey = str | Rest | None


class Dimension(StrEnum):
    """What an NPS series can be split by."""

    SURVEY_TYPE = "survey_type"
    TOUCHPOINT = "touchpoint"
    TEAM = "team"  # the team's id
    THEME = "theme"  # a key of the comment's themes, any polarity
    ATTRIBUTE = "attribute"  # a response attribute, named by `attribute`


@dataclass(frozen=True)
class GroupBy:
    dimension: Dimension
    attribute: str | None = None

    @classmethod
    def parse(cls, name: str) -> GroupBy:
        """`survey_type`, `touchpoint`, `team`, `theme` or `attribute:<key>`; anything else is a ValueError."""
        if name.startswith("attribute:") and name.removeprefix("attribute:"):
            return cls(Dimension.ATTRIBUTE, name.removeprefix("attribute:"))
        if name in {d.value for d in Dimension} - {Dimension.ATTRIBUTE.value}:
            return cls(Dimension(name))
        raise ValueError(f"cannot group by {name!r}")


@dataclass(frozen=True)
class OpenedCase:
    """A case opened in a report's range, with what the loop figures measure."""

    id: int
    team_id: int | None
    assignee_id: int | None
    customer_key: str
    opened_at: datetime
    acknowledged_at: datetime | None
    contacted_at: datetime | None
    closed_at: datetime | None
    outcome: str | None
    contact_due_at: datetime | None
    close_due_at: datetime | None


@dataclass(frozen=True)
class OpenCase:
    """A case still open, for the backlog figures."""

    team_id: int | None
    assignee_id: int | None
    opened_at: datetime
