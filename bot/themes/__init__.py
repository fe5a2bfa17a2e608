"""The outer loop: causes the frontline cannot fix, elevated to the team that can, fixed once, customers told."""
