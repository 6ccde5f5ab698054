"""End-to-end tests of scan_documents on small invented articles."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from dupfind import Document, ScanOptions, ScanResult, scan_documents
from dupfind.normalize import tokenize
from dupfind.pipeline import BATCH_SIZE
from dupfind.shingle import shingle_hashes
from dupfind.verify import PairScores

# --- Invented articles ------------------------------------------------------------------------

WIRE_HEADLINE = "Ferry operator orders six electric vessels for island routes"
WIRE_BODY = """\
The regional ferry company Brisklane Maritime said on Tuesday that it had signed a contract
for six battery-powered passenger vessels, the largest electric ferry order placed in the
country so far. The boats, each able to carry 240 passengers and 40 cars, will be built at a
shipyard in the north and enter service on the three busiest island crossings from the spring
of 2028.

Chief executive Marta Ellison said the order would cut the operator's fuel bill by roughly a
third and remove about 18,000 tonnes of carbon dioxide emissions every year. "Our crossings are
short and predictable, which makes them ideal for batteries," she said. "The technology is
ready, and so are our passengers."

Charging stations will be installed at five harbours, partly funded by a national grant for
clean transport. Port authorities said the works would not disrupt current timetables.
"""
WIRE_TAIL = """\
Unions welcomed the announcement but asked for guarantees that engineers would be retrained
rather than replaced. The company said all current crew would be offered training on the new
propulsion systems before the first vessel is delivered.
"""
WIRE = f"{WIRE_HEADLINE}\n\n{WIRE_BODY}\n{WIRE_TAIL}"


def _curly(text: str) -> str:
    """Typeset straight quotes as curly ones, as a newspaper's CMS would."""
    out, opening = [], True
    for char in text:
        if char == '"':
            out.append("\u201c" if opening else "\u201d")
            opening = not opening
        elif char == "'":
            out.append("\u2019")
        else:
            out.append(char)
    return "".join(out)


# Copy 1: new headline, curly quotes, re-wrapped lines, an outlet boilerplate line added.
PADDED_COPY = (
    "Island ferries to go electric with new fleet\n\n"
    + _curly(" ".join(WIRE_BODY.split("\n")))
    + "\n"
    + _curly(WIRE_TAIL)
    + "\nThis article was supplied by a news agency and appears here without changes from our"
    " editors. Subscribe to the Coastal Gazette newsletter for more stories from the islands.\n"
)
# Copy 2: another headline, curly quotes, and the closing paragraph trimmed.
TRIMMED_COPY = "Brisklane bets on batteries for busiest crossings\n\n" + _curly(WIRE_BODY)

# Same event, written from scratch: no sentence borrowed from the wire story.
REWRITE = """\
Battery boats coming to the islands

Travellers heading to the islands will cross on battery power within a few years. Brisklane
Maritime, which runs most of the local routes, has commissioned half a dozen new ships that
need no diesel at all. Construction goes to a northern yard, and the first hulls should be
carrying cars and foot passengers in 2028.

Marta Ellison, who leads the firm, told reporters the switch makes financial sense: a crossing
lasts under an hour and follows the same timetable every day, exactly the pattern in which
batteries shine. She expects fuel spending to drop sharply and says the fleet will emit far
less carbon once the old ships retire.

New chargers are planned for each harbour on the network, helped by money from a government
programme. Crew representatives say they support the plan provided nobody loses a job, and the
firm has promised retraining for every engineer.
"""

UNRELATED = """\
Town library reopens after two-year restoration

The Victorian library on Mill Street opened its doors again on Saturday after a restoration
that replaced the leaking glass roof, repaired the carved oak galleries and added a lift for
visitors who cannot use the stairs. Hundreds of residents queued in light rain before the
ribbon was cut by the oldest member of the reading circle, who first borrowed a book there in
1951.

The work cost just over four million, most of it raised from a heritage fund and a decade of
jumble sales, concerts and sponsored walks. Volunteers catalogued and cleaned about 60,000
volumes while the building was closed, and found a forgotten box of letters from the architect
inside a wall cavity.

The head librarian said the reading room would now stay open until nine on weekdays, and that
a children's corner with a puppet theatre would open in the autumn. Local historians plan an
exhibition of the architect's letters next spring.
"""


