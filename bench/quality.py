"""`make quality`: how well the site helps people find papers, measured on real arXiv papers (issue 13).

The yardstick is arXiv's own categories, which nobody here wrote. On the first N corpus papers (default
10,000), ingested as 100 daily digests by the real `digest ingest` and read back as the build reads them:

- related papers (the build's `related_for`): the share of a paper's 5 related papers that share its
  primary category, over a fixed sample of 1,000 papers; next to a random pick and an exhaustive tf-idf
  cosine (every pair compared); plus the share from the paper's own digest (it should be near a random
  pick's: a day is not a theme), and lists holding the paper itself or a paper of the same title (none);
- topics (`bench/quality_topics.py`): papers without a topic, the largest topic's share, and per topic
  mapped to arXiv categories its precision and recall against them;
- search (the build's index, queried by lunr.py as the browser's lunr.js would, after the browser's query
  normalisation): a random 500 papers' exact titles as queries, how often the paper ranks first (next to
  an exhaustive tf-idf ranking of the title); and 200 authors of two papers or more, their paper pages'
  `authors:` query (`author_query`), how often every one of their papers is found;
- the time related papers and topics take on N papers and on each `--times` size (default 10k and 50k).

    python bench/quality.py                 # the issue's figures (about 8 minutes)
    python bench/quality.py -n 2000 --times 2000 --sample 300 --queries 100 --authors 50   # a quick look

The figures are printed as tables and written to .quality/latest.json.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import corpus as days_corpus
import numpy as np
from quality_corpus import CORPUS, SAMPLE_SEED, corpus_papers, sample

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from generator import parallel  # noqa: E402
from generator.build import RELATED_K, related_for  # noqa: E402
from generator.model import SitePaper  # noqa: E402
from generator.related import paper_terms, related_by_terms, related_text, term_counts  # noqa: E402
from generator.search.index import build_index  # noqa: E402
from generator.search.parts import search_docs  # noqa: E402
from generator.search.query import author_query  # noqa: E402
from generator.site import Site, load_site  # noqa: E402
from generator.topics import classify, load_topics  # noqa: E402
from tests.search_support import normalize_query  # noqa: E402

OUT = REPO / ".quality"
TOPICS = REPO / "content" / "topics.yml"

#: The last commit before issue 13: its taxonomy is the topics' baseline.
BEFORE = "4eb99ca"
#: The issue's targets.
RELATED_TARGET = 0.70
KNOWN_ITEM_TARGET = 0.95


@dataclass
class Figures:
    """Everything measured, as JSON for .quality/latest.json."""

    papers: int
    related: dict[str, Any] = field(default_factory=dict)
    topics: dict[str, Any] = field(default_factory=dict)
    search: dict[str, Any] = field(default_factory=dict)
    times: list[dict[str, Any]] = field(default_factory=list)


# --- the site's papers -----------------------------------------------------------------------------


def ingested_site(n: int, work: Path) -> Site:
    """The first `n` corpus papers as 100 daily digests, ingested by `digest ingest` into a new content
    folder with the project's topics.yml, and read back as `digest build` reads them."""
    content = work / "content"
    (content / "papers").mkdir(parents=True)
    (content / "topics.yml").write_bytes(TOPICS.read_bytes())
    days = days_corpus.write_days(CORPUS, n, work / "days", work / "next")
    command = [sys.executable, "-m", "generator", "ingest", "--content", str(content), "--format", "jsonl"]
    done = subprocess.run([*command, "--", str(days.folder)], capture_output=True, text=True, cwd=REPO)
    if done.returncode:
        raise SystemExit(f"digest ingest failed:\n{done.stderr[-2000:]}")
    return load_site(content)


def arxiv_of(paper: SitePaper) -> str:
    return paper.arxiv or ""


# --- related papers --------------------------------------------------------------------------------


def same_category_share(lists: dict[int, list[int]], primaries: Sequence[str], k: int = RELATED_K) -> float:
    """The share of the `k` slots of each listed paper filled by a paper of its primary category (a
    missing related paper counts as a miss)."""
    hits = sum(primaries[o] == primaries[paper] for paper, others in lists.items() for o in others[:k])
    return hits / (k * len(lists))


