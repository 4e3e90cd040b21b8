"""The only changes ingest makes to a digest's words: LaTeX residue that no reader wants to see.

Abstracts copied from arXiv carry TeX quoting (``like this'') and escaped percent signs (\\%). These
are turned into the characters they stand for; nothing else in titles or abstracts is altered beyond
collapsing whitespace. The README lists these rules.
"""

from __future__ import annotations

import re

_TEX_QUOTES_RE = re.compile(r"``(.*?)''", re.DOTALL)


def normalize_latex_residue(text: str) -> str:
    """``x'' becomes “x”, and \\% becomes %."""
    text = _TEX_QUOTES_RE.sub(lambda m: f"\u201c{m.group(1)}\u201d", text)
    return text.replace("\\%", "%")
