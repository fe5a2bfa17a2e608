"""The impact report: whether closing loops moved the business (churn, ARR, recovery), with its chart."""
