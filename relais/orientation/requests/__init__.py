"""Admission requests (person × ESMS site) and their SI-SDO workflow: the statuses by name, the pure state machine, the
unit-level statuses, the transition log, sending and status changes, the persons merge hook.
"""
