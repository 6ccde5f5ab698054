"""Synthetic news corpus with planted syndicated clusters, for dupfind benchmarks.

Every word is invented here (apart from a list of English function words), so the corpus can be
shared and regenerated freely; nothing is read from real articles. Articles look like news:
a headline line, a blank line, short paragraphs of sentences whose words follow a Zipf-like
frequency law over a ~30,000-word vocabulary, with people, places, organisations, figures,
quotes and attributions ("..., Okonda said.").

The corpus is a sequence of *stories*:

- a **local story**: one article written by one outlet (with that outlet's furniture), a
  singleton cluster;
- a **wire story**: an agency original (dateline, "Reporting by ...") present with probability
  0.8, plus 1-6 outlet copies made like real syndication (:func:`make_copy`): a new headline,
  outlet furniture ("Story continues below advertisement", "Also read: <headline>", link
  lists, bylines, copyright lines), curly or straight quotes, a trimmed ending (the last 0-60%
  of paragraphs dropped), 0-2 added paragraphs, 0-3 lightly edited sentences (a word swapped,
  a number reformatted), an occasional paragraph moved up, re-wrapped lines. The original and
  its copies form one cluster;
- with probability 0.25 a wire story also gets a **decoy**: the same event written up
  independently (same names, places and figures, different sentences), its own singleton
  cluster. dupfind must keep it apart.

``--dup-rate`` is the expected fraction of documents that are duplicates in dupfind's sense
(cluster members other than the canonical one: cluster size - 1, summed); the fraction of wire
stories is derived from it.

Output (``OUT_DIR``): ``docs/<id>.txt`` (``--layout sharded``: ``docs/<shard>/<id>.txt``, at most
10,000 files per folder) where ids are zero-padded numbers assigned by a random permutation,
so neither names nor order reveal clusters; and ``labels.json``::

    {"generator": {...parameters...}, "clusters": [["0003/00031234", ...], ...]}

ids in ``labels.json`` are paths relative to ``OUT_DIR/docs`` without ``.txt``; every document is
in exactly one cluster (singletons included); clusters are sorted by their smallest id, members
by id. The same ``--seed`` (and ``--docs``, ``--words``, ``--dup-rate``, ``--layout``) gives
byte-identical files and labels whatever ``--jobs`` is: work is cut into fixed chunks of
stories, each with its own random stream.

Speed: vocabulary forms are pre-built numpy object arrays; the word ids of a whole article are
drawn at once (one integer draw and a gather through a precomputed inverse-CDF table) and
joined per sentence, so per-word Python work is limited to ``str.join``. ``--jobs`` processes
write disjoint sets of files.

Python API (in-memory, no files)::

    from generate import generate_articles, make_copy, new_story, write_article
    for doc_id, text, cluster in generate_articles(1000, seed=7):
        ...
    rng = numpy.random.default_rng(1)
    story = new_story(rng)
    wire = write_article(rng, story, words=1500, wire=True)
    copy = make_copy(rng, wire, story=story)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

__all__ = [
    "OUTLETS",
    "Outlet",
    "Plan",
    "Story",
    "generate_articles",
    "make_copy",
    "make_decoy",
    "new_story",
    "plan_corpus",
    "write_article",
    "write_corpus",
]

GENERATOR_VERSION = 1
VOCAB_SEED = 20240611  # the vocabulary, names and outlets are fixed; --seed drives the corpus
CHUNK_DOCS = 1000  # documents per unit of work (fixed, so the output does not depend on --jobs)
SHARD_SIZE = 10_000  # files per folder in the sharded layout

# Story mix (see the module docstring).
P_ORIGINAL = 0.8  # a wire story's agency original is in the corpus
MIN_COPIES, MAX_COPIES = 1, 6
P_DECOY = 0.25  # a wire story also has an independent write-up of the same event

# Text shape.
MIN_SENTENCE, MAX_SENTENCE = 9, 32  # words per sentence
P_COMMA = 0.06  # an interior word is followed by a comma
P_ENTITY = 0.055  # an interior word is replaced by a story entity (name, place, figure, keyword)
P_ATTRIBUTION = 0.08  # a sentence ends with ", <Surname> said."
P_QUOTE = 0.2  # a paragraph opens with a quoted sentence

# fmt: off
FUNCTION_WORDS = (
    "the", "of", "and", "to", "a", "in", "that", "for", "on", "said", "is", "was", "with", "by",
    "it", "at", "as", "from", "he", "has", "have", "be", "an", "are", "its", "his", "not",
    "were", "but", "they", "had", "which", "this", "after", "will", "who", "would", "been",
    "their", "she", "more", "about", "or", "than", "up", "her", "over", "new", "into", "year",
    "last", "out", "two", "when", "could", "there", "other", "some", "all", "also", "we",
    "first", "before", "told", "can", "no", "while", "against", "since", "under", "three",
    "between", "during", "because", "people", "week", "government", "million", "percent",
    "officials", "country", "city", "police", "company", "report", "statement", "minister",
    "should", "may", "did", "so", "if", "what", "only", "them", "our", "these", "many", "most",
    "isn't", "didn't", "won't", "it's", "don't", "wasn't",
)
_ONSETS = (
    "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
    "b", "d", "k", "l", "m", "n", "r", "s", "t", "br", "dr", "fr", "gr", "pr", "tr", "st", "ch",
    "sh", "th", "pl", "bl", "cl", "sk", "", "", "",
)
_VOWELS = ("a", "e", "i", "o", "u", "a", "e", "i", "o", "a", "e", "ai", "ea", "ou", "io", "y")
_CODAS = ("", "", "", "", "", "", "", "n", "r", "s", "l", "m", "t", "nd", "st", "ng", "x")
_PLACE_SUFFIXES = ("", "", "", "ton", "burg", "ford", "mouth", "dale", "vik", "stad", "field")
_ORG_FORMS = (
    "{} Holdings", "{} Group", "{} Council", "{} Bank", "{} Authority", "the {} Institute",
    "the Ministry of {}", "{} Workers' Union", "{} Energy", "{} Logistics", "the {} Party",
    "{} Port Authority", "{} Pharmaceuticals", "the {} Commission",
)
_AGENCY_FORMS = ("{} Wire", "{} Press Agency", "{} News Service", "{} Presse", "{} Newswire")
_OUTLET_FORMS = (
    "The {} Times", "The {} Herald", "{} Daily", "The {} Post", "{} Courier", "{} Ledger",
    "The {} Gazette", "{} Tribune", "The {} Observer", "{} Chronicle", "{} Online",
    "{} Evening News", "The {} Star", "{} Today",
)
_SECTIONS = ("World", "Business", "Politics", "Markets", "Local", "Nation", "Economy", "Region")
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
_SMALL = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_UNITS = ("people", "tonnes", "jobs", "homes", "vessels", "households", "workers", "passengers")

# Outlet furniture: key -> (where, template). Where: top (after the headline), mid (between
# paragraphs), bottom (after the text). Placeholders are filled by _fill.
FURNITURE = {
    "section": ("top", "{outlet} | {section} | {agency}"),
    "byline": ("top", "By {name}"),
    "read_time": ("top", "{minutes} min read"),
    "updated": ("top", "Updated: {date}, {time}"),
    "listen": ("top", "Listen to this article"),
    "share_top": ("top", "Share this article"),
    "photo": ("top", "Photo: {name}/{agency}"),
    "advert": ("mid", "Story continues below advertisement"),
    "advert_short": ("mid", "Advertisement"),
    "advert_caps": ("mid", "ADVERTISEMENT"),
    "also_read": ("mid", "Also read: {headline}"),
    "read_more": ("mid", "READ MORE: {headline}"),
    "newsletter_mid": ("mid", "Sign up for our newsletter"),
    "phone": ("mid", "Click here to get the latest news from {outlet} on your phone."),
    "newsletter": ("bottom", "Sign up for the {outlet} morning briefing"),
    "subscribe": ("bottom", "Subscribe to {outlet} for unlimited access to our journalism."),
    "related": ("bottom", "Related stories:\n- {headline}\n- {headline2}\n- {headline3}"),
    "related_short": ("bottom", "Related coverage:\n- {headline}"),
    "follow": ("bottom", "Follow {outlet} on Facebook, X and Instagram."),
    "copyright": ("bottom", "© {year} {outlet}. All rights reserved."),
    "feed": ("bottom", "This story has been published from a wire agency feed without "
                       "modifications to the text."),
    "inputs": ("bottom", "(With inputs from {agency})"),
    "share": ("bottom", "Share this article"),
    "comments": ("bottom", "Comments"),
}
# fmt: on


# --------------------------------------------------------------------------------------------
# Vocabulary (built once per process from VOCAB_SEED)
# --------------------------------------------------------------------------------------------


def _invent(rng: np.random.Generator, count: int, syllables: Sequence[float], taken: set[str]):
    """``count`` new invented words; ``syllables[i]`` is the probability of i + 1 syllables."""
    out: list[str] = []
    p = np.asarray(syllables, dtype=float) / sum(syllables)
    onsets, vowels, codas = (np.array(x, dtype=object) for x in (_ONSETS, _VOWELS, _CODAS))
    while len(out) < count:
        batch = count - len(out) + 64
        n_syl = (rng.choice(len(p), size=batch, p=p) + 1).tolist()
        parts = (
            onsets[rng.integers(0, len(onsets), (batch, 4))]
            + vowels[rng.integers(0, len(vowels), (batch, 4))]
            + codas[rng.integers(0, len(codas), (batch, 4))]
        ).tolist()
        for n, syl in zip(n_syl, parts, strict=True):
            word = "".join(syl[:n])
            if len(word) >= 2 and word not in taken:
                taken.add(word)
                out.append(word)
                if len(out) == count:
                    break
    return out


_TABLE_SIZE = 1 << 20


def _inverse_cdf(weights: np.ndarray) -> np.ndarray:
    """Table t such that t[uniform integer below _TABLE_SIZE] follows ``weights``."""
    cdf = np.cumsum(weights / weights.sum())
    cdf[-1] = 1.0
    points = (np.arange(_TABLE_SIZE, dtype=float) + 0.5) / _TABLE_SIZE
    return np.searchsorted(cdf, points, side="right").astype(np.int32)


class _Vocabulary:
    def __init__(self, size: int = 30_000) -> None:
        rng = np.random.default_rng(VOCAB_SEED)
        taken = set(FUNCTION_WORDS)
        # Frequent invented words are shorter, as in real languages.
        content = (
            _invent(rng, 1_500, (0.6, 0.4), taken)
            + _invent(rng, 8_000, (0.3, 0.55, 0.15), taken)
            + _invent(rng, size - len(FUNCTION_WORDS) - 9_500, (0.1, 0.5, 0.35, 0.05), taken)
        )
        # A few possessives and hyphenated compounds so quotes and punctuation vary.
        for i in range(40, len(content), 97):
            content[i] = content[i] + "'s"
        for i in range(70, len(content) - 1, 211):
            content[i] = content[i] + "-" + content[i + 1]
        words = list(FUNCTION_WORDS) + content
        self.size = len(words)
        self.n_function = len(FUNCTION_WORDS)
        self.words = np.array(words, dtype=object)
        caps = [w[:1].upper() + w[1:] for w in words]
        self.caps = np.array(caps, dtype=object)
        # Forms by variant: 0 plain, 1 "word,", 2 "Word" (sentence start), 3 "word." (end).
        self.forms = np.array(
            words + [w + "," for w in words] + caps + [w + "." for w in words], dtype=object
        )
        # Zipf-like weights; words are drawn through inverse-CDF lookup tables (one integer
        # draw and one gather per word, instead of a binary search).
        ranks = np.arange(self.size, dtype=float)
        weights = 1.0 / (ranks + 2.7) ** 1.02
        self.table = _inverse_cdf(weights)
        self.content_table = self.n_function + _inverse_cdf(weights[self.n_function :])
        # Proper names.
        names = _invent(rng, 3_000, (0.2, 0.6, 0.2), taken)
        cap = [w[:1].upper() + w[1:] for w in names]
        self.first_names = np.array(cap[:600], dtype=object)
        self.surnames = np.array(cap[600:1_800], dtype=object)
        sfx = rng.integers(0, len(_PLACE_SUFFIXES), size=600).tolist()
        self.places = np.array(
            [w + _PLACE_SUFFIXES[s] for w, s in zip(cap[1_800:2_400], sfx, strict=True)],
            dtype=object,
        )
        forms = rng.integers(0, len(_ORG_FORMS), size=500).tolist()
        self.orgs = np.array(
            [_ORG_FORMS[f].format(w) for w, f in zip(cap[2_400:2_900], forms, strict=True)],
            dtype=object,
        )
        self.agencies = tuple(
            _AGENCY_FORMS[i % len(_AGENCY_FORMS)].format(w) for i, w in enumerate(cap[2_900:2_907])
        )
        self.outlet_stems = cap[2_907:3_000]

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Indices (into ``words``) of ``n`` Zipf-distributed words."""
        return self.table[rng.integers(0, _TABLE_SIZE, n)]

    def content_words(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Indices (into ``words``) of ``n`` Zipf-distributed content words."""
        return self.content_table[rng.integers(0, _TABLE_SIZE, n)]


VOCAB = _Vocabulary()


@dataclass(frozen=True)
class Outlet:
    """A publication: its furniture pool and house style."""

    name: str
    furniture: tuple[str, ...]
    curly: bool  # converts quotes to curly ones
    wrap: int | None  # re-wraps paragraphs at this width
    strip_dateline: bool
    section: str


def _make_outlets(count: int = 60) -> tuple[Outlet, ...]:
    rng = np.random.default_rng(VOCAB_SEED + 1)
    keys = list(FURNITURE)
    outlets = []
    for i in range(count):
        stem = VOCAB.outlet_stems[i]
        name = _OUTLET_FORMS[i % len(_OUTLET_FORMS)].format(stem)
        k = int(rng.integers(3, 8))
        pool = tuple(sorted(rng.choice(len(keys), size=k, replace=False).tolist()))
        outlets.append(
            Outlet(
                name=name,
                furniture=tuple(keys[j] for j in pool),
                curly=bool(rng.random() < 0.5),
                wrap=int(rng.integers(60, 81)) if rng.random() < 0.3 else None,
                strip_dateline=bool(rng.random() < 0.5),
                section=_SECTIONS[int(rng.integers(len(_SECTIONS)))],
            )
        )
    return tuple(outlets)


OUTLETS = _make_outlets()


# --------------------------------------------------------------------------------------------
# Stories and articles
# --------------------------------------------------------------------------------------------


def _figure(kind: int, x: int) -> str:
    """A figure of one of 7 kinds, from a random integer ``x`` (below 2**30)."""
    if kind == 0:
        return f"{1_000 + x % 89_000:,}"
    if kind == 1:
        return f"{5 + x % 395 / 10:.1f} percent"
    if kind == 2:
        return f"${2 + x % 898} {'billion' if x % 5 == 0 else 'million'}"
    if kind == 3:
        return f"{100 + x % 19_900:,} {_UNITS[x % len(_UNITS)]}"
    if kind == 4:
        return str(2 + x % 9)
    if kind == 5:
        return str(11 + x % 89)
    return str(1990 + x % 36)


@dataclass(frozen=True)
class Story:
    """The facts of one news event: who, where, which figures, which keywords."""

    people: tuple[str, ...]  # full names
    places: tuple[str, ...]
    orgs: tuple[str, ...]
    figures: tuple[str, ...]
    agency: str
    date: str  # "March 4"
    pool: np.ndarray  # object array of entity strings inserted into sentences

    @property
    def surnames(self) -> tuple[str, ...]:
        return tuple(p.rsplit(" ", 1)[-1] for p in self.people)


def new_story(rng: np.random.Generator) -> Story:
    """Draw the facts of a new event (one block of random integers, cut up)."""
    v = VOCAB
    x = rng.integers(0, 1 << 30, size=40).tolist()
    n_people, n_places, n_orgs, n_figures = 2 + x[0] % 4, 1 + x[1] % 3, 1 + x[2] % 2, 3 + x[3] % 4
    people = tuple(
        f"{v.first_names[x[4 + i] % len(v.first_names)]} {v.surnames[x[9 + i] % len(v.surnames)]}"
        for i in range(n_people)
    )
    places = tuple(v.places[x[14 + i] % len(v.places)] for i in range(n_places))
    orgs = tuple(v.orgs[x[17 + i] % len(v.orgs)] for i in range(n_orgs))
    figures = tuple(_figure(x[19 + i] % 7, x[25 + i]) for i in range(n_figures))
    keywords = [v.words[300 + x[31 + i] % 11_700] for i in range(6)]  # story-specific terms
    surnames = [p.rsplit(" ", 1)[-1] for p in people]
    possessive = [s + "'s" for s in surnames[:2]]
    pool = np.array(
        list(people) + surnames * 2 + possessive + list(places) * 2 + list(orgs) + list(figures)
        + keywords * 3,
        dtype=object,
    )  # fmt: skip
    return Story(
        people=people,
        places=places,
        orgs=orgs,
        figures=figures,
        agency=v.agencies[x[37] % len(v.agencies)],
        date=f"{_MONTHS[x[38] % 12]} {1 + x[39] % 28}",
        pool=pool,
    )


def _sentences(rng: np.random.Generator, story: Story, n_words: int) -> list[str]:
    """About ``n_words`` words of sentences about ``story`` (drawn in one vectorised pass)."""
    v = VOCAB
    n_words = max(n_words, MIN_SENTENCE)
    lens = rng.integers(MIN_SENTENCE, MAX_SENTENCE + 1, size=n_words // MIN_SENTENCE + 1)
    ends = np.cumsum(lens)
    k = int(np.searchsorted(ends, n_words)) + 1
    ends = ends[:k]
    starts = ends - lens[:k]
    total = int(ends[-1])
    idx = v.sample(rng, total)
    r = rng.random(total)
    variant = (r < P_COMMA).astype(np.intp)
    variant[starts] = 2
    variant[ends - 1] = 3
    tokens = v.forms[idx + v.size * variant]
    entity = (r > 1.0 - P_ENTITY) & (variant == 0)
    tokens[entity] = story.pool[rng.integers(0, len(story.pool), int(entity.sum()))]
    toks = tokens.tolist()
    sents = [" ".join(toks[a:b]) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    surnames = story.surnames
    for i in np.flatnonzero(rng.random(k) < P_ATTRIBUTION).tolist():
        sents[i] = f"{sents[i][:-1]}, {surnames[i % len(surnames)]} said."
    return sents


def _paragraphs(rng: np.random.Generator, story: Story, sents: list[str]) -> list[str]:
    """Group sentences into news paragraphs (1-3 sentences; the lead is one), some quoted."""
    sizes = rng.integers(1, 4, size=len(sents)).tolist()
    quoted = (rng.random(len(sents)) < P_QUOTE).tolist()
    people = story.people
    paras: list[str] = []
    i = 0
    for n, q in zip(sizes, quoted, strict=True):
        if i >= len(sents):
            break
        chunk = sents[i : i + (1 if i == 0 else n)]
        if q and paras and not chunk[0].endswith(" said."):
            who = people[len(paras) % len(people)]
            chunk[0] = f'"{chunk[0][:-1]}," {who} said.'
        paras.append(" ".join(chunk))
        i += len(chunk)
    return paras


def _headline(rng: np.random.Generator, story: Story | None = None) -> str:
    v = VOCAB
    n = int(rng.integers(5, 11))
    words = v.caps[v.content_words(rng, n)].tolist()
    if story is not None:
        pick = story.pool[int(rng.integers(len(story.pool)))]
        words.insert(int(rng.integers(0, 2)), pick[:1].upper() + pick[1:])
    else:
        words.insert(0, v.places[int(rng.integers(len(v.places)))])
    return " ".join(words)


def _random_name(rng: np.random.Generator) -> str:
    v = VOCAB
    first = v.first_names[int(rng.integers(len(v.first_names)))]
    return f"{first} {v.surnames[int(rng.integers(len(v.surnames)))]}"


def write_article(
    rng: np.random.Generator,
    story: Story,
    words: int = 750,
    *,
    wire: bool = True,
    outlet: Outlet | None = None,
    jitter: bool = False,
) -> str:
    """One article about ``story`` of about ``words`` words.

    ``wire=True``: an agency original (dateline, straight quotes, "Reporting by ..."). Else an
    outlet's own write-up with its furniture (``outlet`` or a random one). ``jitter`` varies
    the length (log-normal, sigma 0.3) as across a real feed.
    """
    if jitter:
        words = int(words * min(3.0, max(0.25, math.exp(rng.normal(-0.045, 0.3)))))
    # Entities, attributions, quotes and the dateline add about 8% to the drawn words.
    paras = _paragraphs(rng, story, _sentences(rng, story, int(words * 0.92)))
    headline = _headline(rng, story)
    if wire:
        paras[0] = f"{story.places[0].upper()}, {story.date} ({story.agency}) - {paras[0]}"
        if rng.random() < 0.6:
            paras.append(f"Reporting by {_random_name(rng)}; Editing by {_random_name(rng)}")
        return headline + "\n\n" + "\n\n".join(paras) + "\n"
    if outlet is None:
        outlet = OUTLETS[int(rng.integers(len(OUTLETS)))]
    return _publish(rng, outlet, story, headline, paras)


def make_decoy(rng: np.random.Generator, story: Story, words: int = 750) -> str:
    """The same event written up independently: same names and figures, other sentences."""
    return write_article(rng, story, words, wire=bool(rng.random() < 0.3), jitter=True)


# --------------------------------------------------------------------------------------------
# Syndication: outlet copies
# --------------------------------------------------------------------------------------------

_DATELINE = re.compile(r"^[A-Z][A-Z' -]*, [A-Z][a-z]+ \d+ \([^)]*\) - ")
_SENTENCE_BREAK = re.compile(r'(?:(?<=[.!?])|(?<=[.!?]["”])) (?=["“]?[A-Z0-9$])')
_WORD = re.compile(r"\b[a-z]{3,}\b")
_NUMBER = re.compile(
    r"\$\d+(?: million| billion|m|bn)\b|\d[\d,]*(?:\.\d+)?(?: percent| per cent|%)|\b\d[\d,]*\b"
)


def _fill(rng: np.random.Generator, template: str, outlet: Outlet, story: Story | None) -> str:
    values: dict[str, str] = {"outlet": outlet.name, "section": outlet.section}
    if "{agency}" in template:
        values["agency"] = story.agency if story else VOCAB.agencies[0]
    if "{name}" in template:
        values["name"] = _random_name(rng)
    if "{minutes}" in template:
        values["minutes"] = str(int(rng.integers(1, 9)))
    if "{date}" in template:
        values["date"] = story.date if story else "June 1"
        values["time"] = f"{int(rng.integers(1, 13))}:{int(rng.integers(0, 60)):02d} pm"
    if "{year}" in template:
        values["year"] = str(int(rng.integers(2015, 2026)))
    for key in ("headline", "headline2", "headline3"):
        if "{" + key + "}" in template:
            values[key] = _headline(rng)
    return template.format(**values)


def _publish(
    rng: np.random.Generator, outlet: Outlet, story: Story | None, headline: str, paras: list[str]
) -> str:
    """Lay out an outlet's page: furniture, quote style and line wrapping."""
    top: list[str] = []
    bottom: list[str] = []
    body = list(paras)
    for key in outlet.furniture:
        if rng.random() >= 0.75:
            continue
        where, template = FURNITURE[key]
        text = _fill(rng, template, outlet, story)
        if where == "top":
            top.append(text)
        elif where == "bottom":
            bottom.append(text)
        elif len(body) > 1:
            body.insert(int(rng.integers(1, len(body))), text)
    blocks = [headline, *top, *body, *bottom]
    if outlet.wrap:
        width = outlet.wrap
        wrap = re.compile(rf"(.{{1,{width - 1}}})(?: +|$)")
        blocks = [b if len(b) <= width else "\n".join(wrap.findall(b)) for b in blocks]
    text = "\n\n".join(blocks) + "\n"
    if outlet.curly:
        text = text.replace(' "', " “").replace('\n"', "\n“").replace('("', "(“")
        text = text.replace('"', "”").replace("'", "’")
    else:
        text = text.replace("“", '"').replace("”", '"').replace("’", "'")
    return text


def _reformat_number(rng: np.random.Generator, sentence: str) -> str | None:
    matches = list(_NUMBER.finditer(sentence))
    if not matches:
        return None
    m = matches[int(rng.integers(len(matches)))]
    s = m.group()
    if s.startswith("$"):
        new = (
            s.replace(" million", "m").replace(" billion", "bn")
            if " " in s
            else s.replace("bn", " billion").replace("m", " million")
        )
    elif s.endswith(" percent"):
        new = s.replace(" percent", "%" if rng.random() < 0.6 else " per cent")
    elif s.endswith("%") or s.endswith(" per cent"):
        new = s.replace("%", " percent").replace(" per cent", " percent")
    elif "," in s:
        new = s.replace(",", "")
    elif s.isdigit() and len(s) >= 4 and not 1900 <= int(s) <= 2100:
        new = f"{int(s):,}"
    elif s.isdigit() and int(s) <= 10:
        new = _SMALL[int(s)]
    else:
        return None
    return sentence[: m.start()] + new + sentence[m.end() :]


def _edit_sentence(rng: np.random.Generator, sentence: str) -> str:
    """A light edit: a number reformatted, else one word swapped for another."""
    if rng.random() < 0.4:
        edited = _reformat_number(rng, sentence)
        if edited is not None:
            return edited
    words = list(_WORD.finditer(sentence))
    if not words:
        return sentence
    m = words[int(rng.integers(len(words)))]
    new = VOCAB.words[int(VOCAB.content_words(rng, 1)[0])]
    return sentence[: m.start()] + new + sentence[m.end() :]


def make_copy(
    rng: np.random.Generator,
    text: str,
    *,
    outlet: Outlet | None = None,
    story: Story | None = None,
    max_trim: float = 0.6,
) -> str:
    """An outlet's republication of the wire article ``text``, as syndication does it.

    New headline; outlet furniture; the dateline sometimes dropped; the last 0 to ``max_trim``
    of paragraphs dropped; 0-3 sentences lightly edited; 15% of copies move a paragraph up;
    0-2 added paragraphs (about ``story`` when given); outlet quote style and line wrapping.
    """
    if outlet is None:
        outlet = OUTLETS[int(rng.integers(len(OUTLETS)))]
    if story is None:
        story = new_story(rng)
    blocks = text.strip("\n").split("\n\n")
    paras = [b.replace("\n", " ") for b in blocks[1:]] or [blocks[0]]
    if outlet.strip_dateline and rng.random() < 0.7:
        paras[0] = _DATELINE.sub("", paras[0], count=1)
    # Trimmed ending.
    keep = max(1, len(paras) - int(len(paras) * rng.uniform(0.0, max_trim)))
    paras = paras[:keep]
    # Light edits.
    for _ in range(int(rng.integers(0, 4))):
        i = int(rng.integers(len(paras)))
        sents = _SENTENCE_BREAK.split(paras[i])
        j = int(rng.integers(len(sents)))
        sents[j] = _edit_sentence(rng, sents[j])
        paras[i] = " ".join(sents)
    # A paragraph moved up.
    if len(paras) > 3 and rng.random() < 0.15:
        i = int(rng.integers(2, len(paras)))
        j = max(1, i - int(rng.integers(1, 4)))
        paras.insert(j, paras.pop(i))
    # The outlet's own paragraphs.
    u = rng.random()
    for _ in range(0 if u < 0.5 else 1 if u < 0.8 else 2):
        added = " ".join(_sentences(rng, story, int(rng.integers(25, 70))))
        paras.insert(int(rng.integers(1, len(paras) + 1)), added)
    return _publish(rng, outlet, story, _headline(rng, story), paras)


# --------------------------------------------------------------------------------------------
# Corpus plan and generation
# --------------------------------------------------------------------------------------------


def wire_story_rate(dup_rate: float) -> float:
    """Fraction of wire stories that makes ``dup_rate`` of documents duplicates (clamped)."""
    copies = (MIN_COPIES + MAX_COPIES) / 2
    dups = P_ORIGINAL + copies - 1  # expected duplicates per wire story
    docs = P_ORIGINAL + copies + P_DECOY  # expected documents per wire story
    # dup_rate = w * dups / (1 - w + w * docs)
    denominator = dups - dup_rate * (docs - 1)
    return 1.0 if denominator <= 0 else min(1.0, max(0.0, dup_rate / denominator))


@dataclass
class Plan:
    """Which stories make up the corpus, in generation order, and the document ids."""

    n: int
    seed: int
    wire: np.ndarray  # per story: bool
    original: np.ndarray  # per story: agency original included (wire stories)
    copies: np.ndarray  # per story: outlet copies
    decoy: np.ndarray  # per story: independent write-up included
    ids: list[str]  # per document position (generation order)
    cluster: np.ndarray  # per document position: index into ``clusters``
    clusters: list[list[str]]  # sorted by smallest id, members by id
    chunks: list[tuple[int, int, int]]  # (first story, end story, first document position)


def _doc_ids(numbers: np.ndarray, n: int, layout: str) -> list[str]:
    width = max(8, len(str(n - 1)))
    if layout == "sharded":
        return [f"{x // SHARD_SIZE:04d}/{x:0{width}d}" for x in numbers.tolist()]
    return [f"{x:0{width}d}" for x in numbers.tolist()]


def plan_corpus(n: int, seed: int, dup_rate: float = 0.3, layout: str = "flat") -> Plan:
    """Decide the stories, their documents, the ids and the true clusters (vectorised)."""
    if n < 1:
        raise ValueError("the corpus needs at least one document")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))
    w = wire_story_rate(dup_rate)
    m = n + 16  # stories: at least one document each, so n stories always suffice
    wire = rng.random(m) < w
    original = wire & (rng.random(m) < P_ORIGINAL)
    copies = np.where(wire, rng.integers(MIN_COPIES, MAX_COPIES + 1, size=m), 0)
    decoy = wire & (rng.random(m) < P_DECOY)
    docs = np.where(wire, original.astype(int) + copies + decoy, 1)
    end = np.cumsum(docs)
    last = int(np.searchsorted(end, n))  # story that reaches (or passes) n documents
    if end[last] > n:  # it would pass: make it and what follows single local stories
        wire[last:] = original[last:] = decoy[last:] = False
        copies[last:] = 0
        docs[last:] = 1
        end = np.cumsum(docs)
        last = int(np.searchsorted(end, n))
    s = last + 1
    wire, original, copies, decoy, docs = wire[:s], original[:s], copies[:s], decoy[:s], docs[:s]
    start = end[:s] - docs
    # Clusters are contiguous runs of document positions: a story's original and copies, then
    # its decoy.
    main_size = np.where(wire, original.astype(int) + copies, 1)
    starts = np.sort(np.concatenate([start, (start + main_size)[decoy]]))
    sizes = np.diff(np.append(starts, n))
    numbers = rng.permutation(n)
    first = np.minimum.reduceat(numbers, starts)
    rank = np.empty(len(starts), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(starts))
    cluster = np.repeat(rank, sizes)
    ids = _doc_ids(numbers, n, layout)
    order = np.lexsort((numbers, cluster))
    sorted_ids = [ids[i] for i in order.tolist()]
    bounds = np.cumsum(np.bincount(cluster, minlength=len(starts))).tolist()
    clusters = [sorted_ids[a:b] for a, b in zip([0, *bounds[:-1]], bounds, strict=True)]
    # Chunks of about CHUNK_DOCS documents, cut at story boundaries.
    cuts = np.unique(np.searchsorted(start, np.arange(0, n, CHUNK_DOCS), side="left"))
    cuts = [int(c) for c in cuts if c < s] + [s]
    chunks = [(a, b, int(start[a])) for a, b in pairwise(cuts)]
    return Plan(n, seed, wire, original, copies, decoy, ids, cluster, clusters, chunks)


