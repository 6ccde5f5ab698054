"""Tests for boilerplate learned from the corpus: outlet furniture must not link articles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import dupfind
from dupfind import Document, ScanOptions, ScanResult, scan_documents
from dupfind.boilerplate import DEFAULT_MIN_SPREAD, learn
from dupfind.features import extract, unit_hash
from dupfind.normalize import tokenize
from dupfind.verify import Evidence

# --- learn() on hand-made unit arrays ----------------------------------------------------------


def units(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.uint64)


def lengths(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.uint32)


def test_docstring_example() -> None:
    docs = [units(1, 7), units(2, 7), units(3, 7)]
    words = [lengths(40, 3)] * 3
    assert learn(docs, words, components=[0, 1, 2], min_spread=3).tolist() == [7]


def test_a_unit_spread_over_enough_components_is_learned() -> None:
    # Unit 99 (a long "Share this article" line, 40 words) is in 5 documents of 5 different
    # components. Each document has only 2 words of its own: the own-text criterion is off.
    docs = [units(i, 99) for i in range(5)]
    words = [lengths(2, 40)] * 5
    assert learn(docs, words, components=[10, 11, 12, 13, 14], min_spread=5).tolist() == [99]
    # One component fewer and it stays.
    assert learn(docs, words, components=[10, 11, 12, 13, 13], min_spread=5).size == 0


def test_a_wire_paragraph_confined_to_its_cluster_is_not_learned() -> None:
    # 10 copies of one report (component 0) share paragraph 500 (60 words) and each adds a
    # short line of its own; 6 singletons and the 10 copies all carry the outlet line 77.
    copies = [units(500, 77, 1000 + i) for i in range(10)]
    copy_words = [lengths(60, 8, 5)] * 10
    singletons = [units(77, 2000 + i) for i in range(6)]
    singleton_words = [lengths(8, 120)] * 6
    components = [0] * 10 + list(range(1, 7))
    learned = learn(copies + singletons, copy_words + singleton_words, components)
    assert DEFAULT_MIN_SPREAD == 5
    assert learned.tolist() == [77]  # in 7 components
    # The paragraph is in 10 documents but 1 component, whose documents are mostly shared
    # text (5 words of their own out of 73).
    assert 500 not in learned


def test_furniture_that_merged_its_articles_is_learned_from_their_own_text() -> None:
    # 6 unrelated articles that a first clustering put together through furniture unit 77:
    # one component, but each is mostly text of its own (100 of 112 words).
    docs = [units(77, 3000 + i) for i in range(6)]
    words = [lengths(12, 100)] * 6
    components = [0] * 6
    assert learn(docs, words, components, min_spread=5).tolist() == [77]
    # The own share threshold is inclusive: 100 / 112 = 0.893.
    assert learn(docs, words, components, min_spread=5, own_share=100 / 112).tolist() == [77]
    assert learn(docs, words, components, min_spread=5, own_share=0.9).size == 0


def test_a_unit_in_fewer_than_min_spread_documents_is_never_learned() -> None:
    docs = [units(77, 3000 + i) for i in range(4)]
    words = [lengths(12, 100)] * 4
    assert learn(docs, words, components=[0, 1, 2, 3], min_spread=5).size == 0
    assert learn(docs, words, components=[0, 1, 2, 3], min_spread=4).tolist() == [77]


def test_documents_of_one_component_count_once() -> None:
    docs = [units(5, 6), units(5), units(5), units(5, 6), units(6)]
    words = [lengths(10, 10), lengths(10), lengths(10), lengths(10, 10), lengths(10)]
    # No document has words of its own. Unit 5: components {0, 1}; unit 6: {0, 1, 2}.
    assert learn(docs, words, components=[0, 0, 1, 1, 2], min_spread=3).tolist() == [6]
    assert learn(docs, words, components=[0, 0, 1, 1, 2], min_spread=2).tolist() == [5, 6]


def test_learned_units_are_sorted_unique_uint64() -> None:
    big = 2**64 - 5
    docs = [units(3, 8, big), units(8, big), units(3, 8, big)]
    words = [lengths(9, 9, 9), lengths(9, 9), lengths(9, 9, 9)]
    learned = learn(docs, words, components=[0, 1, 2], min_spread=3)
    assert learned.dtype == np.uint64
    assert learned.tolist() == [8, big]


@pytest.mark.parametrize(
    ("docs", "components"), [([], []), ([units(), units()], [0, 1]), ([units()], [0])]
)
def test_nothing_to_learn(docs: list[np.ndarray], components: list[int]) -> None:
    learned = learn(docs, [lengths()] * len(docs), components, min_spread=2)
    assert learned.size == 0
    assert learned.dtype == np.uint64


def test_features_give_learn_its_inputs() -> None:
    features = extract("Share this article.\n\nThe port reopened today. Boats came back.", 5)
    assert features.units.size == features.unit_words.size == 4
    by_hash = dict(zip(features.units.tolist(), features.unit_words.tolist(), strict=True))
    assert by_hash[unit_hash(["share", "this", "article"])] == 3
    assert by_hash[unit_hash(tokenize("The port reopened today. Boats came back."))] == 7
    assert by_hash[unit_hash(["boats", "came", "back"])] == 3


# --- The scan: furniture shared by unrelated articles ------------------------------------------

# An outlet's furniture, the same on every page it publishes. Long lines on purpose: enough
# shared shingles and sentences, at the top, middle and bottom of each page, to pass as a copy.
TOP = "Share this article with your friends and family on social media or by email."
MIDDLE = (
    "Story continues below advertisement, thank you for supporting independent local journalism."
)
BOTTOM = (
    "Sign up for our morning briefing to receive the most important stories of the day in "
    "your inbox."
)

# Eight unrelated invented articles: (headline, first paragraph, second, third).
ARTICLES = {
    "orchard": (
        "Frost damages apple blossom across the valley",
        "Growers in the upper valley said on Wednesday that two nights of hard frost had "
        "destroyed a large share of the apple blossom on exposed slopes. Some orchards lost "
        "almost every flower on their oldest trees, while farms near the river escaped with "
        "light damage.",
        "Farmers lit candles and ran wind machines through the night, but temperatures fell to "
        "minus five degrees before dawn. The regional growers association expects the harvest "
        "to fall by at least a third and has asked the agriculture ministry for emergency "
        "support for the smallest family farms.",
        "Insurers said most growers in the valley were not covered against frost, a risk "
        "that was thought to have become rare as winters grew milder.",
    ),
    "library": (
        "Town library reopens after long restoration",
        "The old library on Mill Street opened its doors again on Saturday after a restoration "
        "that replaced the leaking glass roof and repaired the carved oak galleries. Hundreds "
        "of residents queued in light rain before the ribbon was cut by the oldest member of "
        "the reading circle.",
        "Volunteers catalogued and cleaned about sixty thousand volumes while the building was "
        "closed, and found a forgotten box of letters from the architect inside a wall cavity. "
        "The head librarian said the reading room would stay open until nine on weekdays from "
        "next month.",
        "An exhibition of the letters, with drawings of a tower that was never built, will "
        "open in the entrance hall at the start of the school holidays.",
    ),
    "rowing": (
        "Students win national rowing title in photo finish",
        "A crew of eight university students won the national rowing championship on Sunday "
        "by less than a tenth of a second, after a race that the judges needed several minutes "
        "of slow motion footage to decide. The favourites had led for most of the course.",
        "The winning coach, a former Olympic sculler, said her rowers had trained at dawn on "
        "the canal all winter, often breaking ice with their oars. The crew will now represent "
        "the country at the European championships in Belgrade at the end of the summer.",
        "The university has promised new boats and a heated boathouse, which the students "
        "have asked for since their old shed flooded two winters ago.",
    ),
    "seagrass": (
        "Divers map recovering seagrass meadows in the bay",
        "Volunteer divers have mapped more than forty hectares of seagrass in the northern "
        "bay, twice the area recorded ten years ago, according to a survey published by the "
        "marine institute on Thursday. The meadows shelter young fish, crabs and seahorses.",
        "Scientists credit the recovery to a ban on anchoring in the shallows and to cleaner "
        "water since the sewage works were upgraded. They warned that warmer summers and storm "
        "damage could still reverse the gains, and plan to repeat the survey every spring.",
        "Fishermen, who once opposed the anchoring ban, now say that catches of young cod in "
        "the bay have improved noticeably over the last few seasons, and that the water looks "
        "clearer than they can remember.",
    ),
    "museum": (
        "Railway museum restores a steam locomotive built in 1912",
        "Engineers at the county railway museum have finished a six year restoration of a "
        "steam locomotive that once hauled coal trains through the mountain tunnels. The "
        "engine was found rusting in a scrapyard and needed a new boiler, new wheels and "
        "thousands of rivets.",
        "The museum plans to run the locomotive on its short heritage line every weekend from "
        "June, with tickets sold to pay for the coal and the water. Retired drivers who worked "
        "on the line in their youth have offered to teach the young volunteer crews.",
        "The restoration was paid for by a lottery grant and by thousands of small donations "
        "collected in a tin beside the ticket office.",
    ),
    "bakery": (
        "Village bakery wins prize for its rye bread",
        "A bakery with only three employees has won the national bread competition with a "
        "dark rye loaf made from a recipe handed down for four generations. The judges praised "
        "its crust, its sour aroma and the way it stayed fresh for a week.",
        "The owner said she starts the dough every evening at ten and bakes through the night "
        "in a wood fired oven built by her great grandfather. Since the prize was announced, "
        "customers have driven from the capital and the queue has reached the church square.",
        "She has refused offers from two supermarket chains to sell the loaf in their shops, "
        "saying it would not taste the same if it were baked in a factory.",
    ),
    "bridge": (
        "Engineers close old bridge after finding cracks",
        "The county closed the stone bridge over the Tamsel river on Monday after inspectors "
        "found deep cracks in two of its arches during a routine survey. Buses and delivery "
        "vans now face a detour of twenty kilometres through the neighbouring villages.",
        "Officials said divers would examine the foundations this week and that repairs could "
        "take most of the year. Shopkeepers on both banks fear losing customers and have asked "
        "for a temporary footbridge so that schoolchildren and older residents can still cross "
        "on foot.",
        "Engineers blamed heavy lorries that use the bridge as a shortcut, although a weight "
        "limit was introduced there more than a decade ago and is signposted on both approaches "
        "to the crossing.",
    ),
    "comet": (
        "Amateur astronomer discovers a new comet",
        "A retired schoolteacher using a telescope in his garden has discovered a comet that "
        "professional surveys had missed, the astronomical union confirmed on Friday. He "
        "spotted a faint smudge moving against the stars while photographing a distant galaxy.",
        "The comet will pass closest to the sun in the autumn and may become bright enough to "
        "see with binoculars from dark places. The discoverer said he had searched the sky on "
        "every clear night for eleven years and had almost given up hope of finding one.",
        "The comet will carry his name, a tradition that astronomers say rewards patience as "
        "much as it rewards expensive equipment. His wife, he added, has already asked whether "
        "the next one might be named after her.",
    ),
}


def page(key: str, middle: bool = True) -> str:
    """An article as scraped from the outlet: furniture above, inside and below the text."""
    headline, first, *rest = ARTICLES[key]
    parts = [TOP, headline, first, *([MIDDLE] if middle else []), *rest, BOTTOM]
    return "\n\n".join(parts) + "\n"


def corpus(with_middle: set[str] | None = None) -> list[Document]:
    keys = sorted(ARTICLES)
    wanted = set(keys) if with_middle is None else with_middle
    return [Document(id=k, text=page(k, k in wanted), title=k, path=k) for k in keys]


def clusters(result: ScanResult) -> list[list[str]]:
    return [sorted(m.id for m in c.members) for c in result.clusters]


def test_fixture_articles_are_unrelated_and_long_enough() -> None:
    for key in ARTICLES:
        body = "\n\n".join(ARTICLES[key])
        assert len(tokenize(body)) >= 120, key
    bodies = {k: extract("\n\n".join(v), 5) for k, v in ARTICLES.items()}
    for left in bodies:
        for right in bodies:
            if left < right:
                assert Evidence.of(bodies[left], bodies[right]).shared == 0, (left, right)


def test_without_learning_the_furniture_alone_merges_unrelated_articles() -> None:
    # The three lines give every pair 31 shared shingles and 3 shared sentences, at the top
    # (aligned), over three quarters of each page (spread): enough for the sentence branch.
    pages = {k: extract(page(k), 5) for k in ARTICLES}
    evidence = Evidence.of(pages["orchard"], pages["comet"])
    # Each line of n words gives n - 4 shingles (the ones crossing into the article differ).
    assert evidence.shared == sum(len(tokenize(line)) - 4 for line in (TOP, MIDDLE, BOTTOM)) == 31
    assert evidence.shared_sentences == 3
    assert evidence.aligned and evidence.spread >= 3 and evidence.coherent
    assert ScanOptions().rule().accepts(evidence)
    result = scan_documents(corpus(), ScanOptions(learn_boilerplate=False))
    assert clusters(result) == [sorted(ARTICLES)]
    assert result.stats.boilerplate_units == 0


def test_furniture_shared_by_unrelated_articles_does_not_merge_them() -> None:
    # The first clustering (furniture included) puts all 8 pages in one component, so the
    # furniture is not spread over components; it is learned because the pages are mostly
    # text of their own.
    result = scan_documents(corpus())
    assert result.stats.boilerplate_units > 0
    furniture = {unit_hash(tokenize(line)) for line in (TOP, MIDDLE, BOTTOM)}
    assert set(result.boilerplate.tolist()) == furniture
    assert result.clusters == []
    assert result.stats.verified_pairs == 0


def test_furniture_learned_when_it_alone_does_not_link_every_page() -> None:
    # Every page carries TOP and BOTTOM; only two carry MIDDLE too. Those two share three
    # furniture sentences over three quarters of the page and merge without learning; the
    # others share only two (top and bottom: spread 2) and stay apart.
    pages = corpus(with_middle={"orchard", "museum"})
    plain = scan_documents(pages, ScanOptions(learn_boilerplate=False))
    assert clusters(plain) == [["museum", "orchard"]]

    result = scan_documents(pages)
    assert result.clusters == []
    # TOP and BOTTOM are in 7 components of the first clustering: learned. MIDDLE is in
    # one component (the merged pair): not learned, and alone it cannot link two pages.
    expected = sorted(unit_hash(tokenize(line)) for line in (TOP, BOTTOM))
    assert result.boilerplate.tolist() == expected
    assert result.stats.boilerplate_units == 2
    assert result.stats.verified_pairs == 0


def test_boilerplate_spread_sets_how_widely_a_unit_must_recur() -> None:
    pages = corpus(with_middle={"orchard", "museum"})
    # TOP and BOTTOM are on all 8 pages: a spread of 9 learns nothing, and the furniture
    # merges the pair again.
    strict = scan_documents(pages, ScanOptions(boilerplate_spread=9))
    assert strict.stats.boilerplate_units == 0
    assert clusters(strict) == [["museum", "orchard"]]
    learned = scan_documents(pages, ScanOptions(boilerplate_spread=8))
    assert learned.stats.boilerplate_units == 2
    assert learned.clusters == []


# A wire story and a trimmed copy, both published by the outlet (with its furniture).
WIRE = (
    "Ferry operator orders six electric vessels for island routes",
    "The regional ferry company Brisklane Maritime said on Tuesday that it had signed a "
    "contract for six battery powered passenger vessels, the largest electric ferry order "
    "placed in the country so far. The boats, each able to carry 240 passengers and 40 cars, "
    "will enter service on the three busiest island crossings from the spring of 2028.",
    "Chief executive Marta Ellison said the order would cut the operator's fuel bill by "
    "roughly a third and remove about 18,000 tonnes of carbon dioxide emissions every year. "
    "Charging stations will be installed at five harbours, partly funded by a national grant "
    "for clean transport.",
    "Unions welcomed the announcement but asked for guarantees that engineers would be "
    "retrained rather than replaced.",
)
WIRE_PAGE = "\n\n".join([TOP, *WIRE, BOTTOM]) + "\n"
COPY_PAGE = "\n\n".join([TOP, "Island ferries to go electric", *WIRE[1:3], BOTTOM]) + "\n"


def test_a_real_copy_still_clusters_and_its_furniture_is_left_out() -> None:
    pages = [
        *corpus(with_middle={"orchard", "museum"}),
        Document(id="wire", text=WIRE_PAGE, title="wire", path="wire"),
        Document(id="zcopy", text=COPY_PAGE, title="copy", path="zcopy"),
    ]
    result = scan_documents(pages)
    assert clusters(result) == [["wire", "zcopy"]]
    assert result.stats.boilerplate_units == 2
    furniture_words = len(tokenize(TOP)) + len(tokenize(BOTTOM))
    members = {m.id: m for m in result.clusters[0].members}
    assert members["wire"].words == len(tokenize(WIRE_PAGE)) - furniture_words
    assert members["zcopy"].words == len(tokenize(COPY_PAGE)) - furniture_words


def test_scanning_files_learns_the_same_boilerplate(tmp_path: Path) -> None:
    # From files, the second look at affected documents reads them again (reread_files).
    pages = corpus(with_middle={"orchard", "museum"})
    for document in pages:
        (tmp_path / f"{document.id}.txt").write_text(document.text, encoding="utf-8")
    from_files = dupfind.scan([str(tmp_path)])
    in_memory = scan_documents(pages)
    assert from_files.clusters == in_memory.clusters == []
    assert from_files.boilerplate.tolist() == in_memory.boilerplate.tolist()
    assert from_files.stats.boilerplate_units == 2
    plain = dupfind.scan([str(tmp_path)], ScanOptions(learn_boilerplate=False))
    assert [sorted(m.id for m in c.members) for c in plain.clusters] == [
        ["museum.txt", "orchard.txt"]
    ]


def test_a_wire_lead_kept_by_many_trimmed_copies_is_not_learned() -> None:
    # Five outlets keep only the wire story's first paragraph, each under its own headline
    # and with a sentence of its own: the lead recurs in 6 documents, which are copies
    # (mostly shared text), so it is not furniture.
    own = [
        "Islanders have campaigned for quieter and cleaner boats for years, and the local "
        "council welcomed the news on Tuesday evening.",
        "The old diesel ferries, some of them forty years old, will be sold to operators "
        "abroad once the new vessels arrive.",
        "Harbour cafes on the smaller islands hope the new timetable will bring more day "
        "visitors in the summer months.",
        "Residents of the northern island, which has no bridge to the mainland, depend on the "
        "ferry for doctors and schools.",
        "A spokesman for the shipyard said the order would secure work for its welders and "
        "electricians until the end of the decade.",
    ]
    headlines = [
        "Electric ferries ordered for the islands",
        "Brisklane goes electric",
        "Six battery ferries for island crossings",
        "Island routes to get battery boats",
        "Shipyard wins electric ferry order",
    ]
    wire = "\n\n".join(WIRE) + "\n"
    copies = [
        Document(id=f"copy-{i}", text=f"{h}\n\n{WIRE[1]}\n\n{o}\n", title=h, path="")
        for i, (h, o) in enumerate(zip(headlines, own, strict=True))
    ]
    pages = [Document(id="wire", text=wire, title="", path=""), *copies]
    pages += corpus(with_middle=set())  # the outlet's unrelated pages, with TOP and BOTTOM
    result = scan_documents(pages)
    assert clusters(result) == [sorted(["wire", *(c.id for c in copies)])]
    lead = {unit_hash(tokenize(WIRE[1])), *(unit_hash(tokenize(s)) for s in WIRE[1].split(". "))}
    assert not lead & set(result.boilerplate.tolist())
    assert result.stats.boilerplate_units == 2  # TOP and BOTTOM only
