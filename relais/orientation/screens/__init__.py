"""The orientation-side web screens: forms, views and routes of persons and sending, the ESMS waiting list, matching,
the territory's view, and its SVG charts.
"""