def random_share(chosen: Sequence[int], primaries: Sequence[str]) -> float:
    """What picking related papers at random would score: per paper, the share of the other papers in
    its primary category."""
    counts = Counter(primaries)
    return float(np.mean([(counts[primaries[i]] - 1) / (len(primaries) - 1) for i in chosen]))


def classic_tfidf(counts: Any, documents: int) -> Any:
    """L2-normalised sublinear tf times log idf, the idf counted over the first `documents` rows (the
    rest may be queries): the baselines' weighting."""
    from scipy import sparse

    df = np.bincount(counts[:documents].indices, minlength=counts.shape[1])
    idf = np.log(documents / np.maximum(df, 1))
    counts.data = (1 + np.log(counts.data)) * idf[counts.indices]
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    return (sparse.diags(1 / np.maximum(norms, 1e-12)) @ counts).tocsr()


def exhaustive_tfidf(texts: Sequence[str], chosen: Sequence[int], k: int) -> dict[int, list[int]]:
    """The classic baseline: sublinear tf times idf over words (stop words out, plurals folded), cosine,
    every paper compared with every chosen one (quadratic: only for measuring)."""

    words = []
    for text in texts:
        terms, counts = paper_terms(text)
        single = [(t, c) for t, c in zip(terms, counts, strict=True) if " " not in t]
        words.append((tuple(t for t, _ in single), tuple(c for _, c in single)))
    matrix = classic_tfidf(term_counts(words), len(words))
    out: dict[int, list[int]] = {}
    for start in range(0, len(chosen), 200):
        rows = list(chosen[start : start + 200])
        sims = (matrix[rows] @ matrix.T).toarray()
        sims[np.arange(len(rows)), rows] = -np.inf
        order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
        out.update({row: order[i].tolist() for i, row in enumerate(rows)})
    return out


def related_figures(site: Site, chosen: Sequence[int], seconds: float, lists: dict[str, list[str]]) -> dict:
    papers = site.papers
    number = {paper.slug: i for i, paper in enumerate(papers)}
    primaries = [paper.categories[0] if paper.categories else "" for paper in papers]
    ours = {i: [number[slug] for slug in lists[papers[i].slug]] for i in chosen}
    texts = [related_text(paper) for paper in papers]
    every = {i: [number[slug] for slug in lists[papers[i].slug]] for i in range(len(papers))}
    same_day = sum(papers[o].date == papers[i].date for i, others in every.items() for o in others)
    listed = sum(len(others) for others in every.values())
    days = Counter(paper.date for paper in papers)
    day_base = float(np.mean([(days[paper.date] - 1) / (len(papers) - 1) for paper in papers]))
    titles = [" ".join(paper.title.casefold().split()) for paper in papers]
    baseline = exhaustive_tfidf(texts, chosen, RELATED_K)
    baseline_day = sum(papers[o].date == papers[i].date for i, others in baseline.items() for o in others)
    return {
        "sample": len(chosen),
        "same_primary": same_category_share(ours, primaries),
        "random": random_share(chosen, primaries),
        "exhaustive_tfidf": same_category_share(baseline, primaries),
        "same_digest": same_day / max(listed, 1),
        "same_digest_random": day_base,
        "same_digest_tfidf": baseline_day / (RELATED_K * len(baseline)),
        "self_listed": sum(i in others for i, others in every.items()),
        "same_title_listed": sum(titles[o] == titles[i] for i, others in every.items() for o in others),
        "short_lists": sum(len(others) < RELATED_K for others in every.values()),
        "seconds": seconds,
    }


# --- search ----------------------------------------------------------------------------------------


def search_figures(site: Site, queries: int, authors: int) -> dict:
    """Known-item title queries and `authors:` queries on the site's own index, run by lunr.py."""
    from lunr.index import Index

    docs = search_docs(site.papers, {topic.slug: topic.name for topic in site.topics})
    started = time.perf_counter()
    index = Index.load(build_index(docs))
    index_seconds = time.perf_counter() - started
    count = len(docs)
    # Refs are document numbers in base 36; document i is site paper count - 1 - i (oldest first).
    paper_of = {np.base_repr(i, 36).lower(): count - 1 - i for i in range(count)}
    chosen = sample(queries, count, seed=SAMPLE_SEED + 1)
    first = 0
    misses: list[dict[str, Any]] = []
    for paper in chosen:
        results = index.search(normalize_query(site.papers[paper].title))
        ranked = [paper_of[hit["ref"]] for hit in results]
        if ranked[:1] == [paper]:
            first += 1
        else:
            rank = ranked.index(paper) + 1 if paper in ranked else None
            first_title = site.papers[ranked[0]].title if ranked else ""
            misses.append({"title": site.papers[paper].title, "rank": rank, "first": first_title})
    baseline = _title_tfidf_first(site.papers, chosen)
    return {
        "known_item_queries": len(chosen),
        "known_item_first": first / len(chosen),
        "known_item_tfidf_first": baseline,
        "known_item_misses": misses[:10],
        **_author_figures(site.papers, index, paper_of, authors),
        "index_seconds": index_seconds,
    }


