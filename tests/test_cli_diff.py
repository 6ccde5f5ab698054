"""Passage diffs through the command line: `dupfind diff` and the diffs under `scan`."""

from __future__ import annotations

from itertools import pairwise

from conftest import SAMPLES

WIRE_A = SAMPLES / "meridian-wire-port-halvard-strike.txt"
TRIMMED_A = SAMPLES / "coastal-gazette-dockworkers-walkout.txt"
EDITED_A = SAMPLES / "halvard-evening-post-crane-dispute.txt"
REWRITE_A = SAMPLES / "atlas-news-agency-halvard-dock-strike.txt"


def test_diff_json_offsets_map_back_to_the_original_files(run_cli):
    document = run_cli("diff", str(WIRE_A), str(EDITED_A), "--format", "json").json()
    assert document["schema"] == "dupfind.diff"
    texts = {
        "canonical": WIRE_A.read_text(encoding="utf-8"),
        "copy": EDITED_A.read_text(encoding="utf-8"),
    }
    passages = document["alignment"]["passages"]
    kinds = {p["kind"] for p in passages}
    assert {"shared", "changed", "added", "removed"} <= kinds
    for passage in passages:
        for side in ("canonical", "copy"):
            span = passage[f"{side}_span"]
            if span is None:
                assert passage[f"{side}_text"] is None
            else:
                assert texts[side][span[0] : span[1]] == passage[f"{side}_text"]
    assert document["canonical"]["characters"] == len(texts["canonical"])


def test_diff_json_scores_and_word_level_edits(run_cli):
    document = run_cli("diff", str(WIRE_A), str(EDITED_A), "-f", "json").json()
    scores = document["scores"]
    assert scores["duplicate"] is True and 0.5 < scores["jaccard"] < scores["containment"]
    # The Evening Post writes "per cent" where the wire has "percent": a changed sentence.
    edits = [p for p in document["alignment"]["passages"] if p["kind"] == "changed"]
    diffs = [dict(map(tuple, [op[::-1] for op in p["word_diff"]])) for p in edits]
    assert any(
        ops.get(" percent") == "delete" and ops.get(" per cent") == "insert" for ops in diffs
    )


def test_diff_terminal_view_shows_trimmed_and_added_passages(run_cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    result = run_cli("diff", str(WIRE_A), str(TRIMMED_A), "--color", "never")
    assert result.code == 0
    lines = result.stdout.splitlines()
    assert any(line.startswith("+ Story continues below advertisement") for line in lines)
    # The Gazette dropped the wire's last paragraph about the 2019 strike.
    assert any(line.startswith("- The last major strike at the port") for line in lines)
    assert any("shared paragraph" in line for line in lines)
    assert "jaccard 0.51" in result.stdout and "copies under scan's default rule" in result.stdout


def test_diff_of_a_rewrite_shares_no_sentence(run_cli):
    document = run_cli("diff", str(WIRE_A), str(REWRITE_A), "-f", "json").json()
    assert document["scores"]["duplicate"] is False
    assert document["alignment"]["shared_sentences"] == 0


def test_diff_errors_are_one_line(run_cli, tmp_path):
    result = run_cli("diff", str(WIRE_A), str(tmp_path / "missing.txt"))
    assert result.code == 2 and "missing.txt" in result.stderr
    assert result.stderr.count("\n") == 1
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02")
    result = run_cli("diff", str(binary), str(WIRE_A))
    assert result.code == 2 and "blob.txt" in result.stderr


def test_scan_shows_each_copy_divergent_passages(run_cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    output = run_cli("scan", str(SAMPLES), "--color", "never").stdout
    assert f"{TRIMMED_A.name} vs {WIRE_A.name}" in output
    assert "+ Story continues below advertisement" in output
    assert "[-percent-]{+per cent+}" in output
    without = run_cli("scan", str(SAMPLES), "--color", "never", "--no-diff").stdout
    assert "Story continues below advertisement" not in without
    assert f"{TRIMMED_A.name} vs" not in without


def test_diff_context_shows_shared_passages_around_changes(run_cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    passages = run_cli("diff", str(WIRE_A), str(TRIMMED_A), "-f", "json").json()["alignment"][
        "passages"
    ]
    # A shared sentence right after a divergent one: hidden by default, shown with context 1.
    neighbour = next(
        b["copy_text"]
        for a, b in pairwise(passages)
        if a["kind"] != "shared" and b["kind"] == "shared"
    )
    bare = run_cli("diff", str(WIRE_A), str(TRIMMED_A), "--color", "never").stdout
    context = run_cli(
        "diff", str(WIRE_A), str(TRIMMED_A), "--color", "never", "--diff-context", "1"
    ).stdout
    assert neighbour not in bare and neighbour in context
    scan_bare = run_cli("scan", str(SAMPLES), "--color", "never").stdout
    scan_context = run_cli("scan", str(SAMPLES), "--color", "never", "--diff-context", "1").stdout
    assert neighbour not in scan_bare and neighbour in scan_context


def test_scan_json_carries_alignment_summaries_and_passages_on_request(run_cli):
    document = run_cli("scan", str(SAMPLES), "-f", "json").json()
    for cluster in document["clusters"]:
        canonical, *copies = cluster["members"]
        assert "alignment" not in canonical
        for member in copies:
            summary = member["alignment"]["summary"]
            assert set(summary) == {"shared", "changed", "added", "removed", "moved"}
            assert summary["shared"]["passages"] > 0
            assert "passages" not in member["alignment"]
    with_passages = run_cli("scan", str(SAMPLES), "-f", "json", "--diff").json()
    member = with_passages["clusters"][0]["members"][1]
    assert member["alignment"]["passages"][0]["kind"] in {"shared", "changed", "added", "removed"}
    plain = run_cli("scan", str(SAMPLES), "-f", "json", "--no-diff").json()
    assert not any("alignment" in m for c in plain["clusters"] for m in c["members"])


def test_rich_diff_fits_80_columns(run_cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    output = run_cli("scan", str(SAMPLES), "--color", "never").stdout
    assert max(len(line) for line in output.splitlines()) <= 80
