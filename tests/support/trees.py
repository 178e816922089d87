"""Files written for a test, below its temporary directory."""

from __future__ import annotations

from pathlib import Path


def write(root: Path, name: str, text: str) -> Path:
    """`text` at `root/name`, its folders made; the path."""
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
