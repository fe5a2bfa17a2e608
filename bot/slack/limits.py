"""Slack's limits on what we send, declared once (https://api.slack.com/reference/block-kit)."""

HEADER_TEXT = 150  # a header block's plain text
SECTION_TEXT = 3000  # a section's text, a context element's text
SECTION_FIELD = 2000  # each of a section's fields
MESSAGE_BLOCKS = 50
MODAL_BLOCKS = 100
SELECT_OPTIONS = 100  # options in a static select
OPTION_TEXT = 75  # an option's label
OPTION_VALUE = 150  # an option's value
MODAL_TITLE = 24
MODAL_ERROR = 150  # shown under a field by response_action "errors" (longer is cut)
MESSAGE_TEXT = 40_000  # a message's text; a command's ephemeral answer too
