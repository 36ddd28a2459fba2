"""Benchmarks of the kernel (`python manage.py benchmark kernel`).

The app is inert until the benchmark runs: its aggregate, projection, receiver and
subscription are wired by the command itself, so nothing of it is active in a normal process.
Its only table is the read model of the benchmark's projection, empty outside a run."""
