"""Loopkeeper: closes the loop on customer feedback, in Slack."""
