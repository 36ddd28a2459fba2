"""End-to-end: the features in features/ driven through real HTTP against a live server
(the whole Django stack in a thread, on the test database), as a client of the API would."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token


@dataclass
class Api:
    base: str
    token: str
    session: requests.Session = field(default_factory=requests.Session)

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> requests.Response:
        return self.session.request(
            method,
            f"{self.base}/api/{path}",
            json=body,
            headers={"Authorization": f"Token {self.token}"},
            timeout=10,
        )


@dataclass
class World:
    """What a scenario remembers between steps."""

    live_server: Any
    clients: dict[str, Api] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    basket_id: str = ""
    last: requests.Response | None = None

    def client(self, role: str) -> Api:
        if role not in self.clients:
            user = User.objects.create_user(f"{role}-{time.monotonic_ns()}", password="x")
            user.groups.add(Group.objects.get(name=role))
            self.clients[role] = Api(self.live_server.url, Token.objects.create(user=user).key)
        return self.clients[role]


def pytest_bdd_apply_tag(tag: str, function: Any) -> bool | None:
    """`@both_saga_modes` runs a feature's scenarios once per way of running the create-order
    saga (the `saga_mode` fixture of tests/conftest.py)."""
    if tag == "both_saga_modes":
        pytest.mark.usefixtures("saga_mode")(function)
        return True
    return None


@pytest.fixture
def world(live_server: Any) -> World:
    return World(live_server)
