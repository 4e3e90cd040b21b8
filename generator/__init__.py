"""research-digest: a static website generator for research-paper digests."""

__version__ = "0.1.0"
#: Where the project lives; named in the User-Agent of every request `digest fetch` makes.
PROJECT_URL = "https://github.com/research-digest/research-digest"
