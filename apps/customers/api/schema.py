"""OpenAPI description of the kernel's session authentication.

drf-spectacular describes DRF's own SessionAuthentication but not subclasses of it, so it
warns about `mallbots.web.authentication.SessionAuthentication` on every view (and
`spectacular --fail-on-warn` fails). This belongs in mallbots.web; until it is there, this
extension (loaded by views.py) describes it the way drf-spectacular describes the parent."""

from __future__ import annotations

from drf_spectacular.authentication import SessionScheme


class KernelSessionScheme(SessionScheme):
    target_class = "mallbots.web.authentication.SessionAuthentication"
