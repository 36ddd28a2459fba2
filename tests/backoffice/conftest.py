"""The kernel tests' failed delivery factory: a dead letter on the dashboard."""

from tests.kernel.conftest import failed_delivery  # noqa: F401
