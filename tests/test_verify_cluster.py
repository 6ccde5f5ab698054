"""Tests for the evidence of a pair, the decision rule, and the clustering of verified pairs."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from dupfind.cluster import UnionFind, choose_canonical, connected_components, guarded_components
from dupfind.features import QUARTERS, extract, quarter_counts
from dupfind.pipeline import EvidenceCache, verify_candidates
from dupfind.verify import DecisionRule, Evidence, _common

K = 5

# --- Invented paragraphs: two stories and some filler of a third -------------------------------

STORY = [
    "The harbour master of Keldwick said on Monday that the northern breakwater would be "
    "rebuilt this summer after winter storms tore away a forty metre section of its wall.",
    "Engineers will lower precast concrete blocks into place from a floating crane, a method "
    "that avoids closing the harbour mouth to fishing boats and the island ferry.",
    "The work is expected to cost about nine million and to take four months, paid for "
    "mostly by the national coastal defence fund and partly by harbour dues.",
    "Skippers welcomed the plan but asked why the repairs had taken so long to begin. The "
    "council said it had waited for spring tides to survey the damaged foundations.",
]
OTHER = [
    "A choir of retired miners from the valley has recorded its first album in a disused "
    "chapel, after a video of one rehearsal was watched millions of times online.",
    "The forty singers, the oldest of them ninety one, meet every Thursday evening and have "
    "performed at weddings, funerals and rugby matches for more than half a century.",
    "Their conductor, a former music teacher, said the proceeds would pay for a minibus so "
    "that members who no longer drive can still travel to concerts in other towns.",
]
THIRD = [
    "Volunteers counted a record number of grey seal pups on the outer skerries this winter, "
    "more than double the figure recorded when the count began twenty years ago.",
    "Wardens credit a ban on summer boat landings and the return of sand eels to the sound, "
    "and will fit a dozen pups with small tags to follow them through the spring.",
    "Visitors are asked to stay at least fifty metres from the colony and keep dogs on leads, "
    "as mothers frightened off the beaches may abandon their young.",
]


def text(*paragraphs: str) -> str:
    return "\n\n".join(paragraphs) + "\n"


def features(*paragraphs: str):
    return extract(text(*paragraphs), K)


def arr(*values: int) -> np.ndarray:
    return np.array(sorted(values), dtype=np.uint64)


# --- Evidence ----------------------------------------------------------------------------------


class TestEvidenceOverlap:
    def test_jaccard_and_containment_by_hand_with_one_word_shingles(self) -> None:
        # k = 1: shingles are words. {alpha beta gamma delta} and {gamma delta epsilon}:
        # shared {gamma, delta} = 2, union 5, smaller set 3.
        left = extract("alpha beta gamma delta", 1)
        right = extract("gamma delta epsilon", 1)
        evidence = Evidence.of(left, right)
        assert evidence.shared == 2
        assert evidence.jaccard == pytest.approx(2 / 5)
        assert evidence.containment == pytest.approx(2 / 3)
        # Shared text at the top of both: aligned, and coherent (no head before it).
        assert evidence.aligned and evidence.coherent
        # Spread over the shorter text's 3 windows: quarters [0, .75) [.75, 1.5) [1.5, 2.25)
        # [2.25, 3] hold windows 0, 1, 2 and none; gamma (0) and delta (1) are shared: 2.
        assert evidence.spread == 2

    def test_jaccard_and_containment_by_hand_with_three_word_shingles(self) -> None:
        # "one two three four five": {one two three, two three four, three four five};
        # "three four five six": {three four five, four five six}. Shared 1, union 4.
        evidence = Evidence.of(
            extract("one two three four five", 3), extract("three four five six", 3)
        )
        assert (evidence.shared, evidence.jaccard, evidence.containment) == (1, 0.25, 0.5)

    def test_identical_texts(self) -> None:
        story = features(*STORY)
        evidence = Evidence.of(story, features(*STORY))
        assert evidence.shared == story.shingles.size
        assert (evidence.jaccard, evidence.containment) == (1.0, 1.0)
        assert evidence.shared_sentences == story.sentences.size == 5
        assert (evidence.aligned, evidence.spread, evidence.coherent) == (True, 4, True)

    def test_disjoint_texts(self) -> None:
        evidence = Evidence.of(features(*STORY), features(*OTHER))
        assert (evidence.shared, evidence.jaccard, evidence.containment) == (0, 0.0, 0.0)

    @pytest.mark.parametrize(("left", "right"), [("", ""), ("", "x"), ("x", "")])
    def test_empty_texts_share_nothing(self, left: str, right: str) -> None:
        left_text = left and text(*STORY)
        right_text = right and text(*STORY)
        evidence = Evidence.of(extract(left_text, K), extract(right_text, K))
        assert (evidence.shared, evidence.jaccard, evidence.containment) == (0, 0.0, 0.0)
        assert not evidence.aligned

    def test_texts_without_words_share_nothing(self) -> None:
        story = features(*STORY)
        for blank in ("\n\n", "... !!!"):
            for evidence in (
                Evidence.of(story, extract(blank, K)),
                Evidence.of(extract(blank, K), story),
            ):
                assert (evidence.shared, evidence.jaccard, evidence.words) == (0, 0.0, 0)

    def test_shared_sentences_count_verbatim_sentences_of_six_words_or_more(self) -> None:
        left = extract(
            "Officials closed the coastal road on Friday night. It may reopen soon. "
            "Drivers should use the inland route through Marrow instead.",
            K,
        )
        right = extract(
            "Officials closed the coastal road on Friday night. It may reopen soon. "
            "Police asked drivers to avoid the area until further notice.",
            K,
        )
        # Two sentences in common, but "It may reopen soon." has only four words.
        assert Evidence.of(left, right).shared_sentences == 1

    def test_symmetric(self) -> None:
        long, short = features(*STORY, *OTHER), features(STORY[0], STORY[1], OTHER[2])
        assert Evidence.of(long, short) == Evidence.of(short, long)


class TestEvidencePositions:
    def test_trimmed_copy_with_a_new_headline_is_aligned_and_spread(self) -> None:
        wire = features(*STORY)
        copy = features("Storm-hit Keldwick breakwater to get new wall", *STORY[:3])
        evidence = Evidence.of(wire, copy)
        assert evidence.aligned
        assert evidence.spread == 4
        assert evidence.coherent  # the copy's headline words (keldwick, breakwater) are in wire
        assert evidence.containment > 0.9 > evidence.jaccard

    def test_copy_sharing_only_its_top_paragraph_has_low_spread(self) -> None:
        # Both open with the same paragraph, then go their own ways: a shared lead, or a
        # block of site furniture at the top of two pages.
        left = features(STORY[0], *OTHER)
        right = features(STORY[0], *THIRD)
        evidence = Evidence.of(left, right)
        assert evidence.aligned
        assert evidence.spread == 1
        assert evidence.shared_sentences == 1
        assert 0.2 < evidence.containment < 0.35
        # Enough overlap for a lower containment threshold, but the spread gate says no.
        lenient = DecisionRule(containment_threshold=0.2)
        assert not lenient.accepts(evidence)
        assert replace(lenient, min_spread=1).accepts(evidence)

    def test_paragraphs_carried_in_the_middle_are_not_aligned(self) -> None:
        story = features(*STORY)
        # An article about the choir that carries two breakwater paragraphs after its own two.
        carrier = features(*OTHER[:2], STORY[0], STORY[1], OTHER[2])
        evidence = Evidence.of(story, carrier)
        assert evidence.shared > 40
        assert evidence.shared_sentences == 2
        assert not evidence.aligned

    def test_two_headlines_over_the_same_text_are_coherent_when_a_headline_word_recurs(
        self,
    ) -> None:
        body = STORY[1:]
        matching = features("Keldwick seawall works approved", *body)
        other = features("Repairs planned after winter storms", *body)
        # "repairs" (second headline) occurs in the body under the first one.
        assert Evidence.of(matching, other).coherent
        unrelated = features("Choir records album in disused chapel", *body)
        evidence = Evidence.of(matching, unrelated)
        assert evidence.aligned and evidence.spread == 4 and evidence.jaccard > 0.8
        assert not evidence.coherent  # neither headline's words occur in the other text
        assert not DecisionRule().accepts(evidence)


class TestFastPathsEqualNumpy:
    """Verification's two hot helpers against the numpy calls they replace."""

    @pytest.mark.parametrize("sizes", [(0, 5), (5, 0), (1, 1), (40, 700), (700, 650), (9, 9)])
    def test_common_positions_equal_intersect1d(self, sizes: tuple[int, int]) -> None:
        rng = np.random.default_rng(sum(sizes))
        pool = rng.integers(0, 2**64 - 1, size=1000, dtype=np.uint64, endpoint=True)
        pool = np.unique(pool)
        left = np.sort(rng.choice(pool, size=sizes[0], replace=False))
        right = np.sort(rng.choice(pool, size=sizes[1], replace=False))
        expected = np.intersect1d(left, right, assume_unique=True, return_indices=True)
        left_index, right_index = _common(left, right)
        assert left_index.tolist() == expected[1].tolist()
        assert right_index.tolist() == expected[2].tolist()
        assert left[left_index].tolist() == right[right_index].tolist() == expected[0].tolist()

    @pytest.mark.parametrize("windows", [1, 2, 3, 4, 5, 7, 101, 4096, 1_000_003])
    def test_quarter_counts_equal_histogram(self, windows: int) -> None:
        rng = np.random.default_rng(windows)
        positions = rng.integers(0, windows, size=500).astype(np.uint32)
        positions[:2] = [0, windows - 1]
        edges = np.linspace(0, windows, QUARTERS + 1)
        expected = np.histogram(positions, bins=edges)[0]
        assert quarter_counts(positions, windows).tolist() == expected.tolist()

    def test_a_document_counts_its_quarters_once_and_keeps_them(self) -> None:
        wire = features(*STORY)
        counts = wire.quarter_counts
        assert counts.sum() == wire.shingles.size and (counts > 0).all()
        assert wire.quarter_counts is counts