def doc(doc_id: str, text: str) -> Document:
    title = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return Document(id=doc_id, text=text, title=title, path=f"/articles/{doc_id}")


def member_ids(result: ScanResult) -> list[list[str]]:
    return [[m.id for m in cluster.members] for cluster in result.clusters]


# --- Sanity checks of the invented fixtures ---------------------------------------------------


@pytest.mark.parametrize("text", [WIRE, PADDED_COPY, TRIMMED_COPY, REWRITE, UNRELATED])
def test_fixture_lengths_are_realistic(text: str) -> None:
    assert 120 <= len(tokenize(text)) <= 250


def test_fixture_copies_differ_from_the_wire_text() -> None:
    assert "\u201c" in PADDED_COPY and "\u2019" in TRIMMED_COPY
    assert WIRE_HEADLINE not in PADDED_COPY and WIRE_HEADLINE not in TRIMMED_COPY
    assert "Unions welcomed" not in TRIMMED_COPY
    assert "Coastal Gazette" in PADDED_COPY


def test_fixture_rewrite_shares_no_phrasing_with_the_wire_text() -> None:
    assert PairScores.of(shingle_hashes(WIRE), shingle_hashes(REWRITE)).shared == 0


# --- The scan ---------------------------------------------------------------------------------

# Ids chosen so that neither file order nor id order nor length would pick the wire story:
# it is neither first, nor the smallest id, nor the longest text.
CORPUS = [
    doc("a-gazette/island-ferries.txt", PADDED_COPY),
    doc("m-herald/library.txt", UNRELATED),
    doc("z-wire/ferry-order.txt", WIRE),
    doc("c-courier/battery-boats.txt", REWRITE),
    doc("b-post/brisklane.txt", TRIMMED_COPY),
]


@pytest.fixture(scope="module")
def result() -> ScanResult:
    return scan_documents(CORPUS)


def test_wire_story_and_copies_form_one_cluster(result: ScanResult) -> None:
    assert len(result.clusters) == 1
    cluster = result.clusters[0]
    assert cluster.number == 1
    assert {m.id for m in cluster.members} == {
        "z-wire/ferry-order.txt",
        "a-gazette/island-ferries.txt",
        "b-post/brisklane.txt",
    }


def test_wire_story_is_the_canonical_member(result: ScanResult) -> None:
    # Why the wire story is the most central: each copy differs from it in one way only (one
    # has extra boilerplate, the other lost its last paragraph), but the two copies differ from
    # each other in both ways. So Jaccard(copy1, copy2) is below both Jaccard(wire, copy1) and
    # Jaccard(wire, copy2), and the wire story's summed edge weight is the largest.
    wire, padded, trimmed = (shingle_hashes(t) for t in (WIRE, PADDED_COPY, TRIMMED_COPY))
    j_wire_padded = PairScores.of(wire, padded).jaccard
    j_wire_trimmed = PairScores.of(wire, trimmed).jaccard
    j_copies = PairScores.of(padded, trimmed).jaccard
    assert j_copies < min(j_wire_padded, j_wire_trimmed)

    cluster = result.clusters[0]
    assert cluster.canonical.id == "z-wire/ferry-order.txt"
    assert cluster.canonical.canonical is True
    assert [m.canonical for m in cluster.members[1:]] == [False, False]
    # The padded copy is longer than the wire story: length did not decide.
    assert len(tokenize(PADDED_COPY)) > len(tokenize(WIRE))


