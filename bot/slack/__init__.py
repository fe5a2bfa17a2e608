"""Slack's own shapes and limits: what its ids look like and how much it takes."""