@dataclass(frozen=True)
class _Chunk:
    seed: int
    number: int
    wire: list[bool]
    original: list[bool]
    copies: list[int]
    decoy: list[bool]
    ids: list[str]
    words: int


def _chunk(plan: Plan, number: int, words: int) -> _Chunk:
    a, b, d = plan.chunks[number]
    d_end = plan.chunks[number + 1][2] if number + 1 < len(plan.chunks) else plan.n
    return _Chunk(
        seed=plan.seed,
        number=number,
        wire=plan.wire[a:b].tolist(),
        original=plan.original[a:b].tolist(),
        copies=plan.copies[a:b].tolist(),
        decoy=plan.decoy[a:b].tolist(),
        ids=plan.ids[d:d_end],
        words=words,
    )


def _chunk_texts(chunk: _Chunk) -> Iterator[str]:
    """The documents of a chunk, in plan order (its own random stream: --jobs independent)."""
    rng = np.random.default_rng(np.random.SeedSequence(chunk.seed, spawn_key=(1, chunk.number)))
    n_outlets = len(OUTLETS)
    for wire, original, copies, decoy in zip(
        chunk.wire, chunk.original, chunk.copies, chunk.decoy, strict=True
    ):
        story = new_story(rng)
        if not wire:
            yield write_article(rng, story, chunk.words, wire=False, jitter=True)
            continue
        text = write_article(rng, story, chunk.words, wire=True, jitter=True)
        if original:
            yield text
        outlets = rng.choice(n_outlets, size=copies, replace=False).tolist()
        for o in outlets:
            yield make_copy(rng, text, outlet=OUTLETS[o], story=story)
        if decoy:
            yield make_decoy(rng, story, chunk.words)


