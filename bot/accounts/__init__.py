"""Account outcomes from billing (churn, renewal, expansion, contraction), joined to feedback loops."""