# --- The decision rule -------------------------------------------------------------------------

RULE = DecisionRule()
# Passes every gate; overlap below every threshold: each test raises one branch's overlap.
WEAK = Evidence(
    shared=10,
    jaccard=0.1,
    containment=0.1,
    shared_sentences=1,
    aligned=True,
    spread=3,
    coherent=True,
)


class TestDecisionRule:
    def test_defaults(self) -> None:
        expected = DecisionRule(
            jaccard_threshold=0.2,
            containment_threshold=0.35,
            min_shared_shingles=20,
            min_shared_sentences=2,
            sentence_containment=0.15,
            identical=0.9,
            min_spread=3,
        )
        assert expected == RULE

    def test_weak_overlap_is_rejected(self) -> None:
        assert not RULE.accepts(WEAK)

    def test_jaccard_branch_is_inclusive(self) -> None:
        assert RULE.accepts(replace(WEAK, jaccard=0.2))
        assert not RULE.accepts(replace(WEAK, jaccard=0.199))

    def test_containment_branch_needs_enough_shared_shingles(self) -> None:
        assert RULE.accepts(replace(WEAK, containment=0.35, shared=20))
        assert not RULE.accepts(replace(WEAK, containment=0.35, shared=19))
        assert not RULE.accepts(replace(WEAK, containment=0.349, shared=500))

    def test_sentence_branch_needs_some_containment(self) -> None:
        assert RULE.accepts(replace(WEAK, shared_sentences=2, containment=0.15))
        assert not RULE.accepts(replace(WEAK, shared_sentences=1, containment=0.3))
        assert not RULE.accepts(replace(WEAK, shared_sentences=5, containment=0.149))

    @pytest.mark.parametrize(
        "gate", [{"aligned": False}, {"coherent": False}, {"spread": 1}, {"spread": 0}]
    )
    def test_every_branch_needs_alignment_spread_and_coherence(self, gate: dict) -> None:
        strong = replace(WEAK, jaccard=0.8, containment=0.9, shared=500, shared_sentences=9)
        assert RULE.accepts(strong)
        assert not RULE.accepts(replace(strong, **gate))

    def test_three_shared_sentences_make_half_the_text_enough(self) -> None:
        # A copy trimmed to the wire's first sentences and padded with as much text of its
        # own shares only the top half of itself: three verbatim sentences vouch for it.
        half = replace(WEAK, jaccard=0.25, spread=2, shared_sentences=3)
        assert RULE.accepts(half)
        assert not RULE.accepts(replace(half, shared_sentences=2))
        assert not RULE.accepts(replace(half, spread=1))

    def test_alignment_can_be_waived(self) -> None:
        carried = replace(WEAK, jaccard=0.5, aligned=False)
        assert not RULE.accepts(carried)
        assert DecisionRule(require_alignment=False).accepts(carried)
        assert not DecisionRule(require_alignment=False).accepts(replace(carried, spread=2))

    def test_min_spread_is_configurable(self) -> None:
        top_only = replace(WEAK, jaccard=0.5, spread=1)
        assert not RULE.accepts(top_only)
        assert DecisionRule(min_spread=1).accepts(top_only)
        assert DecisionRule(min_spread=0).accepts(replace(top_only, spread=0))

    def test_near_identical_texts_need_no_gate_but_coherence(self) -> None:
        # Jaccard >= 0.9 overrides alignment and spread (two copies of a short text whose
        # quarters are too small to count), but not coherence: a long junk block under two
        # unrelated headlines is near-identical too.
        odd = Evidence(
            shared=50, jaccard=0.9, containment=0.95, aligned=False, spread=0, coherent=True
        )
        assert RULE.accepts(odd)
        assert not RULE.accepts(replace(odd, jaccard=0.89))
        assert not DecisionRule(identical=0.95).accepts(odd)
        assert not RULE.accepts(replace(odd, coherent=False))

    def test_nothing_shared_is_never_a_copy(self) -> None:
        impossible = Evidence(shared=0, jaccard=1.0, containment=1.0, aligned=True, spread=4)
        assert not RULE.accepts(impossible)

    def test_with_real_texts(self) -> None:
        wire = features(*STORY)
        trimmed = features("Storm-hit Keldwick breakwater to get new wall", *STORY[:3])
        carrier = features(*OTHER[:2], STORY[0], STORY[1], OTHER[2])
        assert RULE.accepts(Evidence.of(wire, trimmed))
        assert not RULE.accepts(Evidence.of(wire, carrier))
        assert not RULE.accepts(Evidence.of(wire, features(*OTHER)))


