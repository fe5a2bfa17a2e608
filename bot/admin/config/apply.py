"""Making a workspace's configuration exactly what a validated file says, in one audited transaction."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.admin.config.export import export_config, to_yaml
from bot.admin.config.hooks import apply_hooks
from bot.admin.config.parse import AccountOwnerConfig, ConfigDoc
from bot.errors import ConfigError
from models.account import Account, find_account, list_accounts, name_key
from models.admin import Admin, add_audit_entry, delete_admins
from models.db import new_session, transaction
from models.hook import Hook
from models.intake_channel import IntakeChannel, delete_intake_channels
from models.loop import count_team_loops
from models.playbook import PlaybookRecord, delete_playbook_records
from models.team import Route, Team, delete_routes, get_team_by_name, list_teams
from models.workspace import get_or_create_workspace


@dataclass(frozen=True)
class ConfigImport:
    """What an import changed (or, on a dry run, would change), as a unified diff of the exported YAML."""

    diff: str
    dry_run: bool
    # Hooks the import added, with their new secrets: (url, secret), for whoever ran it to see once (none on a dry run).
    new_hook_secrets: tuple[tuple[str, str], ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.diff)


def import_config(
    engine: Engine,
    *,
    workspace_id: str,
    doc: ConfigDoc,
    source: str = "config",
    actor: str = "config-file",
    via: str = "config_import",
    dry_run: bool = False,
) -> ConfigImport:
    """Apply ``doc`` in a transaction of its own (rolled back on a dry run); the diff says what changed."""
    opened = new_session(engine) if dry_run else transaction(engine)
    with opened as session:
        before = to_yaml(export_config(session, workspace_id=workspace_id)).splitlines(keepends=True)
        added = apply_config(session, workspace_id=workspace_id, doc=doc, actor=actor, via=via)
        after = to_yaml(export_config(session, workspace_id=workspace_id)).splitlines(keepends=True)
        secrets = () if dry_run else tuple((hook.url, hook.secret) for hook in added)
        if dry_run:
            session.rollback()  # a dry run shows the diff and writes nothing
    diff = "".join(difflib.unified_diff(before, after, fromfile="current", tofile=source))
    return ConfigImport(diff, dry_run, secrets)


def _apply_account_owners(session: Session, *, workspace_id: str, owners: tuple[AccountOwnerConfig, ...]) -> None:
    """Exactly the listed accounts have owners (an account not stored yet is stored to hold its owner)."""
    listed: set[int] = set()
    for entry in owners:
        account = find_account(
            session=session,
            workspace_id=workspace_id,
            customer_id=entry.customer_id,
            email=entry.email,
            name=entry.account,
        )
        if account is None:
            account = Account(
                workspace_id=workspace_id,
                source="config",
                customer_id=entry.customer_id,
                email=entry.email,
                name=entry.account,
                name_key=name_key(entry.account),
            )
        if account.owner_id != entry.owner:
            account.owner_id, account.owner_name, account.owner_email = entry.owner, None, None
        session.add(account)
        session.flush()
        listed.add(account.id)
    for account in list_accounts(session=session, workspace_id=workspace_id):
        if account.owner_id and account.id not in listed:
            account.owner_id = account.owner_name = account.owner_email = None
            session.add(account)


def apply_config(
    session: Session, *, workspace_id: str, doc: ConfigDoc, actor: str = "config-file", via: str = "config_import"
) -> list[Hook]:
    """Make the workspace's configuration exactly ``doc`` in the caller's transaction, with an audit entry.

    Returns the hooks it added: their secrets are shown once, by the caller, to whoever imported the file."""
    before = export_config(session, workspace_id=workspace_id)
    workspace = get_or_create_workspace(session=session, workspace_id=workspace_id)
    workspace.default_channel_id = doc.default_channel
    team_ids: dict[str, int] = {}
    for team_doc in doc.teams:
        team = get_team_by_name(session=session, workspace_id=workspace_id, name=team_doc.name)
        if team is None:
            team = Team(workspace_id=workspace_id, name=team_doc.name, channel_id=team_doc.channel)
        team.channel_id, team.leads, team.timezone = team_doc.channel, list(team_doc.leads), team_doc.timezone
        team.hours, team.digest_schedule = team_doc.hours, team_doc.digest
        team.thread_log, team.leads_only_moves = team_doc.thread_log, team_doc.leads_only_moves
        team.personal_digests = team_doc.personal_digests
        team.notify_owner_above = team_doc.notify_owner_above
        team.mask_emails = team_doc.mask_emails
        team.spikes = team_doc.spikes
        team.sla_ack_minutes, team.sla_close_minutes = team_doc.sla_ack_minutes, team_doc.sla_close_minutes
        session.add(team)
        session.flush()
        team_ids[team_doc.name] = team.id
    delete_routes(session=session, workspace_id=workspace_id)
    session.flush()
    for team in [t for t in list_teams(session=session, workspace_id=workspace_id) if t.name not in team_ids]:
        if count_team_loops(session=session, team_id=team.id):
            raise ConfigError(
                f"team {team.name!r} is not in the file but has loops; keep it in the file "
                "(without routes) so its loops keep their owner"
            )
        session.delete(team)
    for position, route_doc in enumerate(doc.routes, start=1):
        session.add(
            Route(
                workspace_id=workspace_id,
                position=position,
                team_id=team_ids[route_doc.team],
                matchers=list(route_doc.match),
                continue_matching=route_doc.continue_matching,
            )
        )
    delete_intake_channels(session=session, workspace_id=workspace_id)
    for intake in doc.intake_channels:
        session.add(IntakeChannel(workspace_id=workspace_id, channel_id=intake.channel, source=intake.source))
    delete_playbook_records(session=session, workspace_id=workspace_id)
    for playbook in doc.playbooks:
        session.add(
            PlaybookRecord(
                workspace_id=workspace_id,
                name=playbook.name,
                matchers=list(playbook.match),
                steps=[{"text": t, "within": w} for t, w in playbook.steps],
                final=playbook.final,
                disabled=playbook.disabled,
            )
        )
    delete_admins(session=session, workspace_id=workspace_id)
    for user in doc.admins:
        session.add(Admin(workspace_id=workspace_id, user_id=user, added_by=actor))
    workspace.source_options = dict(doc.sources)
    workspace.root_causes = list(doc.root_causes) if doc.root_causes is not None else None
    _apply_account_owners(session, workspace_id=workspace_id, owners=doc.account_owners)
    added = apply_hooks(session, workspace_id=workspace_id, hooks=doc.hooks, actor=actor)
    session.add(workspace)
    session.flush()
    after = export_config(session, workspace_id=workspace_id)
    if after != before:
        add_audit_entry(
            session=session,
            workspace_id=workspace_id,
            actor=actor,
            via=via,
            action="config.import",
            target="whole configuration",
            before=before,
            after=after,
        )
    return added
