"""Learning from the workspace's own history: similar resolved loops on new cards, and detractor spike alerts."""
