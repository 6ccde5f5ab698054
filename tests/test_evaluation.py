"""Tests for scoring clusterings against gold labels (dupfind eval)."""

from __future__ import annotations

import json
from dataclasses import replace
from math import prod
from pathlib import Path

import pytest

from dupfind import Document, ScanOptions
from dupfind.evaluation import (
    SWEEP_GRID,
    LabelsError,
    Metrics,
    category_recall,
    error_pairs,
    evaluate,
    load_labels,
    match_ids,
    pairwise_metrics,
    predicted_label_clusters,
    run_sweep,
    sweep_grid,
)
from dupfind.pipeline import EvidenceCache, decide, prepare

# --- The hand-computed example ------------------------------------------------------------------
#
# Gold {a,b,c} {d,e} {f}; predicted {a,b} {c,d,e} {f}. n = 6 documents.
#
# Contingency table n_ij (gold rows, predicted columns):
#
#                 P1={a,b}  P2={c,d,e}  P3={f} | a_i
#   G1={a,b,c}        2          1         0   |  3
#   G2={d,e}          0          2         0   |  2
#   G3={f}            0          0         1   |  1
#   ----------------------------------------------
#   b_j               2          3         1   |  6
#
# correct pairs   = sum C(n_ij, 2) = C(2,2) + C(2,2)        = 1 + 1 = 2   ({a,b}, {d,e})
# true pairs      = sum C(a_i, 2)  = C(3,2) + C(2,2)        = 3 + 1 = 4
# predicted pairs = sum C(b_j, 2)  = C(2,2) + C(3,2)        = 1 + 3 = 4
# precision = 2/4 = 0.5, recall = 2/4 = 0.5, F1 = 2 * 0.5 * 0.5 / (0.5 + 0.5) = 0.5
#
# ARI (Hubert & Arabie): (index - expected) / (max - expected) with
#   index    = 2
#   expected = true pairs * predicted pairs / C(n, 2) = 4 * 4 / 15 = 16/15
#   max      = (true pairs + predicted pairs) / 2     = 4
#   ARI      = (2 - 16/15) / (4 - 16/15) = (14/15) / (44/15) = 14/44 = 7/22 ~ 0.318

GOLD = {"a": 0, "b": 0, "c": 0, "d": 1, "e": 1, "f": 2}
PREDICTED = [["a", "b"], ["c", "d", "e"], ["f"]]


def test_metrics_by_hand() -> None:
    m = pairwise_metrics(PREDICTED, GOLD)
    assert m.documents == 6
    assert (m.true_pairs, m.predicted_pairs, m.correct_pairs) == (4, 4, 2)
    assert m.precision == pytest.approx(0.5)
    assert m.recall == pytest.approx(0.5)
    assert m.f1 == pytest.approx(0.5)
    assert m.ari == pytest.approx(7 / 22)
    assert (m.false_merges, m.missed_pairs) == (2, 2)


def test_metrics_as_dict_adds_the_error_counts() -> None:
    data = pairwise_metrics(PREDICTED, GOLD).as_dict()
    assert data["false_merges"] == 2
    assert data["missed_pairs"] == 2
    assert data["correct_pairs"] == 2
    assert data["ari"] == pytest.approx(7 / 22)


def test_asymmetric_example_by_hand() -> None:
    # Gold {a,b,c,d} {e}; predicted {a,b} {c} {d,e}. Table: G1 row (2, 1, 1), G2 row (0, 0, 1).
    # correct = C(2,2) = 1; true = C(4,2) = 6; predicted = C(2,2) + C(2,2) = 2.
    # P = 1/2, R = 1/6, F1 = 2 * (1/2)(1/6) / (1/2 + 1/6) = (1/6) / (2/3) = 1/4.
    # expected = 6 * 2 / C(5,2) = 12/10 = 1.2; max = (6 + 2) / 2 = 4;
    # ARI = (1 - 1.2) / (4 - 1.2) = -0.2 / 2.8 = -1/14 (worse than chance).
    gold = {"a": 0, "b": 0, "c": 0, "d": 0, "e": 1}
    m = pairwise_metrics([["a", "b"], ["c"], ["d", "e"]], gold)
    assert (m.true_pairs, m.predicted_pairs, m.correct_pairs) == (6, 2, 1)
    assert (m.precision, m.recall) == (pytest.approx(1 / 2), pytest.approx(1 / 6))
    assert m.f1 == pytest.approx(1 / 4)
    assert m.ari == pytest.approx(-1 / 14)


