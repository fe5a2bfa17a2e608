"""Running a /loops subcommand: Slack is asked first, then one transaction the runner owns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy.engine import Engine

from bot.admin.catalog import build_registry
from bot.admin.registry import Answer, CommandRegistry, Invocation, Preparation, Subcommand, channel_arg, tokenize
from bot.delivery.slack_directory import SlackDirectory
from bot.errors import CommandError, NotAuthorized
from bot.learning.similar_loops import SimilarLoops
from bot.settings import Settings
from models.admin import get_admin
from models.db import new_session, transaction


class CommandRunner:
    """Parses the words, asks Slack what the subcommand needs, then runs it in one transaction.

    The order matters: Slack can take seconds to answer, and on SQLite an open write
    transaction holds every other writer (webhooks, clicks, deliveries) back. So admin status,
    channel membership and whatever the subcommand's ``prepare`` gathers are asked before the
    transaction opens; the subcommand itself never calls Slack. The transaction commits when the
    subcommand returns and rolls back when it raises, so a refused command changes nothing.
    """

    def __init__(
        self,
        *,
        engine: Engine,
        directory: SlackDirectory,
        settings: Settings,
        workers: Callable[[], Mapping[str, str]] = dict,
        registry: CommandRegistry | None = None,
        similar_loops: SimilarLoops | None = None,
    ):
        self.engine = engine
        self.directory = directory
        self.settings = settings
        self.workers = workers
        self.env_admins = settings.admins
        self.default_channel = settings.default_channel
        self.registry = registry or build_registry()
        self.similar_loops = similar_loops

    def run(self, *, workspace_id: str, user_id: str, channel_id: str, text: str, via: str, now: datetime) -> Answer:
        """The subcommand's answer; raises CommandError (with an example) or NotAuthorized, changing nothing."""
        subcommand, args = self.registry.resolve(tokenize(text) or ["help"])
        _check_arity(subcommand, args)
        is_admin = False
        if subcommand.admin or subcommand.asks_admin:
            is_admin = self.is_admin(workspace_id=workspace_id, user_id=user_id)
        if subcommand.admin and not is_admin:
            raise NotAuthorized(
                f"only Loopkeeper admins can run `/loops {subcommand.name}`. "
                "`/loops admin list` shows who they are; any of them can add you."
            )
        self._check_channel(subcommand, args)
        prepared = None
        if subcommand.prepare is not None:
            prepared = subcommand.prepare(
                Preparation(
                    engine=self.engine,
                    slack=self.directory,
                    settings=self.settings,
                    workers=self.workers,
                    similar_loops=self.similar_loops,
                    workspace_id=workspace_id,
                    user_id=user_id,
                    args=args,
                    now=now,
                )
            )
        opened: Callable = transaction if subcommand.writes else (lambda e: new_session(e, read_only=True))
        with opened(self.engine) as session:
            invocation = Invocation(
                session=session,
                workspace_id=workspace_id,
                user_id=user_id,
                channel_id=channel_id,
                args=args,
                now=now,
                env_admins=self.env_admins,
                default_channel=self.default_channel,
                via=via,
                is_admin=is_admin,
                registry=self.registry,
                prepared=prepared,
            )
            return subcommand.run(invocation)

    def is_admin(self, *, workspace_id: str, user_id: str) -> bool:
        """LOOPKEEPER_ADMINS, admins added with `admin add`, and Slack workspace admins/owners (asked last)."""
        if user_id in self.env_admins:
            return True
        with new_session(self.engine, read_only=True) as session:
            if get_admin(session=session, workspace_id=workspace_id, user_id=user_id) is not None:
                return True
        return self.directory.is_workspace_admin(user_id)

    def _check_channel(self, subcommand: Subcommand, args: tuple[str, ...]) -> None:
        """The bot must be able to post in a channel the subcommand is given (joining a public one)."""
        if subcommand.channel_arg is None or len(args) <= subcommand.channel_arg:
            return
        channel = channel_arg(args[subcommand.channel_arg], example=subcommand.example)
        problem = self.directory.channel_problem(channel)
        if problem:
            raise CommandError(problem, example=subcommand.example)


def _check_arity(subcommand: Subcommand, args: tuple[str, ...]) -> None:
    """Words a subcommand does not take are refused, never dropped (``route remove 1 OR 1=1`` removes nothing)."""
    most = subcommand.max_args
    if most is not None and len(args) > most:
        extra = " ".join(args[most:])
        raise CommandError(
            f"`/loops {subcommand.name}` takes {most or 'no'} word{'' if most == 1 else 's'} after it "
            f"(`{subcommand.usage}`); I do not understand `{extra[:80]}`",
            example=subcommand.example,
        )
