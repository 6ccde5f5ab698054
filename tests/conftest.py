"""Shared fixtures: the samples folder and a runner for the CLI in-process."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from dupfind.cli import main

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run ``dupfind ARGS`` in-process and capture its exit code, stdout and stderr."""

    def run(*args: str, stdin: str | None = None) -> Run:
        if stdin is not None:
            import io

            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def expected_sample_clusters() -> list[list[str]]:
    """The clusters samples/README.md promises, from its ``expected-clusters`` block."""
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```json expected-clusters\n(.*?)```", readme, re.S)
    assert block, "samples/README.md lacks its expected-clusters block"
    return json.loads(block.group(1))