def test_perfect_and_docstring_example() -> None:
    m = pairwise_metrics([["a", "b"], ["c"]], {"a": 0, "b": 0, "c": 1})
    assert (m.precision, m.recall, m.f1, m.ari) == (1.0, 1.0, 1.0, 1.0)
    perfect = pairwise_metrics([["a", "b", "c"], ["d", "e"], ["f"]], GOLD)
    assert (perfect.precision, perfect.recall, perfect.f1) == (1.0, 1.0, 1.0)
    assert perfect.ari == pytest.approx(1.0)


def test_ids_missing_from_the_predictions_are_singletons() -> None:
    # Leaving out {f} changes nothing: it is a singleton either way.
    assert pairwise_metrics([["a", "b"], ["c", "d", "e"]], GOLD) == pairwise_metrics(
        PREDICTED, GOLD
    )
    # Predicting nothing at all: every document alone.
    nothing = pairwise_metrics([], GOLD)
    assert (nothing.predicted_pairs, nothing.correct_pairs, nothing.true_pairs) == (0, 0, 4)
    assert nothing.precision == 1.0  # no predicted pair is wrong
    assert nothing.recall == 0.0
    assert nothing.f1 == 0.0
    # index 0, expected 4 * 0 / 15 = 0, max (4 + 0) / 2 = 2: ARI = 0.
    assert nothing.ari == 0.0


def test_ids_not_in_the_labels_are_ignored() -> None:
    with_extra = [["a", "b", "zz"], ["c", "d", "e", "yy"], ["f"], ["xx", "ww"]]
    assert pairwise_metrics(with_extra, GOLD) == pairwise_metrics(PREDICTED, GOLD)


def test_all_singletons_predicted_and_labelled() -> None:
    gold = {"a": 0, "b": 1, "c": 2}
    m = pairwise_metrics([], gold)
    assert (m.precision, m.recall, m.ari) == (1.0, 1.0, 1.0)
    assert m.f1 == 1.0


# --- error_pairs ------------------------------------------------------------------------------


def test_error_pairs_of_the_example() -> None:
    false_merges, missed = error_pairs(PREDICTED, GOLD)
    # c was put with d and e; the pair d-e is right.
    assert false_merges == [("c", "d"), ("c", "e")]
    # c was taken away from a and b; the pair a-b is right.
    assert missed == [("a", "c"), ("b", "c")]


def test_error_pairs_count_missing_ids_as_singletons_and_ignore_unlabelled() -> None:
    false_merges, missed = error_pairs([["e", "zz", "d"]], GOLD)
    assert false_merges == []
    assert missed == [("a", "b"), ("a", "c"), ("b", "c")]


def test_error_counts_agree_with_metrics() -> None:
    predicted = [["a", "d"], ["b", "c", "f"]]
    false_merges, missed = error_pairs(predicted, GOLD)
    m = pairwise_metrics(predicted, GOLD)
    assert len(false_merges) == m.false_merges == 3  # a-d, b-f, c-f
    assert len(missed) == m.missed_pairs == 3  # a-b, a-c, d-e


# --- category_recall --------------------------------------------------------------------------


def test_category_recall_by_hand() -> None:
    # Gold {a,b,c} {d,e} {f,g}; predicted {a,b} {d,e} {f,g}.
    # Labelled pairs: a-b found, a-c missed, b-c missed, d-e found, f-g found.
    gold = {"a": 0, "b": 0, "c": 0, "d": 1, "e": 1, "f": 2, "g": 2}
    predicted = [["a", "b"], ["d", "e"], ["f", "g"]]
    categories = {
        "a": "original",
        "b": "cut",
        "c": "heavy",
        "d": "original",
        "e": "light",
        "f": "cut",
        "g": "cut",
    }
    recall = category_recall(predicted, gold, categories)
    assert list(recall) == ["cut", "heavy", "light", "original"]  # sorted
    # original: a-b (found), a-c (missed), d-e (found)
    assert recall["original"] == {"pairs": 3, "found": 2, "recall": pytest.approx(2 / 3)}
    # cut: a-b (found), b-c (missed), f-g (found; both "cut", counted once)
    assert recall["cut"] == {"pairs": 3, "found": 2, "recall": pytest.approx(2 / 3)}
    # heavy: a-c, b-c (both missed)
    assert recall["heavy"] == {"pairs": 2, "found": 0, "recall": 0.0}
    # light: d-e (found)
    assert recall["light"] == {"pairs": 1, "found": 1, "recall": 1.0}


def test_category_recall_ignores_uncategorized_and_unpredicted() -> None:
    gold = {"a": 0, "b": 0, "c": 1}
    recall = category_recall([], gold, {"a": "cut"})
    assert recall == {"cut": {"pairs": 1, "found": 0, "recall": 0.0}}
    assert category_recall([["a", "b"]], gold, {}) == {}


# --- match_ids --------------------------------------------------------------------------------


