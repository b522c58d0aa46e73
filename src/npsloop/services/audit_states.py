"""What the audit trail keeps of each thing an administrator changes: its settings as plain JSON values, with
secrets replaced by a marker (never their value, not even a hash) and an agent's phone and email masked as logs
mask them. The services call these on the thing before and after they change it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from npsloop.domain.access import ApiToken
from npsloop.domain.audit import SECRET
from npsloop.domain.directory import Agent, Team
from npsloop.domain.integrations import Integration, is_credential
from npsloop.domain.outbound import Endpoint, url_host
from npsloop.domain.rules import Rule
from npsloop.domain.themes import Theme
from npsloop.redaction import redact


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None  # one form, whatever offset it was given in


def team_state(team: Team) -> dict[str, Any]:
    return {
        "touchpoints": list(team.touchpoints),
        "default": team.is_default,
        "timezone": team.timezone,
        "hours": team.hours,
        "holiday_country": team.holiday_country,
        "extra_holidays": list(team.extra_holidays),
        "after_hours": team.after_hours,
        "after_hours_agent_id": team.after_hours_agent_id,
        "sla": {priority: dict(steps) for priority, steps in team.sla.items()},
        "escalation": [dict(step) for step in team.escalation],
        "reasons_required": team.reasons_required,
        "recovery": str(team.recovery),
        "recovery_themes": list(team.recovery_themes),
    }


def agent_state(agent: Agent) -> dict[str, Any]:
    return {
        "team_id": agent.team_id,
        "phone": redact(agent.phone) if agent.phone else None,
        "email": redact(agent.email) if agent.email else None,
        "language": agent.language,
        "role": agent.role,
        "active": agent.active,
        "off_duty_until": _iso(agent.off_duty_until),
        "channels": list(agent.channel_order) if agent.channel_order is not None else None,
        "hours": agent.hours,
        "on_call": agent.on_call,
    }


def integration_state(integration: Integration) -> dict[str, Any]:
    return {
        "kind": integration.kind,
        "secret": SECRET,
        "config": {key: SECRET if is_credential(key) else value for key, value in integration.config.items()},
        "previous_valid_until": _iso(integration.previous_valid_until),
    }


def endpoint_state(endpoint: Endpoint) -> dict[str, Any]:
    """Only the host of any endpoint URL is kept: a Slack or Teams URL is its own credential, and a webhook's path
    or query may hold one (the URL itself is stored encrypted)."""
    return {
        "kind": endpoint.kind,
        "url": url_host(endpoint.url),  # stored in clear, unlike the encrypted URL itself: no path, no query
        "events": list(endpoint.events),
        "secret": SECRET if endpoint.secret else None,
    }


def token_state(token: ApiToken) -> dict[str, Any]:
    """The shown prefix is what the token list prints, useless to a thief; the hash is not kept."""
    return {
        "role": token.role,
        "prefix": token.prefix,
        "agent_id": token.agent_id,
        "expires_at": _iso(token.expires_at),
        "revoked_at": _iso(token.revoked_at),
    }


def rules_state(rules: list[Rule]) -> dict[str, Any]:
    """Each rule under its name (in order), so a change to one rule shows as that rule's change."""
    out: dict[str, Any] = {}
    for rule in rules:
        key, copy = rule.name, 2
        while key in out:
            key, copy = f"{rule.name} ({copy})", copy + 1
        out[key] = {k: v for k, v in rule.to_dict().items() if k != "name"}
    return out


def themes_state(themes: tuple[Theme, ...]) -> dict[str, Any]:
    return {theme.key: {k: v for k, v in theme.to_dict().items() if k != "key"} for theme in themes}
