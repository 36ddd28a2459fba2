"""Development settings: the default of manage.py, `make run` and the test suite."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, TOOL_APPS, env

DEBUG = env.bool("DEBUG", default=True)
if env.bool("MALLBOTS_TOOLS", default=True):
    INSTALLED_APPS = [*INSTALLED_APPS, *TOOL_APPS]
