"""End-to-end tests of the scan pipeline on small invented articles."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pytest

from dupfind import Document, ScanOptions, ScanResult, scan_documents
from dupfind.features import extract
from dupfind.normalize import tokenize
from dupfind.pipeline import BATCH_SIZE, EvidenceCache, compare, decide, prepare
from dupfind.verify import Evidence

K = ScanOptions().shingle_size

# --- Invented articles: a wire story, two copies, a rewrite, an unrelated story ----------------

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


def evidence(left: str, right: str) -> Evidence:
    return Evidence.of(extract(left, K), extract(right, K))


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
    found = evidence(WIRE, REWRITE)
    assert (found.shared, found.shared_sentences) == (0, 0)


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
    j_wire_padded = evidence(WIRE, PADDED_COPY).jaccard
    j_wire_trimmed = evidence(WIRE, TRIMMED_COPY).jaccard
    j_copies = evidence(PADDED_COPY, TRIMMED_COPY).jaccard
    assert j_copies < min(j_wire_padded, j_wire_trimmed)

    cluster = result.clusters[0]
    assert cluster.canonical.id == "z-wire/ferry-order.txt"
    assert cluster.canonical.canonical is True
    assert [m.canonical for m in cluster.members[1:]] == [False, False]
    # The padded copy is longer than the wire story: length did not decide.
    assert len(tokenize(PADDED_COPY)) > len(tokenize(WIRE))


def test_member_scores_are_exact_evidence_against_the_canonical(result: ScanResult) -> None:
    wire = extract(WIRE, K)
    canonical, *others = result.clusters[0].members
    assert (canonical.jaccard, canonical.containment) == (1.0, 1.0)
    assert canonical.shared_shingles == wire.shingles.size
    assert canonical.shared_sentences == wire.sentences.size
    # Non-canonical members are listed by id.
    assert [m.id for m in others] == ["a-gazette/island-ferries.txt", "b-post/brisklane.txt"]
    for member, text in zip(others, (PADDED_COPY, TRIMMED_COPY), strict=True):
        expected = evidence(WIRE, text)
        assert member.jaccard == expected.jaccard
        assert member.containment == expected.containment
        assert member.shared_shingles == expected.shared
        assert member.shared_sentences == expected.shared_sentences
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
    assert stats.short == 0
    assert stats.skipped == 0
    assert stats.boilerplate_units == 0  # 5 documents in 3 components: nothing recurs in 5
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
    assert again.boilerplate.tolist() == result.boilerplate.tolist()


def test_input_order_does_not_change_the_clusters(result: ScanResult) -> None:
    shuffled = scan_documents(CORPUS[::-1])
    assert shuffled.clusters == result.clusters


def test_rewrite_quoting_the_same_statement_is_proposed_but_rejected() -> None:
    # Rewrites often repeat the spokesperson's words verbatim: two shared sentences, which
    # make the pair a candidate, but at the end of the rewrite (not aligned, spread 1) and a
    # small part of either text.
    quote = (
        '"Our crossings are short and predictable, which makes them ideal for batteries," she '
        'said. "The technology is ready, and so are our passengers."'
    )
    quoting_rewrite = REWRITE + "\n" + quote + "\n"
    found = evidence(WIRE, quoting_rewrite)
    assert found.shared >= 10
    assert found.shared_sentences == 2
    assert found.jaccard < 0.1 and found.containment < 0.15
    assert not found.aligned
    assert found.spread == 1

    result = scan_documents([doc("wire", WIRE), doc("rewrite", quoting_rewrite)])
    assert result.stats.candidate_pairs == 1  # shared sentences propose it, whatever LSH says
    assert result.stats.verified_pairs == 0
    assert result.clusters == []


def test_empty_and_short_documents_do_not_cluster_and_are_counted() -> None:
    docs = [
        doc("empty-1", ""),
        doc("empty-2", "   \n\n  "),
        doc("wire", WIRE),
        doc("empty-3", "… — !!! ?"),
        doc("empty-4", ""),
        doc("library", UNRELATED),
        doc("brief", "Ferry order signed. Six electric boats for the island routes."),
    ]
    result = scan_documents(docs)
    assert result.stats.documents == 7
    assert result.stats.short == 5
    assert result.clusters == []
    assert result.stats.candidate_pairs == 0


def test_empty_documents_alongside_a_real_cluster() -> None:
    # (Empty strings, as an empty file reads.)
    docs = [doc("e1", ""), doc("wire", WIRE), doc("e2", ""), doc("copy", TRIMMED_COPY)]
    result = scan_documents(docs)
    assert member_ids(result) == [["wire", "copy"]]
    assert result.stats.short == 2


def test_blank_and_punctuation_documents_are_short() -> None:
    docs = [
        doc("blank", "  \n\n  "),
        doc("wire", WIRE),
        doc("dots", "... !!! ?"),
        doc("copy", TRIMMED_COPY),
    ]
    result = scan_documents(docs)
    assert member_ids(result) == [["wire", "copy"]]
    assert result.stats.short == 2


def test_identical_documents_cluster_with_the_smaller_id_as_canonical() -> None:
    # Equal centrality and equal length: the tie goes to the smaller id.
    docs = [doc("second", UNRELATED), doc("first", UNRELATED), doc("other", REWRITE)]
    result = scan_documents(docs)
    assert member_ids(result) == [["first", "second"]]
    copy = result.clusters[0].members[1]
    assert (copy.jaccard, copy.containment) == (1.0, 1.0)
    assert copy.shared_shingles == extract(UNRELATED, K).shingles.size


def test_identical_short_documents_cluster_only_without_a_length_floor() -> None:
    # Shorter than the shingle size: one shingle each, and they are equal (Jaccard 1).
    docs = [doc("x", "Port closed."), doc("y", "PORT CLOSED!")]
    assert scan_documents(docs).clusters == []  # below min_words: not even candidates
    result = scan_documents(docs, ScanOptions(min_words=0))
    assert member_ids(result) == [["x", "y"]]


def test_containment_rule_needs_enough_shared_shingles() -> None:
    docs = [doc("wire", WIRE), doc("trimmed", TRIMMED_COPY)]
    # Only the containment branch can accept: Jaccard and sentence thresholds unreachable.
    containment_only = ScanOptions(jaccard_threshold=1.0, min_shared_sentences=1000)
    assert member_ids(scan_documents(docs, containment_only)) == [["wire", "trimmed"]]
    # ...rejected when it must also share more shingles than it has...
    too_many = replace(containment_only, min_shared_shingles=10_000)
    assert scan_documents(docs, too_many).clusters == []
    # ...or when the containment threshold is above what it reaches (its headline differs).
    full = replace(containment_only, containment_threshold=1.0)
    assert scan_documents(docs, full).clusters == []


def test_sentence_rule_alone_accepts_the_trimmed_copy() -> None:
    docs = [doc("wire", WIRE), doc("trimmed", TRIMMED_COPY)]
    sentences_only = ScanOptions(
        jaccard_threshold=1.0, containment_threshold=1.0, min_shared_sentences=7
    )
    assert member_ids(scan_documents(docs, sentences_only)) == [["wire", "trimmed"]]
    assert scan_documents(docs, replace(sentences_only, min_shared_sentences=8)).clusters == []


def test_duplicates_in_different_batches_are_found() -> None:
    rng = np.random.default_rng(42)
    vocabulary = [f"term{i}" for i in range(5000)]

    def filler(index: int) -> str:
        return f"note {index} " + " ".join(rng.choice(vocabulary, size=60))

    last = BATCH_SIZE + 40

    def generate() -> Iterator[Document]:  # a one-shot iterable, not a list
        for index in range(last + 1):
            text = WIRE if index in (3, last) else filler(index)
            yield doc(f"doc-{index:04d}", text)

    result = scan_documents(generate())
    assert result.stats.documents == last + 1
    assert result.stats.short == 0
    assert member_ids(result) == [["doc-0003", f"doc-{last:04d}"]]


def test_no_documents() -> None:
    result = scan_documents([])
    assert result.clusters == []
    assert result.stats.documents == 0


# --- The cases --------------------------------------------------------------------------

# A ~300-word wire story (invented).
GLASS_HEADLINE = "Glassworks in Orrestad to close after 140 years"
GLASS_LEAD = [
    "The Orrestad glassworks, one of the oldest factories in the north, will close at the end "
    "of the year with the loss of 312 jobs, its owner Helmfors Industries said on Thursday.",
    "The company blamed a tripling of gas prices since 2021 and falling orders from the "
    "construction industry.",
    "Workers were told of the decision at a meeting in the factory canteen shortly after the "
    "morning shift began.",
]
GLASS_PARAGRAPHS = [
    " ".join(GLASS_LEAD),
    "Helmfors said it had tried for two years to find a buyer for the site but that no "
    "investor had been willing to take on the cost of replacing the two gas furnaces with "
    "electric ones. Chief executive Anders Lindqvist called the closure painful but "
    "unavoidable and said the group would offer every employee a place in its retraining "
    "programme.",
    "The glassworks was founded in 1884 and became famous for the blue drinking glasses that "
    "were sold across Europe in the decades after the war. At its peak in the 1970s it "
    "employed more than 1,500 people, and almost every family in the town had at least one "
    "member working at the furnaces or in the packing halls.",
    "Mayor Kristin Dahl said the closure was a heavy blow to a town of 9,000 inhabitants and "
    "asked the government to help attract new employers to the industrial zone. The regional "
    "council will meet next week to discuss a support package that could include cheaper land "
    "and training grants.",
    "The metalworkers union said it would demand severance pay above the legal minimum and "
    "early retirement for staff over 60. A union spokesman said members were angry that they "
    "had learned of the closure from a press release rather than from management directly.",
]
GLASS = "\n\n".join([GLASS_HEADLINE, *GLASS_PARAGRAPHS]) + "\n"
NEW_HEADLINE = "Hundreds of jobs lost as Orrestad glass factory shuts"
LOCAL_ANGLE = [
    "Several former workers told this newspaper they had expected the news for months.",
    "In the cafe opposite the factory gates, the talk on Thursday was of little else, and "
    "some spoke of moving south to find work.",
    "A local estate agent said house prices in the streets around the works had already "
    "begun to fall, and that three families had put their homes on the market this week.",
]

# The same event written from scratch: the same names and numbers, no sentence in common.
GLASS_REWRITE = """\
Orrestad loses its glassworks

