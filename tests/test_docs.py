"""The documentation cites only what exists: every repository path in the READMEs, docs/*.md and
the decision records (in inline code, from the root or the document's folder, or a link) is a
file or folder of the repository, every
test it names (`tests/x/test_y.py::test_name`) is defined in that file, and every decision
record has the template's parts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent
TOP = (
    "apps",
    "mallbots",
    "tests",
    "docs",
    "deploy",
    "docker",
    "scripts",
    "requirements",
    "static",
    "templates",
)
ROOT_FILES = ("README.md", "Makefile", "pyproject.toml", "manage.py", ".importlinter", ".env.example")

FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INLINE = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\]\(([^)\s]+)\)")
CITED = re.compile(
    rf"(?<![\w./-])((?:{'|'.join(TOP)})/[\w./-]*|{'|'.join(re.escape(name) for name in ROOT_FILES)})"
    r"(?:::(\w+))?"
)
PLACEHOLDER = re.compile(r"[<>*{}…]|\.\.\.")
ADR = re.compile(r"\d{4}-[a-z0-9-]+\.md")
ADR_PARTS = ("## Context", "## Decision", "## Consequences")


def documents() -> list[Path]:
    found = [
        ROOT / "README.md",
        *ROOT.glob("docs/**/*.md"),
        *ROOT.glob("apps/*/README.md"),
        *ROOT.glob("mallbots/**/README.md"),
    ]
    return sorted(path for path in found if ".venv" not in path.parts)


def citations(text: str) -> list[tuple[str, str | None]]:
    """(path, test name or None) of every repository path cited in inline code, outside fenced
    blocks (those hold commands and examples, not references)."""
    prose = FENCE.sub("", text)
    cited = []
    for span in INLINE.findall(prose):
        if PLACEHOLDER.search(span):
            continue  # a pattern (`apps/*/contracts.py`, `tests/<context>/`), not a path
        for path, test in CITED.findall(span):
            cited.append((path.rstrip("./"), test or None))
    return cited


def links(text: str) -> list[str]:
    """The relative targets of the Markdown links outside fenced blocks, without their anchors."""
    targets = []
    for target in LINK.findall(FENCE.sub("", text)):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # another site, or a place on this page
        targets.append(target.split("#")[0])
    return targets


def defines(test_file: Path, name: str) -> bool:
    return re.search(rf"^(?:async )?def {re.escape(name)}\(", test_file.read_text(), re.MULTILINE) is not None


def problems(document: Path, text: str, root: Path = ROOT) -> list[str]:
    found = []
    for path, test in citations(text):
        # From the repository's root, or from the document's folder (an app's README).
        where = next((base / path for base in (root, document.parent) if (base / path).exists()), None)
        if where is None:
            found.append(f"{path} does not exist")
        elif test is not None and not defines(where, test):
            found.append(f"{path} defines no {test}")
    for target in links(text):
        if not (document.parent / target).resolve().exists():
            found.append(f"the link {target} leads nowhere")
    return found


def adr_problems(text: str) -> list[str]:
    found = [f"no {part}" for part in ADR_PARTS if not re.search(rf"^{part}$", text, re.MULTILINE)]
    if not re.search(r"^- Status: (proposed|accepted|deprecated|superseded by \S+)$", text, re.MULTILINE):
        found.append("no Status")
    if not re.search(r"^- Date: \d{4}-\d{2}-\d{2}$", text, re.MULTILINE):
        found.append("no Date")
    return found


@pytest.mark.parametrize("document", documents(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_path_and_test_a_document_cites_exists(document):
    assert problems(document, document.read_text()) == []


DECISIONS = sorted((ROOT / "docs" / "adr").glob("[0-9][0-9][0-9][0-9]-*.md"))


@pytest.mark.parametrize("record", DECISIONS, ids=lambda path: path.name)
def test_every_decision_record_has_the_templates_parts(record):
    text = record.read_text()
    assert ADR.fullmatch(record.name)
    assert text.startswith(f"# {record.name[:4]}. ")
    assert adr_problems(text) == []


def test_the_decision_log_lists_every_record():
    index = (ROOT / "docs" / "adr" / "README.md").read_text()
    listed = set(re.findall(r"\]\((\d{4}-[a-z0-9-]+\.md)\)", index))
    assert listed == {record.name for record in DECISIONS}  # the template too


def test_a_missing_file_a_missing_test_and_a_dead_link_are_found(tmp_path):
    # given
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_here.py").write_text("def test_present():\n    pass\n")
    document = tmp_path / "notes.md"
    text = (
        "See `tests/test_here.py::test_present`, `tests/test_here.py::test_gone`, "
        "`apps/nowhere/models.py`, `tests/<context>/` and [the map](missing.md).\n"
        "```sh\ncat apps/in/a/fenced/block.py\n```\n"
    )

    # when
    found = problems(document, text, root=tmp_path)

    # then
    assert found == [
        "tests/test_here.py defines no test_gone",
        "apps/nowhere/models.py does not exist",
        "the link missing.md leads nowhere",
    ]


def test_a_record_without_the_templates_parts_is_found():
    text = "# 0001. Something\n\n- Status: maybe\n\n## Context\n\nWhy.\n\n## Decided\n"
    assert adr_problems(text) == ["no ## Decision", "no ## Consequences", "no Status", "no Date"]
