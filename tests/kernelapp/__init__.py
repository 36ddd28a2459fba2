"""A small bounded context that exists only in the test suite, to exercise the kernel:
an event-sourced Ledger, a projection, integration events and handlers of every kind."""
