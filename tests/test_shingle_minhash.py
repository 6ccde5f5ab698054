"""Tests for word shingles and batched MinHash signatures (and their datasketch compatibility)."""

from __future__ import annotations

import numpy as np
import pytest
import xxhash
from datasketch import LeanMinHash, MinHash, MinHashLSH

import dupfind.minhash as minhash_module
from dupfind.minhash import EMPTY_VALUE, Signer, element_hashes32
from dupfind.normalize import tokenize
from dupfind.shingle import shingle_hashes, shingles_from_token_hashes, token_hashes

MASK64 = (1 << 64) - 1

PARAGRAPH = (
    "The harbour authority said on Monday that the container terminal would reopen\n"
    "after a three-day stoppage, and that ships waiting offshore would be handled first."
)
RETYPESET = (
    "  THE HARBOUR AUTHORITY said on Monday that the container terminal would reopen after a\n"
    "three–day stoppage — and that ships waiting offshore would be handled first…  "
)


def _fmix64(value: int) -> int:
    """MurmurHash3's 64-bit finalizer on a Python int (an independent reference)."""
    value ^= value >> 33
    value = (value * 0xFF51AFD7ED558CCD) & MASK64
    value ^= value >> 33
    value = (value * 0xC4CEB9FE1A85EC53) & MASK64
    return value ^ (value >> 33)


class TestShingles:
    def test_typography_and_wrapping_do_not_change_shingles(self) -> None:
        a = shingle_hashes(PARAGRAPH, k=5)
        b = shingle_hashes(RETYPESET, k=5)
        assert a.size > 0
        np.testing.assert_array_equal(a, b)

    def test_one_changed_word_changes_only_the_shingles_covering_it(self) -> None:
        words = [f"word{i}" for i in range(30)]
        changed = list(words)
        changed[15] = "different"
        a = shingle_hashes(" ".join(words), k=5)
        b = shingle_hashes(" ".join(changed), k=5)
        # 26 shingles each; the 5 windows covering position 15 differ, 21 are shared.
        assert a.size == b.size == 26
        assert np.intersect1d(a, b).size == 21

    def test_output_is_sorted_unique_uint64(self) -> None:
        text = "one two three one two three one two three four five"
        shingles = shingle_hashes(text, k=3)
        assert shingles.dtype == np.uint64
        assert np.all(shingles[1:] > shingles[:-1])  # strictly increasing: sorted and unique
        # The 9 windows are only 5 distinct phrases: (1 2 3), (2 3 1), (3 1 2), (2 3 4), (3 4 5).
        assert shingles.size == 5

    def test_word_order_matters(self) -> None:
        forward = shingle_hashes("a b c d e", k=5)
        backward = shingle_hashes("e d c b a", k=5)
        assert forward.size == backward.size == 1
        assert forward[0] != backward[0]

    def test_word_order_matters_for_every_k_above_one(self) -> None:
        for k in (2, 3, 4):
            forward = shingle_hashes("alpha beta gamma delta", k=k)
            backward = shingle_hashes("delta gamma beta alpha", k=k)
            assert np.intersect1d(forward, backward).size == 0, k

    def test_unigrams_ignore_order(self) -> None:
        np.testing.assert_array_equal(
            shingle_hashes("a b c d e", k=1), shingle_hashes("e d c b a", k=1)
        )

    @pytest.mark.parametrize("words", [1, 2, 4])
    def test_text_shorter_than_k_gives_one_shingle(self, words: int) -> None:
        text = " ".join(f"w{i}" for i in range(words))
        assert shingle_hashes(text, k=5).size == 1

    def test_short_text_shingle_is_the_whole_text_shingle(self) -> None:
        # A 3-word text with k=5 gets the one shingle of all its words, i.e. its k=3 shingle.
        np.testing.assert_array_equal(
            shingle_hashes("port strike ends", k=5), shingle_hashes("port strike ends", k=3)
        )

    def test_text_of_exactly_k_words_gives_one_shingle(self) -> None:
        assert shingle_hashes("a b c d e", k=5).size == 1

    @pytest.mark.parametrize("text", ["", "   \n", "... — !!"])
    def test_empty_text_gives_no_shingles(self, text: str) -> None:
        shingles = shingle_hashes(text, k=5)
        assert shingles.size == 0
        assert shingles.dtype == np.uint64

    @pytest.mark.parametrize(("n", "k"), [(5, 5), (6, 5), (40, 5), (100, 3), (17, 1)])
    def test_distinct_words_give_n_minus_k_plus_one_shingles(self, n: int, k: int) -> None:
        text = " ".join(f"token{i}" for i in range(n))
        assert shingle_hashes(text, k=k).size == n - k + 1

    def test_shingle_hash_follows_the_documented_combination(self) -> None:
        # h = t0; h = h * M ^ t for each next word (mod 2^64); then the MurmurHash3 finalizer.
        multiplier = 0x9E3779B97F4A7C15
        words = ["ferry", "order", "signed"]
        value = xxhash.xxh3_64_intdigest(words[0].encode())
        for word in words[1:]:
            value = ((value * multiplier) & MASK64) ^ xxhash.xxh3_64_intdigest(word.encode())
        assert shingle_hashes("Ferry order, signed.", k=3).tolist() == [_fmix64(value)]

    def test_token_hashes_are_xxh3_of_utf8(self) -> None:
        tokens = tokenize("Grève à Ōsaka 東")
        expected = [xxhash.xxh3_64_intdigest(t.encode("utf-8")) for t in tokens]
        assert token_hashes(tokens).tolist() == expected
        assert token_hashes([]).size == 0

    def test_shingle_size_must_be_positive(self) -> None:
        with pytest.raises(ValueError):
            shingles_from_token_hashes(np.array([1, 2, 3], dtype=np.uint64), 0)


