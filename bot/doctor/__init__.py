"""The install doctor: checks the live install (Slack token and scopes, channels, secrets, schema, scheduler,
outbox) and says what to fix. ``facts`` gathers what it looks at; ``checks`` judges and renders, purely."""
