"""The officers' case review workspace (blueprint ``review``, under /staff/reports)."""
