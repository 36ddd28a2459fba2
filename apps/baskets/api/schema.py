"""OpenAPI description of the kernel's session authentication.

drf-spectacular describes DRF's SessionAuthentication but not its subclasses, so without this
it warns about `mallbots.web.authentication.SessionAuthentication` on every view and
`spectacular --fail-on-warn` fails. It belongs in mallbots.web; until it is there, this
extension (imported by views.py) describes it as drf-spectacular describes the parent."""

from __future__ import annotations

from drf_spectacular.authentication import SessionScheme


class BasketsSessionScheme(SessionScheme):
    target_class = "mallbots.web.authentication.SessionAuthentication"
