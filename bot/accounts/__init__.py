"""Account outcomes from billing (churn, renewal, expansion, contraction) that feedback loops are joined to."""
