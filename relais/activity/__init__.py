"""Activity data told once (issue 15, item 1): stays, absences, daily presence, declared figures, accounts."""
