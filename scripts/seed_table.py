"""Write the README's table of the seed's conflicts from what ``kb conflicts --format json`` gives.

    python scripts/seed_table.py          # build the seed in a temporary store, rewrite the table
    python scripts/seed_table.py --check  # exit 1 if the README's table is not the output's

The table sits between the README's ``<!-- seed-conflicts -->`` and ``<!-- /seed-conflicts -->``
markers; tests/test_findings.py checks that it is up to date.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kb import KnowledgeBase  # noqa: E402  (the checkout's kb, wherever this is run from)

README = REPO / "README.md"
START, END = "<!-- seed-conflicts -->", "<!-- /seed-conflicts -->"
CLIP = 70


def _quote(text: str) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return f'"{text if len(text) <= CLIP else text[:CLIP] + "…"}"'


def render(findings: list[dict]) -> str:
    """The markdown table of findings in their JSON form (``Conflict.to_dict()``)."""
    rows = ["| kind | challenge | claim | documented event | who documents it | score |",
            "|---|---|---|---|---|---|"]
    rows += [f"| {f['kind']} | {f['challenge']} | {_quote(f['quote'])} | `{f['documented_event']}` | "
             f"{f['independence']} | {f['score']:.2f} |" for f in findings]
    return "\n".join(rows)


def seed_findings() -> list[dict]:
    """The seed's findings, built in a temporary store."""
    with tempfile.TemporaryDirectory() as tmp:
        kb = KnowledgeBase(Path(tmp) / "store")
        kb.build()
        return [c.to_dict() for c in kb.conflicts()]


def replace_table(readme: str, table: str) -> str:
    """The README with the text between the markers replaced by ``table``."""
    head, rest = readme.split(START, 1)
    _old, tail = rest.split(END, 1)
    return f"{head}{START}\n{table}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="only check that the README is up to date")
    args = ap.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    new = replace_table(text, render(seed_findings()))
    if args.check:
        return 0 if new == text else 1
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
