"""research-digest: a static website generator for research-paper digests."""

__version__ = "0.1.0"
