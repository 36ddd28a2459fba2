"""Event store kernel app: append-only events with optimistic concurrency, snapshots,
upcasting on load, domain-event dispatch and rebuildable projections.

Import the public API from `mallbots.kernel.eventstore.api` (this package's __init__ stays free of
model imports so it can be listed in INSTALLED_APPS)."""
