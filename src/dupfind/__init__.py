"""dupfind: find near-duplicate news articles (syndicated wire copies) and show what changed."""

__version__ = "0.1.0"
