"""Matching proposals: the engine's instances read from the database, the proposals stored, accepted or refused by the
ESMS.
"""
