"""Invented news articles for the index and check tests: every word is made up here.

``article(seed)`` writes a report (headline, blank line, paragraphs); ``copy_of`` republishes
one as an outlet would (new headline, a byline, the ending trimmed, a line of furniture);
``write`` puts texts into files.
"""

from __future__ import annotations

import random
from pathlib import Path

_SYLLABLES = [
    "ka", "lo", "ren", "ti", "mar", "vel", "os", "dun", "shi", "pra", "el", "gor", "na", "bek",
    "sul", "fi", "tor", "am", "quin", "zel", "ud", "ha", "rim", "co", "ves", "plu", "jen", "ax",
]  # fmt: skip
_SMALL = ["the", "a", "of", "in", "to", "and", "on", "for", "with", "at", "by", "from", "said"]


def word(rng: random.Random) -> str:
    """An invented word of two to four syllables."""
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))


def sentence(rng: random.Random) -> str:
    """An invented sentence of 10 to 18 words."""
    words = [
        rng.choice(_SMALL) if rng.random() < 0.3 else word(rng) for _ in range(rng.randint(10, 18))
    ]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def article(seed: int, paragraphs: int = 8) -> str:
    """A report of about 60 words per paragraph, deterministic by ``seed``."""
    rng = random.Random(seed)
    body = [" ".join(sentence(rng) for _ in range(rng.randint(3, 4))) for _ in range(paragraphs)]
    return _headline(rng, body[0]) + "\n\n" + "\n\n".join(body) + "\n"


def _headline(rng: random.Random, lead: str) -> str:
    """Words of the lead paragraph, as a headline sums up its story."""
    words = [w.strip(".").lower() for w in lead.split() if len(w) > 4]
    return " ".join(rng.sample(words, min(6, len(words)))).capitalize()


def copy_of(text: str, seed: int, keep: float = 0.75, furniture: str = "") -> str:
    """An outlet's copy: new headline, byline, ending trimmed, optional furniture line."""
    rng = random.Random(seed)
    _, body = text.split("\n\n", 1)
    paragraphs = body.strip().split("\n\n")
    kept = paragraphs[: max(2, int(len(paragraphs) * keep))]
    headline = _headline(rng, paragraphs[0])
    byline = f"By {word(rng).capitalize()} {word(rng).capitalize()}"
    if furniture:
        kept.insert(2, furniture)
    return headline + "\n\n" + byline + "\n\n" + "\n\n".join(kept) + "\n"


def write(folder: Path, texts: dict[str, str]) -> Path:
    """Write ``{name: text}`` as ``folder/name`` (creating folders); returns ``folder``."""
    for name, text in texts.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder
