"""``dupfind eval`` end to end on a tiny invented labelled corpus."""

from __future__ import annotations

import json
from math import prod
from pathlib import Path

import pytest

from dupfind.evaluation import SWEEP_GRID

WIRE = """\
Council approves new tram line to the airport

The city council voted on Wednesday to build a tram line from the central station to the
airport, ending a debate that had lasted more than a decade. The line will be eleven kilometres
long, with nine stops, and is expected to carry about 30,000 passengers a day once it opens in
2031.

Construction will begin next spring and cost an estimated 420 million, two thirds of it paid
by the national government. Councillors who opposed the plan said buses could have done the
same job for a fraction of the price.

The transport department promised that roads would stay open during most of the works.
"""
COPY = """\
Airport tram gets the green light

The city council voted on Wednesday to build a tram line from the central station to the
airport, ending a debate that had lasted more than a decade. The line will be eleven kilometres
long, with nine stops, and is expected to carry about 30,000 passengers a day once it opens in
2031.

Construction will begin next spring and cost an estimated 420 million, two thirds of it paid
by the national government. Councillors who opposed the plan said buses could have done the
same job for a fraction of the price.
"""
# The same decision told in other words: labelled as a story of its own.
REWRITE = """\
Trams will run to the airport from 2031

After more than ten years of arguing, councillors have said yes to a light rail link between
the airport and the main station. Nine stops along eleven kilometres should serve some 30,000
riders every day when services start in 2031, according to the plans adopted on Wednesday.

The national government will cover two thirds of the 420 million bill, and building work
starts in the spring. Opponents on the council argued that extra buses would have been far
cheaper.
"""
OTHER = """\
Record crowds at the autumn flower show

More than 40,000 visitors came to the autumn flower show in the botanical gardens over the
weekend, a record for an event that began as a small gathering of rose growers in 1962. Queues
stretched past the glasshouses on Saturday morning.

The prize for the best display went to a school garden club whose pupils had grown giant
pumpkins, sunflowers and a hedge maze in their playground. Organisers said next year's show
would add a second weekend to cope with demand.
"""
TEXTS = {"wire": WIRE, "copy": COPY, "rewrite": REWRITE, "other": OTHER}


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in TEXTS.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def labels_file(tmp_path: Path, data: object, name: str = "labels.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


CORRECT = {"clusters": [["wire", "copy"], ["rewrite"], ["other"]]}
# Deliberately wrong: the rewrite labelled as the wire's copy, the copy as a story of its own.
MISLABELLED = {"clusters": [["wire", "rewrite"], ["copy"], ["other"]]}


def test_metrics_against_correct_labels(run_cli, docs: Path, tmp_path: Path) -> None:
    labels = labels_file(tmp_path, CORRECT)
    result = run_cli("eval", str(docs), "--labels", str(labels), "--format", "json")
    assert result.code == 0, result.stderr
    document = result.json()
    assert document["schema"] == "dupfind.eval"
    assert document["schema_version"] == 1
    assert document["parameters"]["jaccard_threshold"] == 0.2
    assert document["metrics"] == {
        "documents": 4,
        "true_pairs": 1,
        "predicted_pairs": 1,
        "correct_pairs": 1,
        "precision": 1.0,
        "recall": 1.0,
        "f1": 1.0,
        "ari": 1.0,
        "false_merges": 0,
        "missed_pairs": 0,
    }
    assert document["unlabelled_documents"] == 0
    assert document["errors"] == []
    assert "sweep" not in document


def test_labels_may_use_full_ids(run_cli, docs: Path, tmp_path: Path) -> None:
    full = {"clusters": [[f"{name}.txt" for name in c] for c in CORRECT["clusters"]]}
    labels = labels_file(tmp_path, full)
    result = run_cli("eval", str(docs), "-l", str(labels), "-f", "json")
    assert result.code == 0, result.stderr
    assert result.json()["metrics"]["f1"] == 1.0


def test_mislabelled_pair_is_listed_with_its_evidence(run_cli, docs: Path, tmp_path: Path) -> None:
    labels = labels_file(tmp_path, MISLABELLED)
    result = run_cli(
        "eval", str(docs), "--labels", str(labels), "--format", "json", "--show-errors"
    )
    assert result.code == 0, result.stderr
    document = result.json()
    # Gold {wire, rewrite} {copy} {other}; predicted {wire, copy}. n = 4, C(4, 2) = 6.
    # correct 0, true 1, predicted 1; expected index 1 * 1 / 6, max 1:
    # ARI = (0 - 1/6) / (1 - 1/6) = -0.2.
    metrics = document["metrics"]
    assert (metrics["precision"], metrics["recall"], metrics["f1"]) == (0.0, 0.0, 0.0)
    assert metrics["ari"] == pytest.approx(-0.2)
    assert (metrics["false_merges"], metrics["missed_pairs"]) == (1, 1)
    errors = document["errors"]
    assert [(e["kind"], e["left"], e["right"]) for e in errors] == [
        ("false_merge", "copy", "wire"),
        ("missed", "rewrite", "wire"),
    ]
    merge, missed = errors
    assert set(merge["evidence"]) == {
        "jaccard",
        "containment",
        "shared_shingles",
        "shared_sentences",
        "aligned",
        "spread",
        "coherent",
    }
    assert merge["evidence"]["aligned"] is True
    assert merge["evidence"]["shared_sentences"] >= 4
    assert merge["evidence"]["containment"] > 0.9
    assert any("tram line from the central station" in p for p in merge["shared_passages"])
    assert missed["evidence"]["shared_sentences"] == 0
    assert missed["evidence"]["jaccard"] < 0.05


def test_errors_are_listed_only_when_asked(run_cli, docs: Path, tmp_path: Path) -> None:
    labels = labels_file(tmp_path, MISLABELLED)
    result = run_cli("eval", str(docs), "--labels", str(labels), "--format", "json")
    assert result.json()["errors"] == []
    assert result.json()["metrics"]["false_merges"] == 1


def test_rich_output_shows_metrics_and_errors(run_cli, docs: Path, tmp_path: Path) -> None:
    labels = labels_file(tmp_path, MISLABELLED)
    result = run_cli("eval", str(docs), "-l", str(labels), "--show-errors", "--color", "never")
    assert result.code == 0, result.stderr
    out = result.stdout
    assert "false merge: copy ~ wire" in out
    assert "missed pair: rewrite ~ wire" in out
    assert "aligned" in out and "-0.2000" in out
    assert "pairs: labelled 1, predicted 1, correct 0" in out


def test_categories_from_the_labels_file(run_cli, docs: Path, tmp_path: Path) -> None:
    data = {**CORRECT, "categories": {"wire": "original", "copy": "cut"}}
    labels = labels_file(tmp_path, data)
    document = run_cli("eval", str(docs), "-l", str(labels), "-f", "json").json()
    assert document["categories"] == {
        "cut": {"pairs": 1, "found": 1, "recall": 1.0},
        "original": {"pairs": 1, "found": 1, "recall": 1.0},
    }


def test_unlabelled_documents_are_counted(run_cli, docs: Path, tmp_path: Path) -> None:
    labels = labels_file(tmp_path, {"clusters": [["wire", "copy"]]})
    document = run_cli("eval", str(docs), "-l", str(labels), "-f", "json").json()
    assert document["unlabelled_documents"] == 2
    assert document["metrics"]["documents"] == 2
    assert document["metrics"]["f1"] == 1.0


def test_rule_options_change_the_score(run_cli, docs: Path, tmp_path: Path) -> None:
    labels = labels_file(tmp_path, CORRECT)
    result = run_cli("eval", str(docs), "-l", str(labels), "-f", "json", "--min-words", "500")
    assert result.code == 0, result.stderr
    document = result.json()
    assert document["parameters"]["min_words"] == 500
    assert document["metrics"]["predicted_pairs"] == 0
    assert document["metrics"]["recall"] == 0.0


def test_sweep_scores_every_combination_of_the_grid(run_cli, docs: Path, tmp_path: Path) -> None:
    labels = labels_file(tmp_path, CORRECT)
    result = run_cli("eval", str(docs), "-l", str(labels), "-f", "json", "--sweep")
    assert result.code == 0, result.stderr
    document = result.json()
    rows = document["sweep"]
    assert len(rows) == prod(len(values) for values in SWEEP_GRID.values())
    for row in rows:
        assert set(SWEEP_GRID) <= set(row)
        assert {"precision", "recall", "f1", "ari"} <= set(row)
    combos = {tuple(row[name] for name in SWEEP_GRID) for row in rows}
    assert len(combos) == len(rows)
    defaults = tuple(document["parameters"][name] for name in SWEEP_GRID)
    (default_row,) = [r for r in rows if tuple(r[n] for n in SWEEP_GRID) == defaults]
    assert {k: default_row[k] for k in document["metrics"]} == document["metrics"]


def test_sweep_in_the_terminal(run_cli, docs: Path, tmp_path: Path) -> None:
    labels = labels_file(tmp_path, CORRECT)
    result = run_cli("eval", str(docs), "-l", str(labels), "--sweep", "--color", "never")
    assert result.code == 0, result.stderr
    out = result.stdout
    assert "sweep (best F1 first" in out
    (starred,) = [line for line in out.splitlines() if line.lstrip().startswith("\N{BLACK STAR}")]
    # The defaults' row: -t 0.2, -c 0.35, 2 sentences, support 0.5, and a perfect score.
    assert starred.split()[1:5] == ["0.2", "0.35", "2", "0.5"]
    assert starred.split()[5:9] == ["1.0000"] * 4


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"clusters": [["wire", "copy"], ["copy"]]}', "id 'copy' is listed twice"),
        ('{"clusters": [["wire", "copy"]', "not JSON"),
        ('{"clusters": "wire copy"}', "expected"),
    ],
)
def test_bad_labels_file_is_one_line_naming_it(
    run_cli, docs: Path, tmp_path: Path, content: str, message: str
) -> None:
    labels = tmp_path / "gold.json"
    labels.write_text(content, encoding="utf-8")
    result = run_cli("eval", str(docs), "--labels", str(labels))
    assert result.code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"dupfind: error: {labels}: ")
    assert message in lines[0]


