"""HTTP kernel: error mapping, correlation ids, health checks, API docs."""
