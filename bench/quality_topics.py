"""The topic measures of issue 13: how papers spread over the taxonomy, and how well the topics that mean
the same as an arXiv category find that category's papers.

    python bench/quality_topics.py [-n 10000] [--offset 0] [--topics PATH] [--sample COUNT]

prints, for papers offset+1 .. offset+n of the corpus (or a fixed sample of `--sample` of them), the share
of papers with no topic, each topic's share, and for each topic of `CATEGORY_TOPICS` its precision and
recall against arXiv's categories (for `SHOWN_CATEGORY_TOPICS` too, not judged), beside the same figures
for the committed taxonomy (`git show HEAD:content/topics.yml`) as the baseline.

The categories are only the yardstick: the classifier sees a paper's title and abstract, never its
categories. A paper is a true paper of a mapped topic when ANY of its categories (cross-lists count) is
one of the topic's categories. "Prevalence" is the share of papers that are true papers: the precision a
topic assigned at random would get.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from quality_corpus import corpus_papers, sample

from generator.model import Paper, Topic
from generator.topics import classify, load_topics

REPO = Path(__file__).resolve().parent.parent
TAXONOMY = REPO / "content" / "topics.yml"

#: Topic slug -> the arXiv categories that mean the same, judged against the issue's targets. A paper is a
#: true paper of a topic when any of its categories is one of the topic's. Topics that cut across categories
#: (reasoning, agents, efficient ML ...) have no counterpart and are not listed. Computer vision is judged
#: against all of cs.CV and eess.IV (image and video processing, nearly always cross-listed with cs.CV).
CATEGORY_TOPICS: dict[str, tuple[str, ...]] = {
    "computer-vision": ("cs.CV", "eess.IV"),
    "language-models": ("cs.CL",),
    "information-theory": ("cs.IT", "math.IT"),
    "game-theory": ("cs.GT",),
}

#: Topics that mean the same as a category the corpus does not let us judge them by: shown, never judged.
#: The corpus holds papers whose primary category is cs.CV, cs.CL, cs.AI, cs.IT, cs.GT, cs.CE or cs.GR, so
#: these categories only appear as cross-lists, chosen by some authors of papers on the subject and not by
#: others: of the 256 papers among the first 10k that mention a robot, 72 are in cs.RO; of the 41 that
#: mention a jailbreak, 3 are in cs.CR. No text classifier can reach the targets against them: a logistic
#: regression on the words and word pairs of title and abstract, trained on papers 20,001-50,000, gets
#: precision 0.20 (cs.RO), 0.09 (cs.CR), 0.38 (cs.GR, where graphics and 3D vision papers read alike) and
#: 0.33 (cs.SD/eess.AS: most speech papers are cs.CL only) at recall 0.6 on the first 10k. Their figures
#: are still worth watching: a topic whose recall against its category falls is losing its subject.
SHOWN_CATEGORY_TOPICS: dict[str, tuple[str, ...]] = {
    "robotics": ("cs.RO",),
    "security": ("cs.CR",),
    "graphics": ("cs.GR",),
    "hci": ("cs.HC",),
    "information-retrieval": ("cs.IR",),
    "software-engineering": ("cs.SE",),
    "speech-audio": ("cs.SD", "eess.AS"),
    "databases": ("cs.DB",),
}

#: The issue's targets, judged on the first 10,000 corpus papers.
MAX_UNTOPICED = 0.05
MAX_SHARE = 0.30
MIN_PRECISION = 0.8
MIN_RECALL = 0.6


def topic_figures(
    papers: Sequence[Paper],
    topics: Sequence[Topic],
    category_topics: Mapping[str, Sequence[str]] = CATEGORY_TOPICS,
    shown: Mapping[str, Sequence[str]] = SHOWN_CATEGORY_TOPICS,
) -> dict[str, Any]:
    """Classify `papers` with `topics` and measure the result.

    Returns {"papers", "seconds" (classify time), "untopiced" (share), "shares" {slug: share, taxonomy
    order}, "max_share" [slug, share], "mapped" {slug: measures} for `category_topics`, "shown" {slug:
    measures} for `shown`}, the measures being {"categories", "true", "assigned", "tp", "fp", "fn",
    "precision", "recall", "prevalence"}. A listed topic the taxonomy lacks is left out; precision is None
    when the topic got no paper, recall None when no paper is true.
    """
    start = time.perf_counter()
    assigned = [set(classify(paper.title, paper.abstract, topics)) for paper in papers]
    seconds = time.perf_counter() - start
    n = len(papers) or 1
    shares = {t.slug: sum(t.slug in slugs for slugs in assigned) / n for t in topics}
    top = max(shares.items(), key=lambda item: item[1], default=("", 0.0))

    def measures(mapping: Mapping[str, Sequence[str]]) -> dict[str, dict[str, Any]]:
        result = {}
        for slug, categories in mapping.items():
            if slug not in shares:
                continue
            wanted = set(categories)
            truth = [bool(wanted.intersection(paper.categories)) for paper in papers]
            got = [slug in slugs for slugs in assigned]
            tp = sum(t and g for t, g in zip(truth, got, strict=True))
            true, chosen = sum(truth), sum(got)
            result[slug] = {
                "categories": list(categories),
                "true": true,
                "assigned": chosen,
                "tp": tp,
                "fp": chosen - tp,
                "fn": true - tp,
                "precision": tp / chosen if chosen else None,
                "recall": tp / true if true else None,
                "prevalence": true / n,
            }
        return result

    return {
        "papers": len(papers),
        "seconds": seconds,
        "untopiced": sum(not slugs for slugs in assigned) / n,
        "shares": shares,
        "max_share": list(top),
        "mapped": measures(category_topics),
        "shown": measures(shown),
    }


def failures(
    figures: Mapping[str, Any], min_true: int = 0, floors: Mapping[str, tuple[float, float]] | None = None
) -> list[str]:
    """The targets that `figures` misses, one sentence each (empty when all are met).

    A mapped topic is judged only when at least `min_true` papers are true papers of it: on a small sample
    a figure over a handful of papers is noise. `floors` gives a topic other (precision, recall) floors
    than the issue's; topics under "shown" are never judged.
    """
    missed = []
    if figures["untopiced"] > MAX_UNTOPICED:
        missed.append(f"{figures['untopiced']:.1%} of papers have no topic (target <= {MAX_UNTOPICED:.0%})")
    slug, share = figures["max_share"]
    if share > MAX_SHARE:
        missed.append(f"{slug} is on {share:.1%} of papers (target <= {MAX_SHARE:.0%})")
    for slug, m in figures["mapped"].items():
        if m["true"] < max(min_true, 1):
            continue
        min_precision, min_recall = (floors or {}).get(slug, (MIN_PRECISION, MIN_RECALL))
        if (m["precision"] or 0.0) < min_precision:
            missed.append(
                f"{slug}: precision {_num(m['precision'])} < {min_precision} ({_counts(m)} TP/FP/FN)"
            )
        if (m["recall"] or 0.0) < min_recall:
            missed.append(f"{slug}: recall {_num(m['recall'])} < {min_recall} ({_counts(m)} TP/FP/FN)")
    return missed


def format_topics(figures: Mapping[str, Any], baseline: Mapping[str, Any] | None = None) -> str:
    """The figures as a table, each beside the baseline's ("-" where the baseline lacks the topic).

    Topics judged against a category are marked "*" after their categories; "shown" ones are not.
    """
    base = baseline or {"shares": {}, "mapped": {}, "shown": {}}
    header = ("topic", "categories", "prev.", "share", "base", "P", "base", "R", "base", "TP/FP/FN")
    rows = [header]
    for slug, share in figures["shares"].items():
        judged = slug in figures["mapped"]
        m = figures["mapped"].get(slug) or figures["shown"].get(slug)
        b = base["mapped"].get(slug) or base.get("shown", {}).get(slug) or {}
        row = [slug, "", "", f"{share:.1%}", _pct(base["shares"].get(slug))]
        if m:
            row[1:3] = [" ".join(m["categories"]) + (" *" if judged else ""), f"{m['prevalence']:.1%}"]
            row += [_num(m["precision"]), _num(b.get("precision")), _num(m["recall"]), _num(b.get("recall"))]
            row.append(_counts(m))
        rows.append((*row, *[""] * (len(header) - len(row))))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(
            c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))

    def summary(f: Mapping[str, Any]) -> str:
        slug, share = f["max_share"]
        return (
            f"untopiced {f['untopiced']:.1%}, max share {share:.1%} ({slug}), "
            f"classify {f['seconds']:.2f} s for {f['papers']:,} papers"
        )

    lines += ["", "* judged against the category; prev. = share of papers in it (the precision of chance)"]
    lines.append(f"now:      {summary(figures)}")
    if baseline:
        lines.append(f"baseline: {summary(baseline)}")
    missed = failures(figures)
    targets = (
        f"untopiced <= {MAX_UNTOPICED:.0%}, share <= {MAX_SHARE:.0%}, P >= {MIN_PRECISION}, R >= {MIN_RECALL}"
    )
    lines.append(f"targets ({targets}): " + ("all met" if not missed else "MISSED " + "; ".join(missed)))
    return "\n".join(lines)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _counts(m: Mapping[str, Any]) -> str:
    return f"{m['tp']}/{m['fp']}/{m['fn']}"


def committed_topics(path: str = "content/topics.yml", revision: str = "HEAD") -> list[Topic] | None:
    """The taxonomy as committed at `revision` (None outside a git checkout or when it lacks the file)."""
    shown = subprocess.run(["git", "show", f"{revision}:{path}"], cwd=REPO, capture_output=True, text=True)
    if shown.returncode != 0:
        return None
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "topics.yml"
        copy.write_text(shown.stdout, encoding="utf-8")
        return load_topics(copy)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=10_000, help="papers to measure (default 10000)")
    parser.add_argument("--offset", type=int, default=0, help="skip this many corpus papers first")
    parser.add_argument(
        "--sample",
        type=int,
        default=0,
        help="measure only this many papers of the n, the fixed sample (quality_corpus.sample)",
    )
    parser.add_argument(
        "--topics", type=Path, default=TAXONOMY, help="the taxonomy (default content/topics.yml)"
    )
    args = parser.parse_args(argv)
    papers = corpus_papers(args.n + args.offset)[args.offset :]
    if args.sample:
        papers = [papers[i] for i in sample(args.sample, len(papers))]
    figures = topic_figures(papers, load_topics(args.topics))
    previous = committed_topics()
    baseline = topic_figures(papers, previous) if previous else None
    where = f"corpus papers {args.offset + 1:,}-{args.offset + args.n:,}"
    print(
        f"Topics on {len(papers):,} {'sampled ' if args.sample else ''}{where}; baseline = HEAD's taxonomy\n"
    )
    print(format_topics(figures, baseline))
    return 0


if __name__ == "__main__":
    sys.exit(main())