After 140 years, the furnaces in Orrestad will go cold. Helmfors Industries announced on
Thursday that it is shutting the glassworks when the year ends, and all 312 staff will lose
their jobs. Energy costs that have tripled since 2021 and a slump in building orders left the
plant without a future, according to the owner.

Anders Lindqvist, who runs Helmfors, described the decision as painful. He said retraining
would be available to everyone who works at the plant, and that no buyer had come forward in
two years of searching because nobody wanted to pay for electric furnaces.

Founded in 1884, the works once gave jobs to 1,500 people and made the blue glasses that
turned up on kitchen tables all over Europe. Mayor Kristin Dahl fears for a community of
9,000 and wants help from the state to bring in new industry.
"""


def test_glass_fixtures() -> None:
    assert 280 <= len(tokenize(GLASS)) <= 320
    assert all(len(tokenize(s)) >= 6 for s in GLASS_LEAD)
    assert evidence(GLASS, GLASS_REWRITE).shared_sentences == 0


def test_heavily_trimmed_copy_keeping_three_verbatim_sentences_is_found() -> None:
    # A new headline, the wire story's first three sentences, and two sentences of its own.
    copy = "\n\n".join([NEW_HEADLINE, " ".join(GLASS_LEAD), " ".join(LOCAL_ANGLE[:2])]) + "\n"
    assert len(tokenize(copy)) < len(tokenize(GLASS)) / 2
    found, accepted = compare(GLASS, copy)
    assert accepted
    assert found.shared_sentences >= 3
    assert found.aligned and found.coherent and found.spread >= 3
    assert found.jaccard < 0.2 < 0.35 < found.containment  # not by Jaccard: a third is kept
    result = scan_documents([doc("wire", GLASS), doc("copy", copy), doc("other", UNRELATED)])
    assert member_ids(result) == [["wire", "copy"]]


def test_trimmed_copy_with_as_much_own_text_as_kept_text_is_found() -> None:
    copy = "\n\n".join([NEW_HEADLINE, " ".join(GLASS_LEAD), " ".join(LOCAL_ANGLE)]) + "\n"
    found, accepted = compare(GLASS, copy)
    assert found.shared_sentences == 3 and found.aligned and found.coherent
    assert found.containment > 0.35
    assert accepted


def test_rewrite_of_the_same_event_with_no_shared_sentence_is_not_merged() -> None:
    found, accepted = compare(GLASS, GLASS_REWRITE)
    assert not accepted
    assert found.shared_sentences == 0
    assert found.shared < 5  # a name or a number phrase at most, no passage
    result = scan_documents([doc("wire", GLASS), doc("rewrite", GLASS_REWRITE)])
    assert result.clusters == []


# An article on the ferry order that carries the glassworks story's first three paragraphs in
# its middle (a regional business round-up written through from two wire reports).
WIRE_PARAGRAPHS = WIRE.split("\n\n")
WRITE_THROUGH = (
    "\n\n".join([*WIRE_PARAGRAPHS[:3], *GLASS_PARAGRAPHS[:3], *WIRE_PARAGRAPHS[3:]]) + "\n"
)


def test_write_through_is_merged_with_its_own_wire_not_with_the_story_it_carries() -> None:
    own, own_accepted = compare(WIRE, WRITE_THROUGH)
    assert own_accepted
    assert own.aligned and own.containment > 0.95
    carried, carried_accepted = compare(GLASS, WRITE_THROUGH)
    # Much is shared, more than the copies above share, but it starts far down the article.
    assert carried.shared > 150 and carried.shared_sentences >= 7
    assert carried.jaccard >= 0.2 and carried.containment >= 0.35
    assert carried.aligned is False
    assert not carried_accepted

    glass_copy = "\n\n".join([NEW_HEADLINE, *GLASS_PARAGRAPHS[:4]]) + "\n"
    result = scan_documents(
        [
            doc("ferry-wire", WIRE),
            doc("glass-wire", GLASS),
            doc("round-up", WRITE_THROUGH),
            doc("glass-copy", glass_copy),
            doc("library", UNRELATED),
        ]
    )
    assert sorted(sorted(ids) for ids in member_ids(result)) == [
        ["ferry-wire", "round-up"],
        ["glass-copy", "glass-wire"],
    ]


def test_write_through_is_merged_when_alignment_is_not_required() -> None:
    # The option that waives the alignment gate (dupfind --anywhere) shows what it guards.
    _, accepted = compare(GLASS, WRITE_THROUGH, ScanOptions(require_alignment=False))
    assert accepted


# Scraper junk: a cookie wall served instead of the article, under the article's headline.
COOKIE_WALL = (
    "We value your privacy. We and our partners store and access information on your device "
    "such as cookies and process personal data. You may accept or manage your choices below, "
    "including your right to object. Accept all. Manage preferences."
)
PARTNERS = (
    "Our partners use this data for personalised advertising and content, advertising and "
    "content measurement, audience research and services development."
)
LONGER_COOKIE_WALL = f"{COOKIE_WALL}\n\n{PARTNERS}\n"
LONG_COOKIE_WALL = (
    LONGER_COOKIE_WALL
    + "\nSome partners process data on the basis of legitimate interest, which you can object "
    "to in the settings. Your choices apply to this website only and can be changed at any "
    "time through the privacy link at the bottom of every page. A list of all our partners and "
    "of the purposes they pursue is available on request.\n"
)
JUNK_HEADLINES = ("Storm closes mountain pass overnight", "Bakery wins national bread award")


def test_short_scraper_junk_under_two_headlines_is_not_clustered() -> None:
    pages = [doc(f"page-{i}", f"{h}\n\n{COOKIE_WALL}\n") for i, h in enumerate(JUNK_HEADLINES)]
    assert all(len(tokenize(p.text)) < ScanOptions().min_words for p in pages)
    result = scan_documents(pages)
    assert result.clusters == []
    assert result.stats.short == 2
    assert result.stats.candidate_pairs == 0
    # The length floor is what keeps it out: the same junk twice is otherwise a copy.
    twice = [doc("a", COOKIE_WALL), doc("b", COOKIE_WALL)]
    assert scan_documents(twice).clusters == []
    assert member_ids(scan_documents(twice, ScanOptions(min_words=0))) == [["a", "b"]]


def test_longer_scraper_junk_under_two_headlines_is_incoherent() -> None:
    left, right = (f"{h}\n\n{LONGER_COOKIE_WALL}" for h in JUNK_HEADLINES)
    assert len(tokenize(left)) > ScanOptions().min_words
    found, accepted = compare(left, right)
    assert 0.8 < found.jaccard < 0.9  # far above the threshold, below the "identical" override
    assert found.aligned and found.spread == 4 and found.shared_sentences == 3
    # Neither headline's words (storm, closes, mountain, pass; bakery, wins, bread...) occur
    # in the other page.
    assert found.coherent is False
    assert not accepted
    result = scan_documents([doc("storm", left), doc("bakery", right)])
    assert result.stats.candidate_pairs == 1
    assert result.clusters == []
    # Under the same headline the same page is a copy.
    _, same = compare(left, f"{JUNK_HEADLINES[0]}\n\n{LONGER_COOKIE_WALL}")
    assert same


def test_long_scraper_junk_under_two_headlines_is_not_merged() -> None:
    left, right = (f"{h}\n\n{LONG_COOKIE_WALL}" for h in JUNK_HEADLINES)
    found, accepted = compare(left, right)
    assert found.coherent is False
    assert not accepted


# --- prepare + decide over one evidence cache -------------------------------------------------

LOOSE = ScanOptions()
STRICT = ScanOptions(jaccard_threshold=0.75, containment_threshold=1.0, min_shared_sentences=8)


def test_strict_and_loose_rules_differ_on_the_corpus() -> None:
    assert len(scan_documents(CORPUS, LOOSE).clusters[0].members) == 3
    # Only the padded copy is left with the wire story: one edge, equal centrality, so the
    # longer text (the padded copy) is canonical.
    assert member_ids(scan_documents(CORPUS, STRICT)) == [
        ["a-gazette/island-ferries.txt", "z-wire/ferry-order.txt"]
    ]


def test_decide_with_two_rules_over_one_cache_matches_fresh_scans(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prepared = prepare(CORPUS, LOOSE)
    cache = EvidenceCache(prepared.features)
    for options in (LOOSE, STRICT, LOOSE):
        clusters, stats = decide(prepared, options, cache)
        fresh = scan_documents(CORPUS, options)
        assert clusters == fresh.clusters
        assert stats == fresh.stats
    # A further rule reads every pair's evidence from the cache: the only evidence computed
    # is the members' scores against their canonical text.
    computed: list[int] = []
    original = Evidence.of

    def counting(cls, left, right):
        computed.append(1)
        return original(left, right)

    monkeypatch.setattr(Evidence, "of", classmethod(counting))
    clusters, _ = decide(prepared, STRICT, cache)
    assert len(computed) == sum(len(c.members) - 1 for c in clusters) == 1


def test_prepare_keeps_features_and_signatures_not_texts() -> None:
    prepared = prepare(CORPUS, LOOSE)
    assert [info.id for info in prepared.infos] == [d.id for d in CORPUS]
    assert prepared.signatures.shape == (len(CORPUS), LOOSE.num_perm)
    for features, document in zip(prepared.features, CORPUS, strict=True):
        assert np.array_equal(features.shingles, extract(document.text, K).shingles)
    assert prepared.boilerplate.size == 0
    assert prepared.options == LOOSE


def test_compare_uses_the_scan_rule() -> None:
    found, accepted = compare(WIRE, TRIMMED_COPY)
    assert accepted
    assert found == evidence(WIRE, TRIMMED_COPY)
    assert compare(WIRE, REWRITE)[1] is False
    assert compare(WIRE, TRIMMED_COPY, STRICT)[1] is False


# --- Options ------------------------------------------------------------------------------------


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
        {"sentence_containment": 0.0},
        {"min_shared_shingles": 0},
        {"min_shared_sentences": 0},
        {"min_spread": -1},
        {"min_spread": 5},
        {"merge_support": -0.1},
        {"merge_support": 1.1},
        {"min_words": -1},
        {"boilerplate_spread": 1},
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
        min_spread=0,
        merge_support=0.0,
        min_words=0,
        boilerplate_spread=2,
    )
    bands, rows = options.bands_rows
    assert bands * rows <= 2


def test_scan_options_rule_carries_the_thresholds() -> None:
    options = ScanOptions(
        jaccard_threshold=0.3,
        containment_threshold=0.6,
        min_shared_shingles=40,
        min_shared_sentences=4,
        sentence_containment=0.25,
        min_spread=2,
    )
    rule = options.rule()
    assert (rule.jaccard_threshold, rule.containment_threshold) == (0.3, 0.6)
    assert (rule.min_shared_shingles, rule.min_shared_sentences) == (40, 4)
    assert (rule.sentence_containment, rule.min_spread) == (0.25, 2)
