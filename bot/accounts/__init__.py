"""Billing outcomes of accounts behind the loops: who churned, and whether closing loops made a difference."""
