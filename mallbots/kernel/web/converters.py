"""Path parameters that are ids: `<uuid_str:id>` matches a UUID only (anything else is no such
path: 404) and hands the view its canonical lowercase string, as ids are stored."""

from __future__ import annotations

import uuid

from django.urls import register_converter


class UuidStringConverter:
    regex = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

    def to_python(self, value: str) -> str:
        return str(uuid.UUID(value))

    def to_url(self, value: object) -> str:
        return str(value)


register_converter(UuidStringConverter, "uuid_str")
