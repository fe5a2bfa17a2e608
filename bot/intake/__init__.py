"""Intake: turning what a source sends into validated feedback, and storing it."""
