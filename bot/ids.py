"""Every Slack action, block and view id Loopkeeper uses, declared once."""

from enum import StrEnum


class CardAction(StrEnum):
    ACKNOWLEDGE = "loop_acknowledge"
    TAKE_OWNERSHIP = "loop_take_ownership"
    RESOLVE = "loop_resolve"


class CardBlock(StrEnum):
    ACTIONS = "loop_actions"
    STATUS = "loop_status"


# Posts carry this Slack message metadata so a card can be recognised later
# (e.g. to avoid posting it twice after a crash).
CARD_METADATA_EVENT = "loopkeeper_card"
