"""The impact chart as an outbox row: queued with a digest or for a person, drawn and uploaded when sent.

The row names what to draw (team, period); the delivery worker calls ``chart_upload`` when it sends it, so the
chart shows the figures of that moment, and uploads the PNG with files_upload_v2, retried like any other write.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.delivery.outbox import IMPACT_CHART, enqueue_file_upload
from bot.impact.figures import build_report
from bot.impact.periods import Window
from models.outbox import OutboxItem
from models.team import Team, get_team


def queue_chart(
    session: Session,
    *,
    workspace_id: str,
    channel_id: str,
    team: Team | None,
    window: Window,
    ordering_key: str,
    comment: str,
    thread_of: OutboxItem | None = None,
) -> OutboxItem:
    """Queue the chart for ``channel_id`` (a user id: their DM); with ``thread_of``, in the thread of that post."""
    if thread_of is not None:
        session.flush()  # its id is what the chart's row points at
    spec = {
        "team_id": team.id if team else None,
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "label": window.label,
    }
    payload = {"_impact": spec, "_thread_of": thread_of.id if thread_of else None, "initial_comment": comment}
    return enqueue_file_upload(
        session,
        workspace_id=workspace_id,
        channel_id=channel_id,
        ordering_key=ordering_key,
        kind=IMPACT_CHART,
        payload=payload,
    )


def chart_upload(session: Session, item: OutboxItem, now: datetime) -> dict | None:
    """The PNG and its name and title as the report stands now; None when there is nothing to draw."""
    spec = item.payload.get("_impact") or {}
    team = get_team(session=session, team_id=spec.get("team_id")) if spec.get("team_id") else None
    window = Window(datetime.fromisoformat(spec["start"]), datetime.fromisoformat(spec["end"]), spec["label"])
    report = build_report(
        session,
        workspace_id=item.workspace_id,
        team=team,
        window=window,
        now=now,
        tz_name=team.timezone if team else "UTC",
    )
    if report is None or not report.counted:
        return None
    from bot.impact.chart import draw  # matplotlib on first use: a process that never draws keeps 60 MiB

    upload = {
        "content": draw(report),
        # The outbox id in the name lets a retry find the file in the channel if an earlier attempt shared it.
        "filename": f"loopkeeper-impact-{item.id}.png",
        "title": f"Impact — {report.scope}, {window.label}",
    }
    parent_id = item.payload.get("_thread_of")
    parent = session.get(OutboxItem, parent_id) if isinstance(parent_id, int) else None
    if parent is not None and parent.result.get("ts"):
        upload["thread_ts"] = parent.result["ts"]
    return upload


RENDERERS = {IMPACT_CHART: chart_upload}
