"""Customer data: erasure at the customer's request, retention, masking."""
