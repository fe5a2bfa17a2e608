"""Every Slack action, block and view id Loopkeeper uses, declared once."""

from enum import StrEnum


class CardAction(StrEnum):
    ACKNOWLEDGE = "loop_acknowledge"
    TAKE_OWNERSHIP = "loop_take_ownership"
    ASSIGN = "loop_assign"
    SNOOZE = "loop_snooze"
    RESOLVE = "loop_resolve"
    MOVE = "loop_move"
    REOPEN = "loop_reopen"
    ELEVATE = "loop_elevate"
    CUSTOMER_TOLD = "loop_customer_told"
    JOIN = "loop_join"


class ThemeAction(StrEnum):
    ACCEPT = "theme_accept"
    PLAN_FIX = "theme_plan_fix"
    SHIP = "theme_ship"
    DECLINE = "theme_decline"
    MERGE = "theme_merge"
    VERIFY = "theme_verify"


class ThemeBlock(StrEnum):
    ACTIONS = "theme_actions"
    STATUS = "theme_status"


class DeliveryAction(StrEnum):
    RETRY = "delivery_retry"


class ModalId(StrEnum):
    RESOLVE = "loop_resolve_modal"
    MOVE = "loop_move_modal"
    SNOOZE = "loop_snooze_modal"
    ELEVATE = "loop_elevate_modal"
    PLAN_FIX = "theme_plan_fix_modal"
    DECLINE = "theme_decline_modal"
    MERGE = "theme_merge_modal"


class ModalField(StrEnum):
    OUTCOME = "outcome"
    CONTACT = "contact_method"
    NOTE = "note"
    TEAM = "team"
    REASON = "reason"
    UNTIL = "until"
    ROOT_CAUSE = "root_cause"
    ELEVATE = "elevate"
    THEME = "theme"
    NEW_THEME = "new_theme"
    OWNER_TEAM = "owner_team"
    IMPACT = "impact"
    FIX_DUE = "fix_due"
    MERGE_INTO = "merge_into"


SNOOZE_CHOICES = {
    "1h": "1 hour",
    "4h": "4 hours",
    "tomorrow": "Until tomorrow 09:00",
    "1w": "1 week",
    "custom": "Until…",
}


class CardBlock(StrEnum):
    ACTIONS = "loop_actions"
    STATUS = "loop_status"
    THEME = "loop_theme"
    BILLING = "loop_billing"
    RECOVERY = "loop_recovery"
    SIMILAR = "loop_similar"


class SpikeAction(StrEnum):
    ELEVATE = "spike_elevate"


# Posts carry this Slack message metadata so a card can be recognised later
# (e.g. to avoid posting it twice after a crash).
CARD_METADATA_EVENT = "loopkeeper_card"
MESSAGE_METADATA_EVENT = "loopkeeper_message"
