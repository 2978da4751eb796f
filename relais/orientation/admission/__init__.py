"""The admission file (administrative and medical parts, one per person) and the admission into a unit under the unit's
lock.
"""