def test_match_ids_strips_the_extension_when_the_exact_id_is_not_labelled() -> None:
    gold = {"x": 0, "docs/y": 1, "z.txt": 2, "w.v2": 3}
    matched = match_ids(["x.txt", "docs/y.md", "z.txt", "w.v2.txt", "unknown.txt", "x"], gold)
    assert matched == {
        "x.txt": "x",
        "docs/y.md": "docs/y",
        "z.txt": "z.txt",  # exact match
        "w.v2.txt": "w.v2",  # only the last extension goes
        "x": "x",
    }


def test_match_ids_prefers_the_exact_id() -> None:
    assert match_ids(["a.txt"], {"a.txt": 0, "a": 1}) == {"a.txt": "a.txt"}


# --- load_labels ------------------------------------------------------------------------------


def write(tmp_path: Path, content: str | bytes, name: str = "labels.json") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_load_labels(tmp_path: Path) -> None:
    data = {"clusters": [["a", "b"], ["c"], [7]], "categories": {"a": "original"}}
    path = write(tmp_path, json.dumps(data))
    gold, whole = load_labels(path)
    assert gold == {"a": 0, "b": 0, "c": 1, "7": 2}  # ids are strings
    assert whole == data


def test_load_labels_accepts_a_bare_list(tmp_path: Path) -> None:
    gold, whole = load_labels(write(tmp_path, '[["a", "b"], ["c"]]'))
    assert gold == {"a": 0, "b": 0, "c": 1}
    assert whole == {"clusters": [["a", "b"], ["c"]]}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"clusters": [["a", "b"], ["c", "a"]]}', "id 'a' is listed twice"),
        ('{"clusters": [["a", "b"], ["b"]]}', "id 'b' is listed twice"),
        ('{"clusters": [["a", "b"]', "not JSON"),
        ("", "not JSON"),
        ('{"clusters": ["a", "b"]}', "expected"),
        ('{"clusters": {"a": 1}}', "expected"),
        ('{"groups": [["a"]]}', "expected"),
        ('"a"', "expected"),
        ("42", "expected"),
    ],
)
def test_load_labels_errors_name_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = write(tmp_path, content)
    with pytest.raises(LabelsError) as raised:
        load_labels(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_load_labels_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.json"
    with pytest.raises(LabelsError, match=r"nowhere\.json: No such file"):
        load_labels(path)


def test_load_labels_not_utf8(tmp_path: Path) -> None:
    path = write(tmp_path, '{"clusters": [["caf\xe9"]]}'.encode("latin-1"))
    with pytest.raises(LabelsError) as raised:
        load_labels(path)
    assert str(raised.value).startswith(f"{path}: not UTF-8")


@pytest.mark.parametrize("cluster", ['["a", ["b"]]', '["a", null]', '["a", {"id": "b"}]', "[true]"])
def test_load_labels_rejects_ids_that_are_not_strings_or_numbers(
    tmp_path: Path, cluster: str
) -> None:
    path = write(tmp_path, f'{{"clusters": [{cluster}]}}')
    with pytest.raises(LabelsError) as raised:
        load_labels(path)
    assert str(raised.value).startswith(f"{path}: ids must be strings or numbers")


# --- evaluate and run_sweep on a prepared corpus -----------------------------------------------

WIRE = (
    "Council approves new tram line to the airport\n\n"
    "The city council voted on Wednesday to build a tram line from the central station to the "
    "airport, ending a debate that had lasted more than a decade. The line will be eleven "
    "kilometres long, with nine stops, and is expected to carry about 30,000 passengers a day "
    "once it opens in 2031.\n\n"
    "Construction will begin next spring and cost an estimated 420 million, two thirds of it "
    "paid by the national government. Councillors who opposed the plan said buses could have "
    "done the same job for a fraction of the price.\n\n"
    "The transport department promised that roads would stay open during most of the works.\n"
)
COPY = (
    "Airport tram gets the green light\n\n"
    + WIRE.split("\n\n", 1)[1].rsplit("\n\n", 1)[0]
    + "\n\nReaders can see the planned route on our website.\n"
)
OTHER = (
    "Record crowds at the autumn flower show\n\n"
    "More than 40,000 visitors came to the autumn flower show in the botanical gardens over "
    "the weekend, a record for an event that began as a small gathering of rose growers in "
    "1962. Queues stretched past the glasshouses on Saturday morning.\n\n"
    "The prize for the best display went to a school garden club whose pupils had grown "
    "giant pumpkins, sunflowers and a hedge maze in their playground. Organisers said next "
    "year's show would add a second weekend to cope with demand.\n"
)
DOCS = [
    Document(id="wire.txt", text=WIRE, title="", path="wire.txt"),
    Document(id="copy.txt", text=COPY, title="", path="copy.txt"),
    Document(id="other.txt", text=OTHER, title="", path="other.txt"),
    Document(id="unlabelled.txt", text=OTHER.upper(), title="", path="unlabelled.txt"),
]
OPTIONS = ScanOptions()


@pytest.fixture(scope="module")
def prepared():
    return prepare(DOCS, OPTIONS)


def test_the_scan_finds_the_two_pairs(prepared) -> None:
    clusters, _ = decide(prepared, OPTIONS)
    assert sorted(sorted(m.id for m in c.members) for c in clusters) == [
        ["copy.txt", "wire.txt"],
        ["other.txt", "unlabelled.txt"],
    ]
    matched = match_ids([i.id for i in prepared.infos], {"wire": 0, "copy": 0, "other": 1})
    assert sorted(map(sorted, predicted_label_clusters(clusters, matched))) == [
        ["copy", "wire"],
        ["other"],  # the unlabelled member is dropped
    ]


def test_evaluate_against_correct_labels(prepared) -> None:
    gold = {"wire": 0, "copy": 0, "other": 1, "never-scanned": 2}
    result = evaluate(prepared, OPTIONS, gold)
    assert result.metrics == Metrics(
        documents=4,
        true_pairs=1,
        predicted_pairs=1,
        correct_pairs=1,
        precision=1.0,
        recall=1.0,
        f1=1.0,
        ari=1.0,
    )
    assert result.unlabelled == 1
    assert result.errors == ()
    assert result.categories is None


def test_evaluate_lists_errors_with_evidence_and_shared_passages(prepared) -> None:
    # The labels say copy is a story of its own and other belongs with wire.
    gold = {"wire": 0, "copy": 1, "other": 0}
    texts = {i: d.text for i, d in enumerate(DOCS)}
    result = evaluate(prepared, OPTIONS, gold, max_errors=5, text_of=texts.__getitem__)
    assert [(e.kind, e.left, e.right) for e in result.errors] == [
        ("false_merge", "copy", "wire"),
        ("missed", "other", "wire"),
    ]
    merge, missed = result.errors
    assert merge.evidence == EvidenceCache(prepared.features)(0, 1)
    assert merge.evidence.shared_sentences >= 4 and merge.evidence.aligned
    assert any("tram line from the central station" in p for p in merge.shared_passages)
    assert missed.evidence.shared == 0
    assert missed.shared_passages == ()
    # precision 0, recall 0; ARI (0 - 1/3) / (1 - 1/3) = -0.5 (n = 3, one pair each side)
    assert result.metrics.ari == pytest.approx(-0.5)
    # Without text_of, no passages; max_errors caps each kind.
    bare = evaluate(prepared, OPTIONS, gold, max_errors=1)
    assert [e.shared_passages for e in bare.errors] == [(), ()]


def test_evaluate_with_categories(prepared) -> None:
    gold = {"wire": 0, "copy": 0, "other": 1}
    result = evaluate(prepared, OPTIONS, gold, categories={"wire": "original", "copy": "cut"})
    assert result.categories == {
        "cut": {"pairs": 1, "found": 1, "recall": 1.0},
        "original": {"pairs": 1, "found": 1, "recall": 1.0},
    }


def test_sweep_grid_is_the_product_of_the_values() -> None:
    combos = sweep_grid()
    assert len(combos) == prod(len(v) for v in SWEEP_GRID.values()) == 48
    assert combos[0] == {name: values[0] for name, values in SWEEP_GRID.items()}
    assert len({tuple(c.items()) for c in combos}) == len(combos)
    assert sweep_grid({"a": (1, 2), "b": (3,)}) == [{"a": 1, "b": 3}, {"a": 2, "b": 3}]


def test_run_sweep_scores_every_combination(prepared) -> None:
    gold = {"wire": 0, "copy": 0, "other": 1}
    grid = {"jaccard_threshold": (0.2, 1.0), "containment_threshold": (0.35, 1.0)}
    rows = run_sweep(prepared, OPTIONS, gold, grid)
    assert [combo for combo, _ in rows] == sweep_grid(grid)
    for combo, metrics in rows:
        expected = evaluate(prepared, replace(OPTIONS, **combo), gold).metrics
        assert metrics == expected
    # Every combination still finds the pair (by shared sentences), so all score 1.
    assert {m.f1 for _, m in rows} == {1.0}
    strict = {"jaccard_threshold": (1.0,), "min_shared_sentences": (1000,)}
    strict_options = replace(OPTIONS, containment_threshold=1.0)
    ((_, metrics),) = run_sweep(prepared, strict_options, gold, strict)
    assert metrics.recall == 0.0
