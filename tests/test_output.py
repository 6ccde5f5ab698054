"""Tests for the JSON report written a cluster at a time."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest

from articles import article, copy_of, write
from dupfind import scan
from dupfind.diffs import align_cluster
from dupfind.documents import Problem
from dupfind.output import json_chunks, result_to_dict, to_json
from dupfind.pipeline import Member, ScanResult


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    texts = {f"story{n}.txt": article(n) for n in range(4)}
    texts |= {
        f"copy{n}.txt": copy_of(texts["story0.txt"], n, furniture="Ad: «sale»") for n in (1, 2)
    }
    texts |= {"copy3.txt": copy_of(texts["story1.txt"], 3)}
    folder = write(tmp_path_factory.mktemp("news"), texts)
    found = scan([str(folder)])
    assert len(found.clusters) == 2  # the fixture must exercise several clusters
    return found


def expected(result: ScanResult, **options: object) -> str:
    return json.dumps(result_to_dict(result, **options), ensure_ascii=False, indent=2)


def read_text(member: Member) -> str:
    return Path(member.path).read_text(encoding="utf-8")


def test_chunks_join_to_the_whole_document_serialized_at_once(result: ScanResult) -> None:
    assert to_json(result) == expected(result)
    assert len(list(json_chunks(result))) == 2 + len(result.clusters)


def test_with_alignments_timings_and_problems(result: ScanResult) -> None:
    with_problem = replace(result, problems=[Problem("bad.txt", "not UTF-8", fatal=True)])
    aligner = partial(align_cluster, load_text=read_text)
    options = {"aligner": aligner, "passages": True, "timings": True}
    assert to_json(with_problem, **options) == expected(with_problem, **options)
    assert "alignment" in json.loads(to_json(with_problem, **options))["clusters"][0]["members"][1]


def test_no_clusters(result: ScanResult) -> None:
    empty = replace(result, clusters=[])
    assert to_json(empty) == expected(empty)
    assert json.loads(to_json(empty))["clusters"] == []
