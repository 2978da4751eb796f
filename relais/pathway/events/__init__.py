"""A person's events: their kinds, who follows them (subscriptions), emitting and notifying them, the daily overdue-
task tick.
"""