def _random_set(rng: np.random.Generator, size: int) -> np.ndarray:
    return np.unique(rng.integers(0, np.iinfo(np.uint64).max, size=size, dtype=np.uint64))


def _datasketch_signature(shingles: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """Reference signature: datasketch updated with our 32-bit element hashes."""
    reference = MinHash(num_perm=num_perm, seed=seed, hashfunc=lambda v: v, scheme="affine32")
    reference.update_batch(element_hashes32(shingles))
    return reference.hashvalues


@pytest.fixture(scope="module")
def mixed_sets() -> list[np.ndarray]:
    """Empty, tiny, ordinary, and > 2^16-element sets, interleaved with many small ones."""
    rng = np.random.default_rng(20240611)
    sets = [
        _random_set(rng, 0),
        _random_set(rng, 1),
        _random_set(rng, 200),
        _random_set(rng, 70_500),  # larger than one numpy pass: exercises the slicing loop
        _random_set(rng, 0),
    ]
    sets += [_random_set(rng, int(rng.integers(0, 60))) for _ in range(400)]
    sets += [_random_set(rng, 65_000), _random_set(rng, 5), _random_set(rng, 0)]
    return sets


class TestSignerMatchesDatasketch:
    @pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (64, 7), (256, 12345)])
    def test_signatures_equal_datasketch_minhash(
        self, mixed_sets: list[np.ndarray], num_perm: int, seed: int
    ) -> None:
        assert max(s.size for s in mixed_sets) > 70_000
        signatures = Signer(num_perm=num_perm, seed=seed).sign(mixed_sets)
        assert signatures.shape == (len(mixed_sets), num_perm)
        assert signatures.dtype == np.uint32
        for index, shingles in enumerate(mixed_sets):
            expected = _datasketch_signature(shingles, num_perm, seed)
            np.testing.assert_array_equal(signatures[index], expected, err_msg=f"set {index}")

    def test_empty_set_gets_the_datasketch_empty_signature(self) -> None:
        signature = Signer(num_perm=32, seed=3).sign([np.empty(0, dtype=np.uint64)])[0]
        assert np.all(signature == EMPTY_VALUE)
        np.testing.assert_array_equal(
            signature, MinHash(num_perm=32, seed=3, scheme="affine32").hashvalues
        )

    def test_permutations_are_datasketch_permutations(self) -> None:
        signer = Signer(num_perm=16, seed=99)
        a, b = MinHash(num_perm=16, seed=99, scheme="affine32").permutations
        np.testing.assert_array_equal(signer._a.ravel(), a)
        np.testing.assert_array_equal(signer._b.ravel(), b)

    def test_different_seeds_give_different_signatures(self) -> None:
        shingles = [shingle_hashes(PARAGRAPH)]
        assert not np.array_equal(
            Signer(64, seed=1).sign(shingles), Signer(64, seed=2).sign(shingles)
        )

    def test_rejects_non_positive_num_perm(self) -> None:
        with pytest.raises(ValueError):
            Signer(num_perm=0)


