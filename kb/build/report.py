"""What a build did: one :class:`FileReport` per input file, in a :class:`BuildReport`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FileReport:
    """One input file of a build."""

    path: str
    graph: str
    format: str
    sha256: str
    status: str  # "loaded" or "unchanged"
    triples: int = 0


@dataclass
class BuildReport:
    """What a build did."""

    files: list[FileReport] = field(default_factory=list)
    records: int = 0
    triples: int = 0
    seconds: float = 0.0
    committed: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def loaded(self) -> list[FileReport]:
        return [f for f in self.files if f.status == "loaded"]
