"""Tables and keyword-only queries. Importing this package registers every table."""

from models.account import Account, AccountEvent, BillingReceipt, BillingSubscription
from models.admin import Admin, AuditEntry
from models.base import UTCDateTime, utcnow
from models.delivery_notice import DeliveryNotice
from models.digest_run import DigestRun
from models.feedback import Feedback
from models.hook import Hook
from models.intake_channel import IntakeChannel
from models.loop import Loop, LoopEvent, Reminder
from models.outbox import OutboxItem
from models.people import LoopCollaborator, OwnerAlert, OwnerDigestRun
from models.playbook import PlaybookRecord
from models.slack_event import ProcessedSlackEvent
from models.spike import SpikeAlert, SpikeState
from models.team import Route, Team
from models.theme import Theme, ThemeLink
from models.workspace import Workspace

__all__ = [
    "Account",
    "AccountEvent",
    "Admin",
    "AuditEntry",
    "BillingReceipt",
    "BillingSubscription",
    "DeliveryNotice",
    "DigestRun",
    "Feedback",
    "Hook",
    "IntakeChannel",
    "Loop",
    "LoopCollaborator",
    "LoopEvent",
    "OutboxItem",
    "OwnerAlert",
    "OwnerDigestRun",
    "PlaybookRecord",
    "ProcessedSlackEvent",
    "Reminder",
    "Route",
    "SpikeAlert",
    "SpikeState",
    "Team",
    "Theme",
    "ThemeLink",
    "UTCDateTime",
    "Workspace",
    "utcnow",
]
