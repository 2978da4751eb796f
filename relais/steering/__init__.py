"""Steering (issue 15): the ANAP performance dashboard computed from activity, peers, campaigns, exports."""
