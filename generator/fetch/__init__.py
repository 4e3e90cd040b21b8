"""The network side: fetching digests from Hugging Face and arXiv, and enriching bare titles.

This package is the only code that opens a connection; `digest build`, `serve` and `check` never import
it. Every fetched response is validated with the same parser `digest ingest` uses before anything is
saved, then handed to the normal ingest path, so a fetched digest is an ordinary digest file.
"""

# The defaults the CLI shows in --help, here so listing them does not import the HTTP stack.
HF_ENDPOINT = "https://huggingface.co"
ARXIV_ENDPOINT = "http://export.arxiv.org"
#: arXiv's own pacing request: no more than one API call every three seconds.
ARXIV_DELAY = 3.0
#: Entries per arXiv API request; a larger --max is fetched in pages of this size.
ARXIV_PAGE_SIZE = 100
