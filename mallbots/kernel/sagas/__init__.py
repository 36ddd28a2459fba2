"""A saga orchestrator: a small generic engine that runs a workflow across contexts by sending
commands and handling their replies, persisting each saga instance (see engine.py)."""
