class BackupError(Exception):
    """A backup cannot be written, or a backup is missing, incomplete, altered or incompatible; the message says which
    file and why, in French (it is shown to the operator as is)."""
