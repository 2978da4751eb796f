"""Multi-professional meetings (réunions de concertation) around a person's care circle (decision 0046)."""
