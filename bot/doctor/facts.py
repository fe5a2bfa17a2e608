"""What the doctor looks at, gathered without changing anything.

Slack is asked with no database session open, and the database is read in short read-only sessions, so
a slow Slack never holds up a writer (the rule the /loops runner keeps). Each part is gathered on its own:
a database that cannot be read still lets the Slack checks run, and the other way round.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.delivery.slack_directory import ChannelStatus, SlackDirectory, TokenGrant
from bot.doctor.manifest import MANIFEST, bot_scopes
from bot.errors import ConfigError, SlackUnavailable
from bot.intake.sources import all_sources
from bot.leader import leader_lock_held
from bot.settings import Settings, database_problem
from models.db import READ_ONLY, latest_migration, new_session, pending_migrations
from models.intake_channel import list_intake_channels
from models.outbox import PENDING, outbox_summary, parked_reasons
from models.team import team_channels
from models.workspace import workspace_channel_and_sources

GENERIC = "generic"


@dataclass(frozen=True)
class ChannelUse:
    """A channel the bot must be in, and what for (``team billing``, ``default channel``, ``intake``)."""

    channel_id: str
    role: str


@dataclass(frozen=True)
class Scopes:
    required: frozenset[str] = frozenset()
    problem: str | None = None  # the manifest could not be read


@dataclass(frozen=True)
class Configuration:
    """What the workspace's configuration asks of the install."""

    team_channels: tuple[ChannelUse, ...] = ()
    intake_channels: tuple[ChannelUse, ...] = ()
    sources_with_options: frozenset[str] = frozenset()
    problem: str | None = None


@dataclass(frozen=True)
class Secret:
    """A webhook source's signing secret: why it must be set (None: the source is not in use), whether the
    setting is given at all, and whether it holds a usable secret (not empty, not a placeholder)."""

    source: str
    setting: str
    why: str | None
    given: bool
    usable: bool


@dataclass(frozen=True)
class Schema:
    pending: tuple[str, ...] = ()
    latest: str = ""
    problem: str | None = None


@dataclass(frozen=True)
class Outbox:
    parked: Mapping[str, int] = field(default_factory=dict)  # parked items by the error that parked them
    pending: int = 0
    problem: str | None = None


@dataclass(frozen=True)
class Leader:
    """Whether the scheduler has a leader: PostgreSQL's lock table says; on SQLite, the running process."""

    backend: str
    lock_held: bool | None = None  # PostgreSQL: some process holds the leader lock
    scheduler: str | None = None  # SQLite: what the running `loopkeeper run` says of its scheduler (None: silent)
    asked: str = ""  # where that was asked
    problem: str | None = None


@dataclass(frozen=True)
class Install:
    """Everything the checks judge."""

    token: TokenGrant
    scopes: Scopes
    configuration: Configuration
    channels: Mapping[str, ChannelStatus]
    secrets: tuple[Secret, ...]
    schema: Schema
    outbox: Outbox
    leader: Leader


def gather(
    *,
    engine: Engine,
    slack: SlackDirectory,
    settings: Settings,
    workspace_id: str | None,
    scheduler: Callable[[], str | None],
    asked: str,
    manifest: Path = MANIFEST,
) -> Install:
    """Look at the install. ``scheduler`` says what the running app reports of its scheduler (None: no
    answer), asked only on SQLite, where no lock shows a leader; ``asked`` names where it is asked."""
    token = _token(slack)
    workspace = workspace_id or token.team_id or None
    configuration = _configuration(engine, settings, workspace)
    channels: dict[str, ChannelStatus] = {}
    if token.error is None:
        channels = _channels(slack, configuration.team_channels + configuration.intake_channels)
    return Install(
        token=token,
        scopes=_scopes(manifest),
        configuration=configuration,
        channels=channels,
        secrets=_secrets(settings, configuration.sources_with_options),
        schema=_schema(engine),
        outbox=_outbox(engine),
        leader=_leader(engine, scheduler, asked),
    )


def _token(slack: SlackDirectory) -> TokenGrant:
    try:
        return slack.token_grant()
    except SlackUnavailable:
        return TokenGrant(error="no_answer")


def _scopes(manifest: Path) -> Scopes:
    try:
        return Scopes(required=bot_scopes(manifest))
    except ConfigError as exc:
        return Scopes(problem=str(exc))


