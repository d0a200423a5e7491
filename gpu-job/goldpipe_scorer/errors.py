class JobInputError(Exception):
    """Something the user or the launcher must fix: a missing shard, an unreadable model, a bad option."""