class TestVerifyCandidates:
    DOCS = (
        text(*STORY),  # 0
        text("Storm-hit Keldwick breakwater to get new wall", *STORY[:3]),  # 1: a copy of 0
        text(*OTHER),  # 2
        text(*OTHER[:2], STORY[0], STORY[1], OTHER[2]),  # 3: carries two paragraphs of 0
    )

    def test_accepted_pairs_in_pair_order_with_their_evidence(self) -> None:
        cache = EvidenceCache([extract(t, K) for t in self.DOCS])
        pairs = np.array([[0, 1], [0, 2], [0, 3], [1, 2], [2, 3]], dtype=np.int64)
        accepted = verify_candidates(pairs, cache, RULE)
        # 3 is the choir story (2) with two breakwater paragraphs in its middle: a copy of 2,
        # not of 0 (the breakwater text starts far down in 3).
        assert [(a, b) for a, b, _ in accepted] == [(0, 1), (2, 3)]
        for a, b, evidence in accepted:
            assert evidence == Evidence.of(cache.features[a], cache.features[b])

    def test_cache_computes_each_pair_once_whatever_the_order(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        computed: list[tuple[int, int]] = []
        original = Evidence.of

        def counting(cls, left, right):
            computed.append((left.words, right.words))
            return original(left, right)

        monkeypatch.setattr(Evidence, "of", classmethod(counting))
        cache = EvidenceCache([extract(t, K) for t in self.DOCS])
        first = cache(0, 1)
        assert cache(1, 0) is first
        assert cache(0, 1) is first
        assert first == original(cache.features[0], cache.features[1])
        assert len(computed) == 1
        cache(2, 3)
        assert len(computed) == 2

    def test_no_pairs(self) -> None:
        assert verify_candidates(np.empty((0, 2), dtype=np.int64), EvidenceCache([]), RULE) == []


# --- Guarded components ------------------------------------------------------------------------


def copies(*pairs: tuple[int, int]):
    """An ``is_copy`` that accepts exactly the given unordered pairs."""
    accepted = {frozenset(p) for p in pairs}
    calls: list[tuple[int, int]] = []

    def is_copy(a: int, b: int) -> bool:
        calls.append((a, b))
        return frozenset((a, b)) in accepted

    is_copy.calls = calls  # type: ignore[attr-defined]
    return is_copy


class TestGuardedComponents:
    # a=0, b=1, c=2, d=3: a-b and b-c (strong edges, first) and a-c are copies; the edge c-d
    # comes last, and d agrees only with c.
    EDGES = ((0, 1), (1, 2), (2, 3))

    @staticmethod
    def chain():
        return copies((0, 1), (1, 2), (0, 2), (2, 3))

    def test_a_member_agreeing_with_one_of_three_does_not_join(self) -> None:
        # Merging {a, b, c} with {d}: 1 of 3 pairs agree, below half.
        assert guarded_components(4, self.EDGES, self.chain(), support=0.5) == [[0, 1, 2]]

    def test_with_no_support_required_it_is_plain_union_find(self) -> None:
        assert guarded_components(4, self.EDGES, self.chain(), support=0.0) == [[0, 1, 2, 3]]
        assert connected_components(4, list(self.EDGES)) == [[0, 1, 2, 3]]

    def test_support_threshold_is_inclusive(self) -> None:
        # d agrees with b and c: 2 of 3 pairs, i.e. 0.67.
        is_copy = copies((0, 1), (1, 2), (0, 2), (2, 3), (1, 3))
        assert guarded_components(4, self.EDGES, is_copy, support=2 / 3) == [[0, 1, 2, 3]]
        assert guarded_components(4, self.EDGES, is_copy, support=0.7) == [[0, 1, 2]]

    def test_two_stories_are_not_chained_by_one_carrier(self) -> None:
        # Story A = {0, 1, 2}, story B = {3, 4, 5}; 2 carries B's paragraphs and verifies
        # against 3 only. Strong edges come first, the bridging edge last.
        edges = [(0, 1), (0, 2), (1, 2), (3, 4), (3, 5), (4, 5), (2, 3)]
        is_copy = copies(*edges)
        assert connected_components(6, edges) == [[0, 1, 2, 3, 4, 5]]
        assert guarded_components(6, edges, is_copy) == [[0, 1, 2], [3, 4, 5]]

    def test_singletons_merge_without_a_check(self) -> None:
        is_copy = copies()
        assert guarded_components(3, [(0, 2)], is_copy) == [[0, 2]]
        assert is_copy.calls == []  # type: ignore[attr-defined]

    def test_checks_are_bounded_by_the_sample(self) -> None:
        # Two groups of 10 identical copies joined by one edge: at most sample**2 checks.
        left, right = range(10), range(10, 20)
        edges = [(0, i) for i in left if i] + [(10, i) for i in right if i] + [(9, 19)]
        everything = [(a, b) for a in range(20) for b in range(a + 1, 20)]
        is_copy = copies(*everything)
        assert guarded_components(20, edges, is_copy, sample=3) == [list(range(20))]
        calls = is_copy.calls  # type: ignore[attr-defined]
        bridge_checks = [(a, b) for a, b in calls if (a < 10) != (b < 10)]
        assert 1 <= len(bridge_checks) <= 9
        # Only the first 3 members (sorted) of each group are sampled.
        assert {min(a, b) for a, b in bridge_checks} <= {0, 1, 2}
        assert {max(a, b) for a, b in bridge_checks} <= {10, 11, 12}
        assert len(calls) <= 9 * 9  # every merge is checked on at most sample**2 pairs

    def test_output_is_sorted_and_independent_of_labels_order(self) -> None:
        edges = [(9, 7), (5, 8), (7, 3), (8, 1)]
        is_copy = copies((9, 7), (5, 8), (7, 3), (8, 1), (9, 3), (5, 1))
        expected = [[1, 5, 8], [3, 7, 9]]
        assert guarded_components(10, edges, is_copy) == expected
        assert guarded_components(10, edges, is_copy) == expected  # deterministic
        assert guarded_components(10, [(b, a) for a, b in edges], is_copy) == expected

    def test_no_edges(self) -> None:
        assert guarded_components(5, [], copies()) == []

    def test_edges_within_a_group_are_skipped(self) -> None:
        is_copy = copies((0, 1), (1, 2), (0, 2))
        edges = [(0, 1), (1, 2), (0, 2), (2, 0)]
        assert guarded_components(3, edges, is_copy) == [[0, 1, 2]]


# --- Union-find components and the canonical member (unchanged) --------------------------------


class TestConnectedComponents:
    def test_chain_is_one_component(self) -> None:
        assert connected_components(5, [(0, 1), (1, 2), (2, 3), (3, 4)]) == [[0, 1, 2, 3, 4]]

    def test_isolated_nodes_are_left_out(self) -> None:
        assert connected_components(8, [(1, 6), (3, 4)]) == [[1, 6], [3, 4]]

    def test_no_edges(self) -> None:
        assert connected_components(4, []) == []

    def test_components_sorted_internally_and_by_smallest_node(self) -> None:
        edges = [(7, 9), (2, 8), (5, 9), (0, 8)]
        assert connected_components(10, edges) == [[0, 2, 8], [5, 7, 9]]

    def test_order_of_edges_does_not_matter(self) -> None:
        edges = [(0, 4), (4, 9), (2, 3), (6, 7), (7, 2), (1, 5)]
        expected = connected_components(10, edges)
        assert expected == [[0, 4, 9], [1, 5], [2, 3, 6, 7]]
        assert connected_components(10, edges[::-1]) == expected
        assert connected_components(10, [(b, a) for a, b in edges]) == expected

    def test_redundant_edges_and_cycles(self) -> None:
        edges = [(0, 1), (1, 2), (2, 0), (0, 1), (1, 0)]
        assert connected_components(3, edges) == [[0, 1, 2]]

    def test_long_chain_in_reverse(self) -> None:
        count = 5000
        edges = [(i, i + 1) for i in reversed(range(count - 1))]
        assert connected_components(count, edges) == [list(range(count))]

    def test_union_find_reports_merges(self) -> None:
        forest = UnionFind(4)
        assert forest.union(0, 1)
        assert forest.union(2, 3)
        assert not forest.union(1, 0)
        assert forest.union(1, 3)
        assert len({forest.find(i) for i in range(4)}) == 1


class TestChooseCanonical:
    def test_most_central_member_wins(self) -> None:
        # Star around node 2: its edges sum to 1.5; the others have 0.8, 0.7 and 0.3 + 0.2.
        edges = [(0, 2, 0.8), (1, 2, 0.7), (2, 3, 0.0), (1, 3, 0.3)]
        lengths = [900, 900, 100, 900]  # the centre is the shortest: length must not decide
        ids = ["a", "b", "z", "c"]  # and its id is the largest
        assert choose_canonical([0, 1, 2, 3], edges, lengths, ids) == 2

    def test_tie_in_centrality_goes_to_longer(self) -> None:
        edges = [(0, 1, 0.6)]
        assert choose_canonical([0, 1], edges, [50, 80], ["a", "b"]) == 1

    def test_tie_in_centrality_and_length_goes_to_smaller_id(self) -> None:
        edges = [(0, 1, 0.6)]
        assert choose_canonical([0, 1], edges, [80, 80], ["zeta", "alpha"]) == 1

    def test_floating_point_noise_does_not_break_a_tie(self) -> None:
        # 0.1 + 0.2 != 0.3 in floating point; centralities are compared rounded.
        edges = [(0, 1, 0.1), (0, 1, 0.2), (1, 2, 0.3)]
        # Node 0: 0.1 + 0.2; node 2: 0.3; between 0 and 2, the length decides.
        assert choose_canonical([0, 2], edges, [10, 20, 30], ["a", "b", "c"]) == 2

    def test_members_outside_the_edge_list_have_zero_centrality(self) -> None:
        assert choose_canonical([0, 1, 2], [(0, 1, 0.4)], [5, 5, 999], ["a", "b", "c"]) == 0
