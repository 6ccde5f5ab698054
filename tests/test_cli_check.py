"""``dupfind check`` and ``dupfind index`` end to end: exit codes, the exact GitHub workflow
commands, JSON and NDJSON, --update, and one-line errors for unusable indexes."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from articles import article, copy_of, write
from dupfind.pipeline import compare

ORIGINALS = {f"story-{n}.txt": article(900 + n) for n in range(10)}
COPY_NAME = "copy, 100%: final.txt"  # a comma, a colon and a percent sign to escape


@pytest.fixture
def site(tmp_path, monkeypatch, run_cli):
    """A published folder indexed at the default place, and a folder of new items."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "published", ORIGINALS)
    result = run_cli("index", "add", "published")
    assert result.code == 0, result.stderr
    assert "10 added" in result.stdout
    return tmp_path


def _new(site, texts: dict[str, str]) -> str:
    write(site / "new", texts)
    return "new"


def test_index_add_creates_the_default_index_and_is_idempotent(site, run_cli):
    assert (site / ".dupfind" / "index.db").is_file()
    again = run_cli("index", "add", "published")
    assert again.code == 0 and "0 added, 0 replaced, 10 unchanged" in again.stdout
    stats = run_cli("index", "stats", "--format", "json").json()
    assert stats["schema"] == "dupfind.index_stats" and stats["documents"] == 10
    assert stats["size_bytes"] > 0 and stats["bytes_per_document"] > 0
    assert stats["parameters"]["bands"] == 28 and stats["parameters"]["shingle_size"] == 5
    assert "documents" in run_cli("index", "stats").stdout


def test_exit_codes_clean_duplicates_allowed_and_errors(site, run_cli):
    clean = _new(site, {"fresh.txt": article(1)})
    assert run_cli("check", clean, "-f", "json").code == 0
    (site / "new" / "copy.txt").write_text(copy_of(ORIGINALS["story-3.txt"], 5))
    assert run_cli("check", "new", "-f", "json").code == 1
    assert run_cli("check", "new", "-f", "json", "--max-duplicates", "1").code == 0
    assert run_cli("check", "missing-folder").code == 2
    assert run_cli("check", "new", "--max-duplicates", "-1").code == 2


def test_github_lines_for_a_known_match(site, run_cli):
    copy = copy_of(ORIGINALS["story-4.txt"], 6)
    _new(site, {COPY_NAME: copy, "fresh.txt": article(2)})
    result = run_cli("check", "new", "--format", "github")
    assert result.code == 1
    scores, is_copy = compare(ORIGINALS["story-4.txt"], copy)
    assert is_copy
    expected = (
        "::error file=new/copy%2C 100%25%3A final.txt,"
        "title=dupfind%3A duplicate of story-4.txt::"
        f"copy, 100%25: final.txt repeats story-4.txt "
        f"(jaccard {scores.jaccard:.2f}, containment {scores.containment:.2f})"
    )
    assert result.stdout.splitlines() == [
        expected,
        "dupfind: 1 duplicate document(s) (max 0) among 2 checked against 10 indexed: failing",
    ]
    allowed = run_cli("check", "new", "--format", "github", "--max-duplicates", "1")
    assert allowed.code == 0
    assert allowed.stdout.splitlines()[0] == expected.replace("::error ", "::warning ", 1)


def test_github_names_copies_within_the_batch(site, run_cli):
    wire = article(3)
    _new(site, {"a-wire.txt": wire, "b-outlet.txt": copy_of(wire, 1)})
    lines = run_cli("check", "new", "-f", "github").stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("::error file=new/")
    assert ", another new document (jaccard" in lines[0]


def test_json_and_ndjson(site, run_cli):
    _new(site, {"copy.txt": copy_of(ORIGINALS["story-1.txt"], 2), "fresh.txt": article(4)})
    document = run_cli("check", "new", "-f", "json").json()
    assert document["schema"] == "dupfind.check" and document["schema_version"] == 1
    assert document["passed"] is False and document["updated"] is None
    assert document["parameters"]["max_duplicates"] == 0
    assert document["index"]["documents"] == 10
    stats = document["stats"]
    assert (stats["documents"], stats["checked"], stats["duplicate_documents"]) == (2, 2, 1)
    [match] = document["matches"]
    assert match["new"]["id"] == "copy.txt" and match["matched"]["id"] == "story-1.txt"
    assert match["where"] == "index" and match["failing"] is True
    assert 0 < match["scores"]["jaccard"] <= match["scores"]["containment"] <= 1
    assert match["alignment"]["summary"]["shared"]["passages"] > 0  # the indexed file is read
    assert "passages" not in match["alignment"]
    assert (
        "passages"
        in run_cli("check", "new", "-f", "json", "--diff").json()["matches"][0]["alignment"]
    )
    assert (
        "alignment" not in run_cli("check", "new", "-f", "json", "--no-diff").json()["matches"][0]
    )
    lines = [
        json.loads(line) for line in run_cli("check", "new", "-f", "ndjson").stdout.splitlines()
    ]
    assert [line["type"] for line in lines] == ["match", "summary"]
    assert lines[1]["stats"] == stats
    first = run_cli("check", "new", "-f", "json").stdout
    assert first == run_cli("check", "new", "-f", "json").stdout  # deterministic


