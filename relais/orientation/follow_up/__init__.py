"""The daily automatic follow-up (orientation_tick): admitted elsewhere, reminders, decision expiry."""
