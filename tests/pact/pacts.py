"""HTTP consumer-driven contracts with Pact, between the API (the provider `mallbots-api`) and
two of its clients: busywork's simulated customers and bot operator, and a kiosk.

pact-python's `pact.v3` drives the Pact core (Rust, in the wheel as a compiled library): the
mock server of the consumer tests and the verifier of the provider test run in this process,
with no broker, no Ruby and no download. Each consumer module declares every interaction it
has with the API as a function `declare(pact)`; its tests serve one interaction at a time and
exercise the consumer's own code against it, and one test checks that the committed pact file
(docs/pacts/<consumer>-mallbots-api.json) is exactly what all of them declare. The provider
test (test_provider.py) replays those files against a live server.

A value the provider must choose (the id of a basket, of an order) comes from the interaction's
provider state: `from_state("${basketId}", BASKET)` is BASKET in the consumer test and, at
verification, what the state's setup answered (Pact's provider-state injection)."""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    # pact.v3 warns on import that its API may still change; the version is pinned.
    warnings.simplefilter("ignore", ImportWarning)
    from pact.v3 import Pact, Verifier, generate, match
    from pact.v3.match.matcher import GenericMatcher

__all__ = ["PACTS", "PROVIDER", "Pact", "Verifier", "from_state", "match", "pact_file"]

ROOT = Path(__file__).resolve().parents[2]
PACTS = ROOT / "docs" / "pacts"
PROVIDER = "mallbots-api"
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
STATE_VALUE = re.compile(r"\$\{\w+\}")
# `MALLBOTS_WRITE_PACTS=1 make test ARGS="tests/pact -k committed"` writes the files anew.
WRITE = os.environ.get("MALLBOTS_WRITE_PACTS") == "1"

Declare = Callable[[Pact], Any]


def pact_file(consumer: str) -> Path:
    return PACTS / f"{consumer}-{PROVIDER}.json"


def from_state(expression: str, example: str) -> Any:
    """`example` for the consumer (which must send `expression` with a UUID for every `${name}`);
    at verification, `expression` with the values the provider state answered."""
    pattern = "^" + UUID.join(re.escape(part) for part in STATE_VALUE.split(expression)) + "$"
    assert re.match(pattern, example), f"{example!r} is no example of {expression!r}"
    return GenericMatcher("regex", example, regex=pattern, generator=generate.provider_state(expression))


def new_pact(consumer: str) -> Pact:
    return Pact(consumer, PROVIDER).with_specification("V4")


@contextmanager
def serving(consumer: str, declare: Declare) -> Iterator[str]:
    """The URL of a Pact mock server that expects exactly this interaction. Leaving the block
    fails (MismatchesError) when the consumer sent anything else, or not this request."""
    pact = new_pact(consumer)
    declare(pact)
    with pact.serve(raises=True) as server:
        yield str(server.url).rstrip("/")


def normalized(document: dict[str, Any]) -> dict[str, Any]:
    """The pact with its interactions in a stable order, so its file diffs well."""
    interactions = sorted(document["interactions"], key=lambda i: i["description"])
    return {**document, "interactions": interactions}


def declared(consumer: str, declarations: Iterable[Declare], directory: Path) -> dict[str, Any]:
    """The pact file that these interactions make."""
    pact = new_pact(consumer)
    for declare in declarations:
        declare(pact)
    pact.write_file(directory, overwrite=True)
    return normalized(json.loads((directory / pact_file(consumer).name).read_text()))


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def check_committed(consumer: str, declarations: Iterable[Declare], directory: Path) -> None:
    made = declared(consumer, declarations, directory)
    path = pact_file(consumer)
    if WRITE:
        path.write_text(dumps(made))
    committed = json.loads(path.read_text()) if path.exists() else None
    assert committed == made, (
        f"{path.relative_to(ROOT)} is not what the {consumer} consumer tests declare: "
        'MALLBOTS_WRITE_PACTS=1 make test ARGS="tests/pact -k committed" writes it again'
    )
