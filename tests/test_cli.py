"""The command line end to end: clusters on samples/, JSON contract, exit codes, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import SAMPLES, expected_sample_clusters

WIRE_A = "meridian-wire-port-halvard-strike.txt"
COPY_A = "coastal-gazette-dockworkers-walkout.txt"
REWRITE_A = "atlas-news-agency-halvard-dock-strike.txt"


def _clusters(document: dict) -> list[list[str]]:
    return sorted(sorted(m["id"] for m in c["members"]) for c in document["clusters"])


def test_scan_finds_exactly_the_sample_clusters(run_cli):
    result = run_cli("scan", str(SAMPLES), "--format", "json")
    assert result.code == 0, result.stderr
    assert _clusters(result.json()) == sorted(expected_sample_clusters())


def test_json_carries_schema_parameters_stats_and_scores(run_cli):
    document = run_cli("scan", str(SAMPLES), "-f", "json").json()
    assert document["schema"] == "dupfind.scan"
    assert document["schema_version"] == 1
    parameters = document["parameters"]
    assert parameters["shingle_size"] == 5
    assert parameters["bands"] * parameters["rows"] <= parameters["num_perm"]
    stats = document["stats"]
    documents = sum(1 for p in SAMPLES.iterdir() if p.suffix in {".txt", ".md"})
    assert stats["documents"] == documents
    assert stats["clusters"] == len(document["clusters"]) == len(expected_sample_clusters())
    assert stats["duplicate_documents"] == sum(c["size"] - 1 for c in document["clusters"])
    assert "seconds" not in stats
    for cluster in document["clusters"]:
        canonical = [m for m in cluster["members"] if m["canonical"]]
        assert len(canonical) == 1 and cluster["members"][0] is canonical[0]
        assert cluster["canonical"] == canonical[0]["id"]
        for member in cluster["members"][1:]:
            assert 0 < member["jaccard"] <= member["containment"] <= 1
            assert member["shared_shingles"] > 0
            assert Path(member["path"]).is_file()
            assert member["title"]


def test_json_is_byte_identical_across_runs(run_cli):
    first = run_cli("scan", str(SAMPLES), "-f", "json").stdout
    second = run_cli("scan", str(SAMPLES), "-f", "json").stdout
    assert first == second
    assert "seconds" in run_cli("scan", str(SAMPLES), "-f", "json", "--timings").json()["stats"]


def test_ndjson_is_one_object_per_line_ending_with_summary(run_cli):
    lines = run_cli("scan", str(SAMPLES), "--format", "ndjson").stdout.splitlines()
    objects = [json.loads(line) for line in lines]
    assert [o["type"] for o in objects] == ["cluster"] * (len(objects) - 1) + ["summary"]
    assert objects[-1]["stats"]["clusters"] == len(objects) - 1


def test_rich_output_names_clusters_members_and_summary(run_cli):
    result = run_cli("scan", str(SAMPLES), "--color", "never")
    assert result.code == 0
    assert "cluster 1" in result.stdout and WIRE_A in result.stdout
    assert "2 clusters" in result.stdout and "\x1b[" not in result.stdout
    assert result.stderr == ""


def test_fail_on_duplicates_exit_codes(run_cli, tmp_path):
    assert run_cli("scan", str(SAMPLES), "--fail-on-duplicates", "-f", "json").code == 1
    (tmp_path / "one.txt").write_text((SAMPLES / WIRE_A).read_text(encoding="utf-8"))
    (tmp_path / "two.txt").write_text((SAMPLES / REWRITE_A).read_text(encoding="utf-8"))
    assert run_cli("scan", str(tmp_path), "--fail-on-duplicates").code == 0


def test_a_rewrite_of_the_same_event_is_not_a_copy(run_cli):
    document = run_cli("scan", str(SAMPLES), "-f", "json").json()
    clustered = {m["id"] for c in document["clusters"] for m in c["members"]}
    assert COPY_A in clustered and REWRITE_A not in clustered


def test_missing_path_is_a_one_line_error(run_cli, tmp_path):
    missing = tmp_path / "nowhere"
    result = run_cli("scan", str(missing))
    assert result.code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and str(missing) in result.stderr
    assert "Traceback" not in result.stderr


def test_empty_folder_is_an_error(run_cli, tmp_path):
    result = run_cli("scan", str(tmp_path))
    assert result.code == 2
    assert result.stderr.startswith("dupfind: error: no readable documents")


def test_undecodable_file_is_read_with_a_warning(run_cli, tmp_path):
    (tmp_path / "latin.txt").write_bytes("Le café était fermé à Noël.\n".encode("cp1252"))
    (tmp_path / "plain.txt").write_text("Another short article.\n")
    result = run_cli("scan", str(tmp_path), "-f", "json")
    assert result.code == 0
    assert result.json()["stats"]["documents"] == 2
    assert "latin.txt" in result.stderr and "warning" in result.stderr
    assert result.stdout.startswith("{")  # warnings never reach stdout


def test_unreadable_file_is_skipped_or_fatal_with_strict(run_cli, tmp_path):
    (tmp_path / "good.txt").write_text("A readable article about harbour cranes.\n")
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01binary\x00")
    result = run_cli("scan", str(tmp_path), "-f", "json")
    assert result.code == 0
    assert result.json()["stats"]["skipped"] == 1
    assert "bad.txt" in result.stderr
    strict = run_cli("scan", str(tmp_path), "--strict")
    assert strict.code == 2 and "bad.txt" in strict.stderr


def test_quiet_silences_warnings(run_cli, tmp_path):
    (tmp_path / "good.txt").write_text("A readable article.\n")
    (tmp_path / "bad.txt").write_bytes(b"\x00\x00")
    assert run_cli("scan", str(tmp_path), "-q", "-f", "json").stderr == ""


def test_paths_from_stdin(run_cli):
    listed = "\n".join(str(SAMPLES / name) for name in (WIRE_A, COPY_A, REWRITE_A)) + "\n"
    document = run_cli("scan", "-", "-f", "json", stdin=listed).json()
    assert document["stats"]["documents"] == 3
    assert len(document["clusters"]) == 1 and document["clusters"][0]["size"] == 2


def test_usage_errors_exit_2_without_traceback(run_cli):
    for args in (["scan", "--no-such-option", "x"], ["scan", str(SAMPLES), "-t", "7"], ["bogus"]):
        result = run_cli(*args)
        assert result.code == 2, args
        assert result.stderr.startswith("dupfind: error: ")
        assert "Traceback" not in result.stderr


def test_python_dash_m_entry_point_and_exit_code():
    completed = subprocess.run(
        [sys.executable, "-m", "dupfind", "scan", str(SAMPLES), "--fail-on-duplicates", "-q"],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )
    assert completed.returncode == 1
    assert "cluster 1" in completed.stdout


def test_inputs_are_never_modified(run_cli):
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in SAMPLES.iterdir()}
    run_cli("scan", str(SAMPLES), "-f", "json")
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in SAMPLES.iterdir()}
    assert before == after
