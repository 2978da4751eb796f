"""The coordination record and its care circle: the record, members and their grounds of access, consents, objections,
and their writes.
"""