def _title_tfidf_first(papers: Sequence[SitePaper], chosen: Sequence[int]) -> float:
    """Baseline: the title's tf-idf cosine with every paper's title and abstract; the share ranked first."""

    docs = [paper_terms(related_text(paper)) for paper in papers]
    queries = [paper_terms(papers[i].title) for i in chosen]
    n = len(docs)
    matrix = classic_tfidf(term_counts(docs + queries), n)
    sims = (matrix[n:] @ matrix[:n].T).toarray()
    return float(np.mean(np.argmax(sims, axis=1) == np.array(chosen)))


def _author_figures(papers: Sequence[SitePaper], index: Any, paper_of: dict[str, int], count: int) -> dict:
    by_author: defaultdict[str, list[int]] = defaultdict(list)
    for number, paper in enumerate(papers):
        for name in dict.fromkeys(paper.authors or ()):
            by_author[name].append(number)
    prolific = sorted(name for name, numbers in by_author.items() if len(numbers) >= 2)
    chosen = random.Random(SAMPLE_SEED).sample(prolific, min(count, len(prolific)))
    all_found = all_first = 0
    missed: list[dict[str, Any]] = []
    for name in chosen:
        results = index.search(author_query(name))
        ranked = [paper_of[hit["ref"]] for hit in results]
        theirs = set(by_author[name])
        if theirs <= set(ranked):
            all_found += 1
        else:
            missed.append({"author": name, "papers": len(theirs), "found": len(theirs & set(ranked))})
        all_first += set(ranked[: len(theirs)]) == theirs
    return {
        "authors": len(chosen),
        "authors_all_found": all_found / max(len(chosen), 1),
        "authors_all_ranked_first": all_first / max(len(chosen), 1),
        "authors_missed": missed[:10],
    }


# --- times -----------------------------------------------------------------------------------------