def generate_articles(
    n: int, seed: int, *, words: int = 750, dup_rate: float = 0.3, layout: str = "flat"
) -> Iterator[tuple[str, str, int]]:
    """Yield ``(id, text, cluster)`` for a corpus of ``n`` articles, in generation order.

    ``cluster`` indexes the cluster list that ``labels.json`` would hold. The same arguments
    give the same articles as the files written by :func:`write_corpus`.
    """
    plan = plan_corpus(n, seed, dup_rate, layout)
    position = 0
    for number in range(len(plan.chunks)):
        for text in _chunk_texts(_chunk(plan, number, words)):
            yield plan.ids[position], text, int(plan.cluster[position])
            position += 1


def _write_chunk(args: tuple[_Chunk, str]) -> tuple[int, int]:
    chunk, docs_dir = args
    size = 0
    for doc_id, text in zip(chunk.ids, _chunk_texts(chunk), strict=True):
        data = text.encode("utf-8")
        with open(os.path.join(docs_dir, doc_id + ".txt"), "wb") as f:
            f.write(data)
        size += len(data)
    return len(chunk.ids), size


def _write_labels(path: Path, generator: dict, clusters: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write('{"generator": ' + json.dumps(generator, sort_keys=True) + ',\n"clusters": [\n')
        f.write(",\n".join(json.dumps(c) for c in clusters))
        f.write("\n]}\n")


def write_corpus(
    out_dir: Path,
    n: int,
    seed: int,
    *,
    words: int = 750,
    dup_rate: float = 0.3,
    layout: str = "flat",
    jobs: int = 1,
    progress: bool = True,
) -> dict:
    """Write ``OUT_DIR/docs`` and ``OUT_DIR/labels.json``; returns the generator parameters."""
    t0 = time.perf_counter()
    docs_dir = out_dir / "docs"
    if docs_dir.exists() and any(docs_dir.iterdir()):
        raise FileExistsError(f"{docs_dir} already exists and is not empty")
    plan = plan_corpus(n, seed, dup_rate, layout)
    if progress and wire_story_rate(dup_rate) >= 1.0:
        print(
            f"generate: warning: --dup-rate {dup_rate} is above what 1-6 copies per story give; "
            "every story is a wire story",
            file=sys.stderr,
        )
    docs_dir.mkdir(parents=True, exist_ok=True)
    if layout == "sharded":
        for shard in range((n - 1) // SHARD_SIZE + 1):
            (docs_dir / f"{shard:04d}").mkdir(exist_ok=True)
    tasks = ((_chunk(plan, i, words), str(docs_dir)) for i in range(len(plan.chunks)))
    done = size = 0
    last_report = t0
    if jobs > 1:
        import multiprocessing

        pool = multiprocessing.Pool(jobs)
        results = pool.imap_unordered(_write_chunk, tasks)
    else:
        pool = None
        results = map(_write_chunk, tasks)
    try:
        for count, nbytes in results:
            done += count
            size += nbytes
            now = time.perf_counter()
            if progress and (now - last_report >= 2.0 or done == n):
                last_report = now
                print(
                    f"generate: {done:,}/{n:,} documents "
                    f"({done / (now - t0):,.0f} docs/s, {size / 1e6:,.0f} MB)",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    wire = int(plan.wire.sum())
    generator = {
        "name": "dupfind benchmarks/generate.py",
        "version": GENERATOR_VERSION,
        "seed": seed,
        "docs": n,
        "words": words,
        "dup_rate": dup_rate,
        "layout": layout,
        "stories": len(plan.wire),
        "wire_stories": wire,
        "wire_originals": int(plan.original.sum()),
        "outlet_copies": int(plan.copies.sum()),
        "decoys": int(plan.decoy.sum()),
        "clusters": len(plan.clusters),
        "duplicates": n - len(plan.clusters),
    }
    _write_labels(out_dir / "labels.json", generator, plan.clusters)
    seconds = time.perf_counter() - t0
    if progress:
        print(
            f"generate: wrote {n:,} documents ({size / 1e6:,.1f} MB, {size / n:,.0f} bytes each) "
            f"in {len(plan.clusters):,} clusters ({n - len(plan.clusters):,} duplicates, "
            f"{int(plan.decoy.sum()):,} decoys) to {out_dir} in {seconds:.1f} s "
            f"({n / seconds:,.0f} docs/s, {jobs} job{'s' if jobs > 1 else ''})",
            file=sys.stderr,
        )
    return generator


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write a synthetic news corpus with planted syndicated clusters."
    )
    parser.add_argument("out_dir", type=Path, help="output folder (docs/ and labels.json)")
    parser.add_argument("--docs", type=int, default=10_000, help="number of documents")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--words", type=int, default=750, help="mean words per article")
    parser.add_argument(
        "--dup-rate",
        type=float,
        default=0.3,
        help="expected fraction of documents that are duplicates (cluster size - 1, summed)",
    )
    parser.add_argument(
        "--layout",
        choices=("flat", "sharded"),
        default="flat",
        help="docs/<id>.txt, or docs/<shard>/<id>.txt with at most 10,000 files per folder",
    )
    args = parser.parse_args(argv)
    if args.docs < 1 or args.jobs < 1 or args.words < 10 or not 0 <= args.dup_rate < 1:
        parser.error("need --docs >= 1, --jobs >= 1, --words >= 10 and 0 <= --dup-rate < 1")
    try:
        write_corpus(
            args.out_dir,
            args.docs,
            args.seed,
            words=args.words,
            dup_rate=args.dup_rate,
            layout=args.layout,
            jobs=args.jobs,
        )
    except FileExistsError as exc:
        parser.exit(2, f"generate: error: {exc}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