def test_missing_labels_file(run_cli, docs: Path, tmp_path: Path) -> None:
    result = run_cli("eval", str(docs), "--labels", str(tmp_path / "absent.json"))
    assert result.code == 2
    assert result.stderr.splitlines() == [
        f"dupfind: error: {tmp_path / 'absent.json'}: No such file or directory"
    ]


def test_labels_file_not_in_utf8(run_cli, docs: Path, tmp_path: Path) -> None:
    labels = tmp_path / "gold.json"
    labels.write_bytes('{"clusters": [["caf\xe9"]]}'.encode("latin-1"))
    result = run_cli("eval", str(docs), "--labels", str(labels))
    assert result.code == 2
    assert result.stderr.splitlines() == [f"dupfind: error: {labels}: not UTF-8 text (byte 19)"]


def test_labels_option_is_required(run_cli, docs: Path) -> None:
    result = run_cli("eval", str(docs))
    assert result.code == 2
    assert "--labels" in result.stderr


def test_missing_corpus_folder(run_cli, tmp_path: Path) -> None:
    labels = labels_file(tmp_path, CORRECT)
    result = run_cli("eval", str(tmp_path / "nothing-here"), "--labels", str(labels))
    assert result.code == 2
    assert len(result.stderr.splitlines()) == 1
    assert "nothing-here" in result.stderr