class TestSignerBatching:
    def test_batch_equals_one_at_a_time(self, mixed_sets: list[np.ndarray]) -> None:
        signer = Signer(num_perm=64, seed=5)
        batch = signer.sign(mixed_sets)
        for index, shingles in enumerate(mixed_sets):
            np.testing.assert_array_equal(batch[index], signer.sign([shingles])[0])

    def test_a_prefix_signer_gives_the_first_values(self, mixed_sets: list[np.ndarray]) -> None:
        signer = Signer(num_perm=128, seed=5)
        full = signer.sign(mixed_sets)
        short = signer.prefix(56).sign(mixed_sets)
        assert short.shape == (len(mixed_sets), 56)
        np.testing.assert_array_equal(short, full[:, :56])
        assert signer.sign(mixed_sets).shape[1] == 128  # the original is untouched
        with pytest.raises(ValueError):
            signer.prefix(129)

    def test_repeated_elements_do_not_change_a_signature(
        self, mixed_sets: list[np.ndarray]
    ) -> None:
        signer = Signer(num_perm=64, seed=5)
        doubled = [np.concatenate((s, s[::-1])) for s in mixed_sets]
        np.testing.assert_array_equal(signer.sign(doubled), signer.sign(mixed_sets))

    def test_batch_order_does_not_matter(self, mixed_sets: list[np.ndarray]) -> None:
        signer = Signer(num_perm=64, seed=5)
        forward = signer.sign(mixed_sets)
        backward = signer.sign(mixed_sets[::-1])
        np.testing.assert_array_equal(forward, backward[::-1])

    @pytest.mark.parametrize("chunk", [1, 7, 100])
    def test_result_does_not_depend_on_chunk_size(
        self, monkeypatch: pytest.MonkeyPatch, chunk: int
    ) -> None:
        rng = np.random.default_rng(11)
        sets = [_random_set(rng, size) for size in (0, 3, 250, 1, 0, 40, 9, 120, 0)]
        signer = Signer(num_perm=32, seed=2)
        expected = signer.sign(sets)
        monkeypatch.setattr(minhash_module, "_CHUNK_ELEMENTS", chunk)
        np.testing.assert_array_equal(signer.sign(sets), expected)

    def test_slicing_a_chunk_of_several_documents(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # sign() never puts more than one non-empty document in a chunk that needs slicing, so
        # the fold of slice minima across documents is driven directly: with 5-element slices,
        # the slice 5:10 holds the end of a document begun in the previous slice plus two more,
        # and an empty document sits between two non-empty ones.
        monkeypatch.setattr(minhash_module, "_CHUNK_ELEMENTS", 5)
        rng = np.random.default_rng(23)
        sets = [_random_set(rng, size) for size in (3, 4, 0, 2, 6, 1, 9)]
        signer = Signer(num_perm=16, seed=8)
        out = np.full((len(sets), 16), EMPTY_VALUE, dtype=np.uint32)
        signer._sign_chunk(sets, 0, len(sets), out, np.empty((16, 5), dtype=np.uint32))
        for index, shingles in enumerate(sets):
            expected = _datasketch_signature(shingles, 16, 8)
            np.testing.assert_array_equal(out[index], expected, err_msg=f"set {index}")

    def test_empty_batch(self) -> None:
        assert Signer(num_perm=8).sign([]).shape == (0, 8)

    def test_duplicate_elements_in_the_low_32_bits_are_harmless(self) -> None:
        # Two 64-bit shingles with the same low half are one element for MinHash.
        low = np.uint64(0x1234_5678)
        shingles = np.array([low, low | np.uint64(1 << 40)], dtype=np.uint64)
        signer = Signer(num_perm=16, seed=4)
        np.testing.assert_array_equal(signer.sign([shingles])[0], signer.sign([shingles[:1]])[0])


class TestLeanMinHashInterop:
    def test_wrapped_signature_estimates_true_jaccard(self) -> None:
        rng = np.random.default_rng(3)
        universe = _random_set(rng, 3000)
        left, right = universe[:2000], universe[1000:]  # 1000 shared of 3000: Jaccard 1/3
        true_jaccard = np.intersect1d(left, right).size / np.union1d(left, right).size
        assert true_jaccard == pytest.approx(1 / 3, abs=0.01)

        seed, num_perm = 17, 256
        sig_left, sig_right = Signer(num_perm=num_perm, seed=seed).sign([left, right])
        lean_left = LeanMinHash(MinHash(seed=seed, hashvalues=sig_left, scheme="affine32"))
        lean_right = LeanMinHash(MinHash(seed=seed, hashvalues=sig_right, scheme="affine32"))
        assert len(lean_left) == num_perm
        assert lean_left.jaccard(lean_right) == pytest.approx(true_jaccard, abs=0.1)

    def test_wrapped_signature_equals_native_datasketch_sketch(self) -> None:
        shingles = shingle_hashes(PARAGRAPH)
        signature = Signer(num_perm=128, seed=1).sign([shingles])[0]
        lean = LeanMinHash(MinHash(seed=1, hashvalues=signature, scheme="affine32"))
        native = MinHash(num_perm=128, seed=1, hashfunc=lambda v: v, scheme="affine32")
        native.update_batch(element_hashes32(shingles))
        assert lean.jaccard(native) == 1.0
        assert lean == LeanMinHash(native)

    def test_wrapped_signatures_work_in_datasketch_lsh(self) -> None:
        base = [f"w{i}" for i in range(120)]
        near = base[:110] + [f"x{i}" for i in range(10)]
        other = [f"y{i}" for i in range(120)]
        sets = [shingle_hashes(" ".join(words)) for words in (base, near, other)]
        signatures = Signer(num_perm=128, seed=1).sign(sets)
        index = MinHashLSH(threshold=0.5, num_perm=128)
        for key, signature in zip(("base", "near", "other"), signatures, strict=True):
            index.insert(key, LeanMinHash(MinHash(seed=1, hashvalues=signature, scheme="affine32")))
        query = LeanMinHash(MinHash(seed=1, hashvalues=signatures[0], scheme="affine32"))
        assert sorted(index.query(query)) == ["base", "near"]