def timed(task: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = task()
    return result, time.perf_counter() - started


def stage_times(n: int) -> dict[str, Any]:
    """Related papers and topics on the first `n` corpus papers, as the build and ingest run them: each
    paper's terms, then `related_by_terms`; `classify` on every core."""
    papers = corpus_papers(n)
    topics = load_topics(TOPICS)
    texts = [f"{paper.title}\n{paper.abstract}" for paper in papers]
    terms, terms_s = timed(lambda: [(f"{i:06d}", paper_terms(text)) for i, text in enumerate(texts)])
    _, related_s = timed(lambda: related_by_terms(terms, k=RELATED_K))

    def topics_of(i: int) -> list[str]:
        return classify(papers[i].title, papers[i].abstract, topics)

    _, topics_s = timed(lambda: dict(parallel.run_all(topics_of, len(papers), chunk=256)))
    return {"papers": n, "terms_s": terms_s, "related_s": related_s, "topics_s": topics_s}


# --- report ----------------------------------------------------------------------------------------


def not_favoured(related: dict[str, Any]) -> bool:
    """Papers of the paper's own digest are not favoured: they are not listed more often than text
    similarity alone (the exhaustive tf-idf ranking) lists them. Papers of one arXiv day do share more
    than a random pick (a conference deadline, a trend), so a random pick is not the yardstick."""
    return related["same_digest"] <= 1.5 * related["same_digest_tfidf"]


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def report(figures: Figures, topics_table: str) -> str:
    r, s = figures.related, figures.search
    lines = [
        f"# Discovery quality on the first {figures.papers:,} arXiv corpus papers",
        "",
        f"## Related papers ({r['sample']:,} sampled papers, top {RELATED_K})",
        "",
        "| | ours | exhaustive tf-idf | random | target |",
        "|---|---:|---:|---:|---|",
        f"| share in the paper's primary category | **{r['same_primary']:.3f}** "
        f"| {r['exhaustive_tfidf']:.3f} | {r['random']:.3f} "
        f"| >= {RELATED_TARGET:.2f}: {verdict(r['same_primary'] >= RELATED_TARGET)} |",
        f"| share from the paper's own digest | {r['same_digest']:.3f} | {r['same_digest_tfidf']:.3f} "
        f"| {r['same_digest_random']:.3f} | not favoured: {verdict(not_favoured(r))} |",
        f"| lists holding the paper itself / a paper of the same title | {r['self_listed']} / "
        f"{r['same_title_listed']} | | | none: {verdict(not (r['self_listed'] or r['same_title_listed']))} |",
        f"| papers with fewer than {RELATED_K} related | {r['short_lists']} | | | |",
        "",
        "## Topics",
        "",
        "```",
        topics_table,
        "```",
        "",
        "## Search",
        "",
        "| | ours | exhaustive tf-idf | target |",
        "|---|---:|---:|---|",
        f"| exact title ranks the paper first ({s['known_item_queries']} papers) "
        f"| **{s['known_item_first']:.3f}** | {s['known_item_tfidf_first']:.3f} | >= {KNOWN_ITEM_TARGET}: "
        f"{verdict(s['known_item_first'] >= KNOWN_ITEM_TARGET)} |",
        f"| `authors:` query finds all their papers ({s['authors']} authors of 2+ papers) "
        f"| **{s['authors_all_found']:.3f}** | | all: {verdict(s['authors_all_found'] == 1.0)} |",
        f"| ... and ranks them first | {s['authors_all_ranked_first']:.3f} | | |",
        "",
        "## Times (seconds, this machine)",
        "",
        "| papers | paper terms | related papers | topics (every core) |",
        "|---:|---:|---:|---:|",
        *(
            f"| {t['papers']:,} | {t['terms_s']:.1f} | {t['related_s']:.1f} | {t['topics_s']:.1f} |"
            for t in figures.times
        ),
    ]
    if s["known_item_misses"]:
        lines += ["", "Known-item misses (first 10):"]
        lines += [
            f"- rank {m['rank']}: {m['title'][:90]!r} (first: {m['first'][:60]!r})"
            for m in s["known_item_misses"]
        ]
    if s["authors_missed"]:
        lines += ["", "Authors not fully found (first 10):"]
        lines += [f"- {m['author']!r}: {m['found']} of {m['papers']}" for m in s["authors_missed"]]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=10_000, help="corpus papers (default 10000)")
    parser.add_argument("--sample", type=int, default=1000, help="papers whose related lists are judged")
    parser.add_argument("--queries", type=int, default=500, help="exact-title queries")
    parser.add_argument("--authors", type=int, default=200, help="authors whose papers are searched")
    parser.add_argument("--times", default="10000,50000", help="sizes to time related papers and topics at")
    args = parser.parse_args(argv)

    import quality_topics

    figures = Figures(papers=args.n)
    with tempfile.TemporaryDirectory(prefix="quality-") as work:
        print(f"ingesting the first {args.n:,} corpus papers...", file=sys.stderr)
        site = ingested_site(args.n, Path(work))
    print("related papers...", file=sys.stderr)
    lists, seconds = timed(lambda: related_for(site))
    chosen = sample(args.sample, len(site.papers))
    figures.related = related_figures(site, chosen, seconds, lists)
    print("topics...", file=sys.stderr)
    papers = corpus_papers(args.n)
    topic_figures = quality_topics.topic_figures(papers, load_topics(TOPICS))
    before = quality_topics.committed_topics(revision=BEFORE)
    topic_baseline = quality_topics.topic_figures(papers, before) if before else None
    figures.topics = topic_figures
    print("search...", file=sys.stderr)
    figures.search = search_figures(site, args.queries, args.authors)
    for size in (int(value) for value in args.times.split(",") if value.strip()):
        print(f"times at {size:,} papers...", file=sys.stderr)
        figures.times.append(stage_times(size))
    print(report(figures, quality_topics.format_topics(topic_figures, topic_baseline)))
    OUT.mkdir(exist_ok=True)
    (OUT / "latest.json").write_text(json.dumps(figures.__dict__, indent=1, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
