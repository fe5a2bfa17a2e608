"""Insight from resolved loops: which earlier loops said nearly the same thing, and when detractors spike."""
