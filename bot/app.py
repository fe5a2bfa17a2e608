"""The composition root: settings in, a running Loopkeeper (Bolt app, HTTP app, workers) out."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.error import URLError

from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette

from bot.admin.runner import CommandRunner
from bot.after_ack import AfterAck
from bot.context import AppContext
from bot.delivery.outbox import CARD, CARD_UPDATE, HOOK_EVENT, HOOK_POST, OWNER_ALERT, OWNER_ALERT_UPDATE, THREAD_REPLY
from bot.delivery.rate_limits import RateLimiter
from bot.delivery.slack_directory import WebDirectory
from bot.delivery.worker import DeliveryWorker
from bot.digest.owners import send_due_owner_digests
from bot.digest.schedule import send_due_digests
from bot.errors import ConfigError
from bot.hooks.retention import clear_delivered_events
from bot.hooks.sending import HookSender, render_hook_event
from bot.impact import chart_upload
from bot.intake.owner_alerts import owner_alert_message, record_owner_alert
from bot.leader import Leadership
from bot.learning import spike_alert
from bot.learning.card_section import with_similar_loops
from bot.learning.refresher import IndexRefresher
from bot.learning.similar_loops import SimilarLoops
from bot.learning.spike_check import check_spikes
from bot.loops import rendering as loop_rendering
from bot.loops.reminders import check_reminders
from bot.metrics import Metrics
from bot.privacy.retention import apply_retention
from bot.privacy.slack_messages import note_posted
from bot.settings import Settings, database_problem
from bot.themes import rendering as theme_rendering
from handlers import billing, health, register_all, slack_http, webhooks
from handlers.errors import http_unexpected
from models.base import utcnow
from models.db import make_engine, pending_migrations, transaction, upgrade
from models.slack_event import prune_slack_events

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

log = logging.getLogger(__name__)
# What the delivery worker renders when it sends, and records once a post lands, by outbox kind.
RENDERERS = {
    **loop_rendering.RENDERERS,
    **theme_rendering.RENDERERS,
    **chart_upload.RENDERERS,
    **spike_alert.RENDERERS,
    OWNER_ALERT: owner_alert_message,
    OWNER_ALERT_UPDATE: owner_alert_message,
    HOOK_EVENT: render_hook_event,
}
ON_POSTED = {
    **loop_rendering.ON_POSTED,
    **theme_rendering.ON_POSTED,
    **spike_alert.ON_POSTED,
    OWNER_ALERT: record_owner_alert,
    THREAD_REPLY: note_posted,  # a note that landed after its customer was forgotten is edited at once
}
# Slack retries an event for about an hour; ids older than a day can go.
EVENT_ID_RETENTION = timedelta(days=1)


def prepare_database(settings: Settings) -> None:
    """Apply pending migrations on SQLite; on PostgreSQL insist they were applied deliberately.

    A database that cannot be opened stops here with one line naming it and why (ConfigError).
    """
    try:
        engine = make_engine(settings.database_url)
        try:
            pending = pending_migrations(engine)
        finally:
            engine.dispose()
        if pending and engine.dialect.name == "sqlite":
            upgrade(settings.database_url)
            return
    except (SQLAlchemyError, OSError) as exc:
        raise ConfigError(database_problem(settings.database_url, exc)) from None
    if not pending:
        return
    raise ConfigError(
        f"the database schema is behind ({len(pending)} pending migration(s)); "
        "run `loopkeeper db upgrade` once before starting the replicas"
    )


def slack_client(settings: Settings) -> WebClient:
    timeout = math.ceil(settings.slack_timeout_seconds)  # WebClient takes whole seconds
    return WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=timeout)


class Loopkeeper:
    """One running instance: call ``start_workers()`` and serve ``asgi``; ``stop()`` to shut down."""

    def __init__(self, settings: Settings, *, clock: Callable[[], datetime] = utcnow):
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        identity = _who_am_i(slack_client(settings))
        self.metrics = Metrics()
        # This process's index of resolved loops (each replica keeps its own), refreshed on its own thread.
        self.similar_loops = SimilarLoops(self.engine, workspace_id=identity["team_id"])
        self.index_refresher = IndexRefresher(self.similar_loops, every_seconds=settings.similar_refresh_seconds)
        renderers = {kind: with_similar_loops(RENDERERS[kind], self.similar_loops) for kind in (CARD, CARD_UPDATE)}
        self.worker = DeliveryWorker(
            self.engine,
            slack_client(settings),
            clock=clock,
            poll_seconds=settings.delivery_poll_seconds,
            limiter=RateLimiter(post_per_second=settings.post_per_second, post_burst=settings.post_burst),
            concurrency=settings.delivery_concurrency,
            admins=settings.admins,
            lease=timedelta(seconds=settings.delivery_lease_seconds),
            metrics=self.metrics,
            renderers={**RENDERERS, **renderers},
            on_posted=ON_POSTED,
            senders={HOOK_POST: HookSender(timeout=settings.hook_timeout_seconds)},
        )
        self.after_ack = AfterAck()
        directory = WebDirectory(slack_client(settings))
        commands = CommandRunner(
            engine=self.engine,
            directory=directory,
            settings=settings,
            workers=self.worker_status,  # asked only when a command runs, after the scheduler exists
            similar_loops=self.similar_loops,
        )
        self.ctx = AppContext(
            settings=settings,
            engine=self.engine,
            workspace_id=identity["team_id"],
            commands=commands,
            directory=directory,
            bot_user_id=identity.get("user_id"),
            bot_id=identity.get("bot_id"),
            clock=clock,
            on_outbox_write=self._written,
            metrics=self.metrics,
            after_ack=self.after_ack,
        )
        self.bolt = App(
            signing_secret=settings.slack_signing_secret,
            client=slack_client(settings),
            token_verification_enabled=False,  # _who_am_i already checked the token
            # Listeners only touch the database (Slack writes go through the outbox; modals and answers
            # go out after the ack), well within Slack's 3 seconds; answering after they commit means a
            # failed event gets Slack's retry.
            process_before_response=True,
        )
        register_all(self.bolt, self.ctx)
        self.scheduler = BackgroundScheduler(timezone=UTC)
        self._schedule_jobs(settings)
        self.leadership = Leadership(self.engine, self.scheduler.start, poll_seconds=settings.leader_poll_seconds)
        self.asgi = Starlette(
            exception_handlers={Exception: http_unexpected},
            routes=[
                *billing.routes(self.ctx),  # before webhooks': /webhooks/{source} would take them
                *webhooks.routes(self.ctx),
                *slack_http.routes(self.bolt, self.metrics, signing_secret=settings.slack_signing_secret),
                *health.routes(self.ctx, self.worker_status),
            ],
        )
        self._socket_mode: SocketModeHandler | None = None

    @property
    def workspace_id(self) -> str:
        return self.ctx.workspace_id

    def worker_status(self) -> dict[str, str]:
        status = {
            "delivery": "running" if self.worker.running else "stopped",
            "scheduler": "running"
            if self.scheduler.running
            else ("standby (another process leads)" if self.engine.dialect.name == "postgresql" else "stopped"),
        }
        if self.worker.last_error:
            status["delivery"] = f"failing ({self.worker.last_error})"
        if self.settings.slack_app_token:
            status["socket_mode"] = "connected" if self._socket_mode is not None else "stopped"
        return status

    def _written(self) -> None:
        """A transaction of this process wrote to the outbox (a card, a resolution…): send it, and let the
        similar-loop index catch up now rather than at its next tick."""
        self.worker.wake()
        self.index_refresher.wake()

    def start_workers(self) -> None:
        self.worker.start()
        self.index_refresher.start()
        self.leadership.start()  # starts the scheduler in the one process that leads
        if self.settings.slack_app_token:
            from bot import socket_mode

            self._socket_mode = socket_mode.connect(self.bolt, self.settings.slack_app_token)

    def stop(self) -> None:
        if self._socket_mode is not None:
            self._socket_mode.close()
            self._socket_mode = None
        self.leadership.stop()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self.ctx.intake_writes is not None:
            self.ctx.intake_writes.stop()  # what was accepted is stored before the engine goes
        self.worker.stop()
        self.index_refresher.stop()
        self.after_ack.stop()
        self.engine.dispose()

    def _send_due_digests(self) -> None:
        sent = send_due_digests(self.engine, now=self.ctx.clock())
        sent += send_due_owner_digests(self.engine, now=self.ctx.clock())
        if sent:
            self.worker.wake()
            log.info("queued %d digest(s)", sent)

    def _schedule_jobs(self, settings: Settings) -> None:
        """The leader's periodic jobs (the scheduler starts only in the process that holds the leadership)."""

        def every(job: Callable[[], None], job_id: str, *, at_start: bool = False, **interval: int) -> None:
            start = {"next_run_time": datetime.now(UTC)} if at_start else {}
            self.scheduler.add_job(
                job, "interval", id=job_id, coalesce=True, max_instances=1, replace_existing=True, **interval, **start
            )

        every(self._prune_events, "prune-slack-events", hours=1)
        # Delivered hook events leave the outbox their hook, type and id, not what they said (bot/hooks/retention).
        every(self._clear_delivered_events, "clear-delivered-hook-events", minutes=10)
        # At start-up too, so loops that breached while the bot was down are reminded (once) right away.
        every(self._check_reminders, "sla-reminders", seconds=60, at_start=True)
        # Digests: checked every minute against each team's stored schedule (changes apply without a restart);
        # the first check at start-up sends, once and marked late, a digest missed while the bot was down.
        every(self._send_due_digests, "digests", seconds=60, at_start=True)
        if settings.retention_days is not None:
            # Daily, and at start-up: what passed the retention period while the bot was down goes at once.
            every(self._apply_retention, "customer-data-retention", hours=24, at_start=True)
        # Spike alerts: the last 24 h against the 28 days before, every hour (the first an hour after start-up,
        # so a restart never doubles a check; alert states in the database make each spike alert once anyway).
        every(self._check_spikes, "spike-alerts", hours=1)

    def _check_reminders(self) -> None:
        sent = check_reminders(self.engine, now=self.ctx.clock())
        if sent:
            self.worker.wake()
            log.info("queued %d SLA reminder(s)", sent)

    def _clear_delivered_events(self) -> None:
        cleared = clear_delivered_events(self.engine, now=self.ctx.clock())
        if cleared:
            log.info("cleared %d delivered hook event(s) from the outbox", cleared)

    def _apply_retention(self) -> None:
        assert self.settings.retention_days is not None
        if apply_retention(self.engine, days=self.settings.retention_days, now=self.ctx.clock()):
            self.worker.wake()

    def _check_spikes(self) -> None:
        if check_spikes(self.engine, now=self.ctx.clock()):
            self.worker.wake()

    def _prune_events(self) -> None:
        with transaction(self.engine) as session:
            removed = prune_slack_events(session=session, older_than=self.ctx.clock() - EVENT_ID_RETENTION)
        log.info("pruned %d processed Slack event ids", removed)


def _who_am_i(client: WebClient) -> dict:
    """auth.test: which workspace and bot user our token belongs to; a clear error if it is refused."""
    try:
        data = client.auth_test().data
        return data if isinstance(data, dict) else {}
    except SlackApiError as exc:
        raise ConfigError(
            f"Slack refused SLACK_BOT_TOKEN ({exc.response.get('error')}); "
            "check the token in .env and that the app is installed"
        ) from None
    except (URLError, OSError) as exc:
        raise ConfigError(
            f"cannot reach Slack's Web API at {client.base_url} ({type(exc).__name__}); "
            "check SLACK_API_URL and the network"
        ) from None
