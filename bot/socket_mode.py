"""Socket Mode: Slack's events, clicks and commands over an outbound WebSocket, for apps with no public URL.

Bolt's handler and slack_sdk's builtin client do the work; this module sets how fast a dropped link is
noticed and turns an ack lost in a reconnect into one warning line. Only the composition root uses it.
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackClientNotConnectedError
from slack_sdk.socket_mode.builtin.client import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

log = logging.getLogger(__name__)

# The builtin client notices that Slack ended a link (a close frame, a reset) only at its next state
# check, every ping_interval seconds; Bolt's default of 10 left us deaf for up to 10 s. A check a second
# reconnects within about a second (half a second on average), costs one ping frame a second, and still
# gives a slow pong about 4 s before the client calls the link stale and opens a new one. A constant, not
# a setting: no operator has a reason to trade reconnect time for fewer pings.
PING_INTERVAL_SECONDS = 1.0


class _AckReportedByHandler(logging.Filter):
    """Drops the client's own warning about a message it could not send: the handler reports that ack.

    The client only ever sends acks, so its warning and ours would be two lines for one lost ack, and
    only ours says which envelope it was and what happens to it next.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.WARNING and "Failed to send a message" in record.getMessage())


_ACK_REPORTED_BY_HANDLER = _AckReportedByHandler()


class _Handler(SocketModeHandler):
    """Bolt's handler, except that an ack the client could not send is a warning, not a traceback."""

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        try:
            super().handle(client, req)
        except SlackClientNotConnectedError:
            # The link went away between the envelope and its ack (Slack refreshed or closed it). The work
            # is done and committed; Slack sends an event again, and its event id makes that a no-op.
            log.warning(
                "Socket Mode: the ack of %s envelope %s was lost while reconnecting; %s",
                req.type,
                req.envelope_id,
                "Slack will deliver it again and it is processed once"
                if req.type == "events_api"
                else "it was handled, but Slack may tell the person the app did not respond",
            )


def connect(app: App, app_token: str) -> SocketModeHandler:
    """Open the Socket Mode link for ``app`` (it reconnects by itself); ``close()`` the result to stop."""
    client_log = log.getChild("client")  # slack_sdk's client logs here: connects, reconnects, errors
    client_log.addFilter(_ACK_REPORTED_BY_HANDLER)  # once, however many apps connect
    handler = _Handler(app, app_token, logger=client_log, ping_interval=PING_INTERVAL_SECONDS)
    handler.connect()
    return handler