def _channels(slack: SlackDirectory, uses: tuple[ChannelUse, ...]) -> dict[str, ChannelStatus]:
    """Each channel's status: one users.conversations listing, then conversations.info only for the channels
    it did not list (so a healthy install with many teams stays far below Slack's per-method rate limits)."""
    wanted = sorted({use.channel_id for use in uses})
    if not wanted:
        return {}
    try:
        joined = slack.channels_joined() or {}
    except SlackUnavailable:
        joined = {}
    statuses = {}
    for channel_id in wanted:
        if channel_id in joined:
            statuses[channel_id] = ChannelStatus(channel_id, name=joined[channel_id], is_member=True)
            continue
        try:
            statuses[channel_id] = slack.channel_status(channel_id)
        except SlackUnavailable:
            statuses[channel_id] = ChannelStatus(channel_id, error="no_answer")
    return statuses


def _configuration(engine: Engine, settings: Settings, workspace_id: str | None) -> Configuration:
    if workspace_id is None:
        return Configuration(problem="not read: which workspace this is follows from the token")
    try:
        with new_session(engine, read_only=True) as session:
            # Column by column: a schema one migration behind the code is what this may be asked to look at.
            default, sources = workspace_channel_and_sources(session=session, workspace_id=workspace_id)
            teams = team_channels(session=session, workspace_id=workspace_id)
            intake = list_intake_channels(session=session, workspace_id=workspace_id)
    except SQLAlchemyError as exc:
        return Configuration(problem=_problem(engine, exc))
    uses = [ChannelUse(channel, f"team {name}") for name, channel in teams]
    default = default or settings.default_channel
    if default:
        uses.append(ChannelUse(default, "default channel"))
    return Configuration(
        team_channels=tuple(uses),
        intake_channels=tuple(
            ChannelUse(c.channel_id, f"intake, {c.source}" if c.source else "intake") for c in intake
        ),
        sources_with_options=frozenset(sources),
    )


BILLING_SECRETS = (("stripe", "LOOPKEEPER_WEBHOOK_SECRET_STRIPE"), ("accounts", "LOOPKEEPER_WEBHOOK_SECRET_ACCOUNTS"))


def _secrets(settings: Settings, sources_with_options: frozenset[str]) -> tuple[Secret, ...]:
    """A source is in use when it is the generic webhook (always), when its secret setting is given at all
    (even as a placeholder), or when the configuration has options for it (e.g. Typeform field mappings).
    A source named only by an intake channel is not: those alerts come through Slack, not its webhook."""
    secrets = []
    for name, source in all_sources().items():
        setting = source.secret_setting
        given = bool(settings.webhook_secret) if name == GENERIC else setting in settings.source_secrets
        if name == GENERIC:
            why: str | None = "the generic webhook is always on"
        elif given:
            why = "its setting is given"
        elif name in sources_with_options:
            why = f"{name} has options in the configuration"
        else:
            why = None
        secrets.append(Secret(name, setting, why, given, settings.secret(setting) is not None))
    # Billing's endpoints (/webhooks/stripe, /webhooks/accounts) are in use once their setting is given.
    for name, setting in BILLING_SECRETS:
        given = setting in settings.source_secrets
        why = "its setting is given" if given else None
        secrets.append(Secret(name, setting, why, given, settings.secret(setting) is not None))
    return tuple(secrets)


def _schema(engine: Engine) -> Schema:
    try:
        # Read-only: on SQLite a plain connection would queue for the write lock behind this process's writers.
        looking = engine.execution_options(**{READ_ONLY: True})
        return Schema(pending=tuple(pending_migrations(looking)), latest=latest_migration())
    except SQLAlchemyError as exc:
        return Schema(problem=_problem(engine, exc))


def _outbox(engine: Engine) -> Outbox:
    try:
        with new_session(engine, read_only=True) as session:
            return Outbox(
                parked=parked_reasons(session=session), pending=outbox_summary(session=session).get(PENDING, 0)
            )
    except SQLAlchemyError as exc:
        return Outbox(problem=_problem(engine, exc))


def _leader(engine: Engine, scheduler: Callable[[], str | None], asked: str) -> Leader:
    backend = engine.dialect.name
    if backend != "postgresql":
        return Leader(backend, scheduler=scheduler(), asked=asked)
    try:
        return Leader(backend, lock_held=leader_lock_held(engine))
    except SQLAlchemyError as exc:
        return Leader(backend, problem=_problem(engine, exc))


def _problem(engine: Engine, exc: SQLAlchemyError) -> str:
    """The database error in one line, the password hidden."""
    return database_problem(engine.url.render_as_string(hide_password=True), exc)