def test_member_scores_are_exact_scores_against_the_canonical(result: ScanResult) -> None:
    wire = shingle_hashes(WIRE)
    canonical, *others = result.clusters[0].members
    assert (canonical.jaccard, canonical.containment) == (1.0, 1.0)
    assert canonical.shared_shingles == wire.size
    # Non-canonical members are listed by id.
    assert [m.id for m in others] == ["a-gazette/island-ferries.txt", "b-post/brisklane.txt"]
    for member, text in zip(others, (PADDED_COPY, TRIMMED_COPY), strict=True):
        expected = PairScores.of(wire, shingle_hashes(text))
        assert member.jaccard == expected.jaccard
        assert member.containment == expected.containment
        assert member.shared_shingles == expected.shared
        assert member.words == len(tokenize(text))
    trimmed = others[1]
    # The trimmed copy is almost entirely inside the wire story; only its headline differs.
    assert trimmed.containment > 0.9
    assert trimmed.jaccard < trimmed.containment


def test_member_metadata_comes_from_the_document(result: ScanResult) -> None:
    canonical = result.clusters[0].canonical
    assert canonical.title == WIRE_HEADLINE
    assert canonical.path == "/articles/z-wire/ferry-order.txt"
    assert canonical.words == len(tokenize(WIRE))


def test_unrelated_and_rewritten_articles_stay_alone(result: ScanResult) -> None:
    clustered = {m.id for c in result.clusters for m in c.members}
    assert "m-herald/library.txt" not in clustered
    assert "c-courier/battery-boats.txt" not in clustered


def test_stats(result: ScanResult) -> None:
    stats = result.stats
    assert stats.documents == 5
    assert stats.empty == 0
    assert stats.clusters == 1
    assert stats.duplicate_documents == 2
    # The three copies are three mutually accepted pairs; nothing else can be verified.
    assert stats.verified_pairs == 3
    assert stats.candidate_pairs >= stats.verified_pairs
    assert result.options == ScanOptions()


def test_results_are_identical_across_runs(result: ScanResult) -> None:
    again = scan_documents(list(CORPUS))
    assert again.clusters == result.clusters
    assert again.stats == result.stats


def test_input_order_does_not_change_the_clusters(result: ScanResult) -> None:
    shuffled = scan_documents(CORPUS[::-1])
    assert shuffled.clusters == result.clusters


def test_rewrite_quoting_the_same_statement_is_proposed_but_rejected() -> None:
    # Rewrites often repeat the spokesperson's words verbatim: a few shared shingles, far below
    # either threshold. A very low LSH threshold makes the pair a candidate, so this checks
    # that exact verification, not LSH, keeps it apart.
    quote = (
        '"Our crossings are short and predictable, which makes them ideal for batteries," she '
        'said. "The technology is ready, and so are our passengers."'
    )
    quoting_rewrite = REWRITE + "\n" + quote + "\n"
    wire, rewrite = shingle_hashes(WIRE), shingle_hashes(quoting_rewrite)
    scores = PairScores.of(wire, rewrite)
    assert scores.shared >= 10
    assert 0.03 < scores.jaccard < 0.1 and scores.containment < 0.2

    # Many one-row bands: a pair is missed only if all its band minima differ, with
    # probability (1 - J)^bands, here about 0.95^167 ~ 2e-4.
    options = ScanOptions(num_perm=256, lsh_threshold=0.01)
    bands, rows = options.bands_rows
    assert rows == 1
    assert (1 - scores.jaccard) ** bands < 1e-3
    result = scan_documents([doc("wire", WIRE), doc("rewrite", quoting_rewrite)], options)
    assert result.stats.candidate_pairs == 1
    assert result.stats.verified_pairs == 0
    assert result.clusters == []


