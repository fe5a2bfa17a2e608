"""Every /loops subcommand, gathered in one registry."""

from __future__ import annotations

from bot.admin import (
    access,
    accounts,
    deliveries,
    digests,
    doctor,
    general,
    hooks,
    impact,
    loops,
    playbooks,
    privacy,
    routes,
    similar,
    teams,
    themes,
)
from bot.admin.registry import CommandRegistry


def build_registry() -> CommandRegistry:
    return CommandRegistry(
        [
            *general.SUBCOMMANDS,
            *loops.SUBCOMMANDS,
            *similar.SUBCOMMANDS,
            *teams.SUBCOMMANDS,
            *routes.SUBCOMMANDS,
            *playbooks.SUBCOMMANDS,
            *digests.SUBCOMMANDS,
            *deliveries.SUBCOMMANDS,
            *doctor.SUBCOMMANDS,
            *access.SUBCOMMANDS,
            *themes.SUBCOMMANDS,
            *accounts.SUBCOMMANDS,
            *impact.SUBCOMMANDS,
            *hooks.SUBCOMMANDS,
            *privacy.SUBCOMMANDS,
        ]
    )
