"""The web screens of the coordination record: forms, views of the record, circle, plan and subscriptions, and their
shared plumbing.
"""
