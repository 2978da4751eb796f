"""The pure-Python core of steering: data items, indicator definitions, peers' statistics (no Django, no database)."""
