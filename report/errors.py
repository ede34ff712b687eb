"""Errors the monitor reports to its users (not programming errors)."""


class MonitorError(Exception):
    """An error in the user's input or environment, with a message that says what to fix."""