def test_rich_output_shows_scores_and_passages(site, run_cli):
    _new(site, {"copy.txt": copy_of(ORIGINALS["story-2.txt"], 3)})
    result = run_cli("check", "new", "--color", "never")
    assert result.code == 1
    assert "copy.txt · repeats 1 document" in result.stdout
    assert "story-2.txt" in result.stdout and "indexed" in result.stdout
    assert "shared paragraph" in result.stdout or "shared (" in result.stdout
    os.remove(site / "published" / "story-2.txt")  # the indexed text is gone: scores remain
    gone = run_cli("check", "new", "--color", "never")
    assert "text not available" in gone.stdout and gone.code == 1


def test_update_adds_after_a_clean_check_and_always_when_asked(site, run_cli):
    _new(site, {"fresh.txt": article(5)})
    result = run_cli("check", "new", "--update", "-f", "json")
    assert result.code == 0 and result.json()["updated"]["added"] == 1
    assert run_cli("index", "stats", "-f", "json").json()["documents"] == 11
    (site / "new" / "copy.txt").write_text(copy_of(ORIGINALS["story-5.txt"], 9))
    failing = run_cli("check", "new", "--update")
    assert failing.code == 1
    assert run_cli("index", "stats", "-f", "json").json()["documents"] == 11  # not added
    forced = run_cli("check", "new", "--update=always", "-f", "json")
    assert forced.code == 1 and forced.json()["updated"]["added"] == 1
    assert run_cli("index", "stats", "-f", "json").json()["documents"] == 12
    # Once indexed, the copy is an unchanged document, not a new duplicate.
    assert run_cli("check", "new").code == 0
    assert run_cli("check", "new", "--update=sometimes").code == 2


def test_check_without_an_index_checks_the_batch_and_creates_one_on_update(
    tmp_path, monkeypatch, run_cli
):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "new", {"one.txt": article(6), "two.txt": article(7)})
    result = run_cli("check", "new", "--index", "ci/index.db")
    assert result.code == 0 and "no index yet" in result.stderr
    assert not (tmp_path / "ci").exists()
    assert run_cli("check", "new", "--index", "ci/index.db", "--update", "-q").code == 0
    assert (tmp_path / "ci" / "index.db").is_file()


def test_remove(site, run_cli):
    result = run_cli("index", "remove", "story-1.txt", "story-99.txt")
    assert result.code == 0 and "1 removed; 9 documents" in result.stdout
    assert "story-99.txt: not in the index" in result.stderr
    _new(site, {"copy.txt": copy_of(ORIGINALS["story-1.txt"], 2)})
    assert run_cli("check", "new").code == 0  # its original is no longer indexed


@pytest.mark.parametrize("command", [["check", "new"], ["index", "add", "new"], ["index", "stats"]])
def test_a_file_that_is_not_an_index_is_refused_untouched(site, run_cli, command):
    _new(site, {"fresh.txt": article(8)})
    path = site / "bogus.db"
    path.write_bytes(np.random.default_rng(3).bytes(4096))
    before = path.read_bytes()
    result = run_cli(*command, "--index", "bogus.db")
    assert result.code == 2
    assert (
        result.stderr == "dupfind: error: bogus.db: not a dupfind index (not an SQLite database)\n"
    )
    assert path.read_bytes() == before


def test_other_index_parameters_are_refused(site, run_cli):
    _new(site, {"fresh.txt": article(8)})
    result = run_cli("check", "new", "--shingle-size", "4")
    assert result.code == 2
    assert "index parameters differ: shingle-size 4 (index has 5)" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert run_cli("index", "add", "new", "--num-perm", "64").code == 2
    assert run_cli("check", "new", "--shingle-size", "5", "--seed", "1").code == 0
    assert run_cli("index", "stats", "--index", "absent.db").code == 2


def test_a_staged_file_is_not_a_copy_of_its_own_indexed_version(site, run_cli):
    # A pre-commit hook passes file paths: the id is then "published/story-6.txt", while
    # 'index add published' stored "story-6.txt" for the same file.
    edited = ORIGINALS["story-6.txt"].replace("\n\n", "\n\nAn added line for the record.\n\n", 1)
    (site / "published" / "story-6.txt").write_text(edited)
    assert run_cli("check", "published/story-6.txt").code == 0
    assert run_cli("check", "published/story-7.txt").code == 0  # unchanged, other id
