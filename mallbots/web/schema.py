"""OpenAPI descriptions drf-spectacular needs for the kernel's own classes."""

from __future__ import annotations

from drf_spectacular.authentication import SessionScheme


class KernelSessionScheme(SessionScheme):
    # drf-spectacular matches DRF's SessionAuthentication exactly, not subclasses such as ours.
    target_class = "mallbots.web.authentication.SessionAuthentication"