def test_empty_documents_do_not_cluster_and_are_counted() -> None:
    docs = [
        doc("empty-1", ""),
        doc("empty-2", "   \n\n  "),
        doc("wire", WIRE),
        doc("empty-3", "… — !!! ?"),
        doc("empty-4", ""),
        doc("library", UNRELATED),
    ]
    result = scan_documents(docs)
    assert result.stats.documents == 6
    assert result.stats.empty == 4
    assert result.clusters == []
    assert result.stats.candidate_pairs == 0


def test_empty_documents_alongside_a_real_cluster() -> None:
    docs = [doc("e1", ""), doc("wire", WIRE), doc("e2", ""), doc("copy", TRIMMED_COPY)]
    result = scan_documents(docs)
    assert member_ids(result) == [["wire", "copy"]]
    assert result.stats.empty == 2


def test_identical_documents_cluster_with_the_smaller_id_as_canonical() -> None:
    # Equal centrality and equal length: the tie goes to the smaller id.
    docs = [doc("second", UNRELATED), doc("first", UNRELATED), doc("other", REWRITE)]
    result = scan_documents(docs)
    assert member_ids(result) == [["first", "second"]]
    copy = result.clusters[0].members[1]
    assert (copy.jaccard, copy.containment) == (1.0, 1.0)
    assert copy.shared_shingles == shingle_hashes(UNRELATED).size


def test_identical_short_documents_cluster() -> None:
    # Shorter than the shingle size: one shingle each, and they are equal.
    result = scan_documents([doc("x", "Port closed."), doc("y", "PORT CLOSED!")])
    assert member_ids(result) == [["x", "y"]]


def test_containment_rule_needs_enough_shared_shingles() -> None:
    docs = [doc("wire", WIRE), doc("trimmed", TRIMMED_COPY)]
    # With an unreachable Jaccard threshold the trimmed copy is accepted by containment only...
    strict_jaccard = ScanOptions(jaccard_threshold=1.0)
    assert member_ids(scan_documents(docs, strict_jaccard)) == [["wire", "trimmed"]]
    # ...and rejected when it must also share more shingles than it has.
    too_many = ScanOptions(jaccard_threshold=1.0, min_shared_shingles=10_000)
    assert scan_documents(docs, too_many).clusters == []
    # ...or when the containment threshold is above what it reaches (its headline differs).
    full_containment = ScanOptions(jaccard_threshold=1.0, containment_threshold=1.0)
    assert scan_documents(docs, full_containment).clusters == []


def test_duplicates_in_different_batches_are_found() -> None:
    rng = np.random.default_rng(42)
    vocabulary = [f"term{i}" for i in range(5000)]

    def filler(index: int) -> str:
        return f"note {index} " + " ".join(rng.choice(vocabulary, size=40))

    last = BATCH_SIZE + 40

    def generate() -> Iterator[Document]:  # a one-shot iterable, not a list
        for index in range(last + 1):
            text = WIRE if index in (3, last) else filler(index)
            yield doc(f"doc-{index:04d}", text)

    result = scan_documents(generate())
    assert result.stats.documents == last + 1
    assert member_ids(result) == [["doc-0003", f"doc-{last:04d}"]]


def test_no_documents() -> None:
    result = scan_documents([])
    assert result.clusters == []
    assert result.stats.documents == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"shingle_size": 0},
        {"num_perm": 1},
        {"lsh_threshold": 0.0},
        {"lsh_threshold": 1.0},
        {"jaccard_threshold": 0.0},
        {"jaccard_threshold": 1.01},
        {"containment_threshold": 0.0},
        {"containment_threshold": 1.5},
        {"min_shared_shingles": 0},
    ],
)
def test_scan_options_reject_invalid_values(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ScanOptions(**kwargs)  # type: ignore[arg-type]


def test_scan_options_accept_boundary_values() -> None:
    options = ScanOptions(
        shingle_size=1,
        num_perm=2,
        jaccard_threshold=1.0,
        containment_threshold=1.0,
        min_shared_shingles=1,
    )
    bands, rows = options.bands_rows
    assert bands * rows <= 2
