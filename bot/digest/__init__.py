"""Team-lead digests: what is open, what is at risk, and whether closing loops pays off."""
