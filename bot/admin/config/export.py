"""The workspace's configuration as a YAML-ready mapping: the exact inverse of config import."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import yaml
from sqlmodel import Session

from bot.admin.config.hooks import export_hooks
from bot.durations import format_minutes
from bot.schedules import format_hours
from models.account import Account, list_accounts
from models.admin import list_admins
from models.intake_channel import list_intake_channels
from models.playbook import list_playbook_records
from models.team import list_routes, list_teams
from models.workspace import get_workspace

HEADER = "# Loopkeeper configuration. Apply with: loopkeeper config import FILE [--dry-run]\n"


def export_config(session: Session, *, workspace_id: str) -> dict:
    """Teams, routes, playbooks, intake channels, admins and source options, in a stable order."""
    workspace = get_workspace(session=session, workspace_id=workspace_id)
    teams = list_teams(session=session, workspace_id=workspace_id)
    names = {t.id: t.name for t in teams}
    config: dict = {"default_channel": workspace.default_channel_id if workspace else None, "teams": []}
    for team in teams:
        entry: dict[str, Any] = {
            "name": team.name,
            "channel": team.channel_id,
            "leads": list(team.leads),
            "timezone": team.timezone,
        }
        if team.hours:
            entry["hours"] = format_hours(team.hours)
        sla = {
            k: v
            for k, v in (
                ("ack", format_minutes(team.sla_ack_minutes)),
                ("close", format_minutes(team.sla_close_minutes)),
            )
            if v
        }
        if sla:
            entry["sla"] = sla
        entry["digest"] = team.digest_schedule
        if not team.thread_log:
            entry["thread_log"] = False
        if team.leads_only_moves:
            entry["moves"] = "leads"
        if team.personal_digests is not None:
            entry["personal_digests"] = team.personal_digests
        if team.notify_owner_above is not None:
            entry["notify_owner_above"] = _amount(team.notify_owner_above)
        if team.mask_emails:
            entry["mask_emails"] = True
        if not team.spikes:
            entry["spikes"] = False
        config["teams"].append(entry)
    config["routes"] = [
        {"team": names[r.team_id], "match": list(r.matchers), **({"continue": True} if r.continue_matching else {})}
        for r in list_routes(session=session, workspace_id=workspace_id)
    ]
    config["playbooks"] = [
        {
            "name": p.name,
            "match": list(p.matchers),
            "steps": [{"do": s["text"], "within": s["within"]} for s in p.steps],
            **({"final": True} if p.final else {}),
            **({"disabled": True} if p.disabled else {}),
        }
        for p in list_playbook_records(session=session, workspace_id=workspace_id)
    ]
    config["intake_channels"] = [
        {"channel": c.channel_id, **({"source": c.source} if c.source else {})}
        for c in list_intake_channels(session=session, workspace_id=workspace_id)
    ]
    config["admins"] = sorted(a.user_id for a in list_admins(session=session, workspace_id=workspace_id))
    config["sources"] = dict(workspace.source_options or {}) if workspace else {}
    if workspace is not None and workspace.root_causes is not None:
        config["root_causes"] = list(workspace.root_causes)
    config["account_owners"] = [
        {**_account_key(a), "owner": a.owner_id}
        for a in list_accounts(session=session, workspace_id=workspace_id)
        if a.owner_id
    ]
    config["hooks"] = export_hooks(session, workspace_id=workspace_id)  # URLs and events; never a secret
    return config


def _account_key(account: Account) -> dict[str, str]:
    """How the file names an account: its customer id, else its email, else its name."""
    if account.customer_id:
        return {"customer_id": account.customer_id}
    if account.email:
        return {"email": account.email}
    return {"account": account.name or ""}


def _amount(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def to_yaml(config: dict) -> str:
    return HEADER + yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=120)
