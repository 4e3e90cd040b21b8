"""LaTeX math in abstracts renders as MathML at build time; what does not convert shows its TeX source.

Unit cases for the renderer (inline, display, `\\(...\\)`, `\\emph`, fallbacks, hostile input, prices),
the span rule shared by escaping and rendering (checked against the dollarmath plugin on random input),
`plain_text`, and real arXiv abstracts from ../shared: every formula becomes `<math>` or
`<code class="tex">`, at least 97% of them MathML, and a page of them passes the Nu HTML checker.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import markdown, mathml
from generator.markdown import escape_text, plain_text, render
from generator.mathml import tex_failure, tex_to_mathml
from generator.mathspans import find_math

from . import site_support as support

CORPUS = support.REPO.parent / "shared" / "corpora" / "arxiv-cs-abstracts-50k.jsonl.gz"


def html_of(text: str) -> str:
    """An abstract as the site shows it: escaped by ingest, rendered by the build."""
    return render(escape_text(text))


# --- the renderer ------------------------------------------------------------------------------------


def test_inline_math_becomes_mathml() -> None:
    out = html_of(r"We sort in $O(n \log n)$ time with $x^2$.")
    assert out.count('<math display="inline">') == 2
    assert "<msup><mi>x</mi><mn>2</mn></msup>" in out
    assert "<mi>log</mi>" in out
    assert out.startswith("<p>We sort in <math") and out.endswith(" time with <math" + out.split("<math")[-1])
    assert "$" not in out


def test_display_math_becomes_a_block() -> None:
    out = html_of(r"It satisfies $$ J(X+Y)^{-1}\ge J(X)^{-1} $$ for all $X$.")
    assert out.count('<math display="block">') == 1
    assert out.count('<math display="inline">') == 1
    assert "≥" in out


def test_latex_parentheses_are_inline_math() -> None:
    out = html_of(r"a \(\frac{1}{2}\) fraction")
    assert '<math display="inline"><mrow><mfrac>' in out
    # \[ is left alone: bodies use it to escape a bracket
    assert render(r"\[1\] and \[2\]") == "<p>[1] and [2]</p>\n"


def test_mathml_has_no_namespace_or_href_or_style() -> None:
    out = html_of(r"$\href{javascript:alert(1)}{x}$, $\style{position:fixed}{y}$ and $\class{skip}{z}$")
    assert out.count("<math") == 3
    for bad in ("href", "javascript", "style=", "class=", "xmlns"):
        assert bad not in out


def test_latex_emphasis() -> None:
    assert html_of(r"an \emph{important} and \textbf{bold} \textit{claim}") == (
        "<p>an <em>important</em> and <strong>bold</strong> <em>claim</em></p>\n"
    )
    assert html_of(r"\textbf{a \emph{b} {c} d}") == "<p><strong>a <em>b</em> {c} d</strong></p>\n"
    assert html_of(r"\emph{with $x_1$ and a*b}") == (
        '<p><em>with <math display="inline"><mrow><msub><mi>x</mi><mn>1</mn></msub></mrow></math>'
        " and a*b</em></p>\n"
    )
    # malformed stays text
    assert html_of(r"\emph{unclosed and \textbf no brace") == "<p>\\emph{unclosed and \\textbf no brace</p>\n"
    # a formula is one unit: its `}` does not close the \emph (and, stray, it makes the formula fail)
    assert html_of(r"\emph{a $b} c$") == '<p>\\emph{a <code class="tex">$b} c$</code></p>\n'


def test_formulas_that_do_not_convert_show_their_source() -> None:
    assert html_of(r"with $\foo{x}$ here") == '<p>with <code class="tex">$\\foo{x}$</code> here</p>\n'
    assert html_of(r"with $x^$ here") == '<p>with <code class="tex">$x^$</code> here</p>\n'
    assert html_of(r"$$\frac{a}$$") == '<p><code class="tex">$$\\frac{a}$$</code></p>\n'
    assert html_of(r"$\begin{foo}x\end{foo}$").startswith('<p><code class="tex">')
    assert html_of(r"$\rule[1em]{2em}{1pt}$").startswith('<p><code class="tex">')
    assert html_of(r"$a<b & \mathcal{Q}$").startswith('<p><code class="tex">$a&lt;b &amp; ')
    assert tex_failure(r"\foo") == "unknown command \\foo"
    assert tex_failure("x^") == "MissingSuperScriptOrSubscriptError"
    assert tex_failure(r"\frac{a}") == "<mfrac> with 1 of 2 parts"
    assert tex_failure(r"x^2") is None


def test_prose_between_unpaired_dollars_is_not_a_formula() -> None:
    # TeX that lost its backslashes (a real digest), and prose between two `$` that do not pair up
    assert html_of("fine-tuning of $textbf{specialist} and textbf{generalist}$ models").count("<code") == 1
    reason = tex_failure("0.5% parameters and trains only the projections")
    assert reason == "prose, not a formula (unpaired $?)"
    assert tex_failure(r"\text{if } x > 0 \text{ and } y") is None


def test_long_inline_formulas_scroll_on_their_own() -> None:
    long = html_of(r"the set $\min\{M_1,M_2,N_1,N_2,(1/3)\max\{M_1+M_2,N_1+N_2\}\}$ here")
    assert '<math class="wide" display="inline">' in long
    assert 'class="wide"' not in html_of("short $x^2$ and display $$" + "a+" * 40 + "b$$")
    css = (support.REPO / "static" / "css" / "site.css").read_text(encoding="utf-8")
    assert "math.wide {" in css and 'math[display="block"] {' in css


def test_repairs_for_common_abstract_tex() -> None:
    assert "<mi>%</mi>" in (tex_to_mathml("54.5%") or "")  # not a comment that eats the rest
    assert ">11.7%</mtext>" in (tex_to_mathml(r"\textbf{11.7\%}") or "")
    assert "<mo>arg</mo>" in (tex_to_mathml(r"\arg\max_x f") or "")
    assert 'width="-0.111em"' in (tex_to_mathml(r"E\mkern-2mu L") or "")


HOSTILE = [
    "<script>alert(1)</script>",
    "$<script>alert(1)</script>$",
    "$<img src=x onerror=alert(1)>$",
    r"$\text{<img src=x onerror=alert(1)>}$",
    r"$\text{&lt;b&gt; & \" '}$",
    "$$<iframe src=javascript:alert(1)>$$",
    r"\(<svg onload=alert(1)>\)",
    r"\emph{<script>x</script>} \textbf{$<b>$}",
    "[x](javascript:alert(1)) and <javascript:alert(1)>",
    r"$\href{javascript:alert(1)}{click}$",
    r"$\unicode{0}$ $\unicode{D800}$ $\unicode{110000}$",
    '$x" onmouseover="alert(1)$',
]

# What an escaped abstract may render to: paragraphs, emphasis, TeX source and MathML presentation.
ABSTRACT_TAGS = {"p", "em", "strong", "code", "br"} | set(mathml._MATHML_TAGS)
# A hand-written body may use any CommonMark, but raw HTML is off, so nothing beyond what Markdown makes.
MARKDOWN_TAGS = ABSTRACT_TAGS | {"h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li", "pre"}
MARKDOWN_TAGS |= {"hr", "a", "img"}
MARKDOWN_ATTRS = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_safe(out: str, hand_written: bool = False) -> None:
    """Only known tags; on `<code>` only class="tex", on `<math>` only class="wide"; otherwise MathML
    presentation attributes; no script URL."""
    parser = _Tags()
    parser.feed(out)
    for tag, attrs in parser.tags:
        assert tag in (MARKDOWN_TAGS if hand_written else ABSTRACT_TAGS), f"<{tag}> in {out!r}"
        for name, value in attrs:
            if tag == "code":
                assert name == "class" and (value == "tex" or hand_written), out
            elif tag == "math" and name == "class":
                assert value == "wide", out  # a long inline formula, scrolling on its own on a phone
            elif tag in MARKDOWN_ATTRS:
                assert name in MARKDOWN_ATTRS[tag], f"{name}= on <{tag}> in {out!r}"
            else:
                assert name in mathml._MATHML_ATTRS, f"{name}= on <{tag}> in {out!r}"
            assert "javascript" not in (value or "").lower(), out


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_stays_escaped(text: str) -> None:
    assert_safe(html_of(text))
    assert_safe(render(text), hand_written=True)
    for out in (html_of(text), render(text)):
        assert "<script" not in out and "<img" not in out and "<svg" not in out and "<iframe" not in out


def test_hostile_input_costs_linear_time() -> None:
    """Unclosed `\\emph{`, `$$` and `\\(` by the thousand once took seconds each (quadratic scans)."""
    import time

    n = 20_000
    cases = ["\\emph{" * (n // 6), "$$a$" * (n // 4), "\\(a" * (n // 3), "\\$a$ " * (n // 5), "$" * n]
    cases.append("\\emph{" * 200 + "x" + "}" * 200)  # deeper than the parser follows
    started = time.perf_counter()
    for text in cases:
        body = escape_text(text)
        render(body), render(text), plain_text(body), plain_text(text)
    assert time.perf_counter() - started < 10


TEXISH = st.lists(
    st.sampled_from(
        [
            *["$", "$$", "\\", "\\(", "\\)", "{", "}", "^", "_", "<", ">", "&", '"', "'", " ", "a", "1", "x"],
            *["#", "%", "\\frac", "\\text{", "\\emph{", "\\href{", "\\unicode{", "\\style{", "script"],
            *["onerror=", "&lt;", "javascript:", "[", "](", ")"],
        ]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(TEXISH)
def test_any_tex_renders_to_allowed_markup_only(text: str) -> None:
    assert_safe(html_of(text))
    assert_safe(render(text), hand_written=True)


# --- prices are not math -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "It costs $5 and $10 per run.",
        "Between $5-$10 a month, or $1,000.",
        "from $10M-$20M, $5,$6 or $5/$7",
        "US$5 and US$10",
        "a budget of $2.5M$ is not",  # `$2.5M$`: would be math if a digit after $ were the only rule
        "$5, $6, $7",
        "We pay $ 5 $ here",
    ],
)
def test_prices_are_not_math(text: str) -> None:
    out = html_of(text)
    if text.startswith("a budget"):
        assert "<math" in out  # `$2.5M$` is a formula by the rule (no space inside, no digit after)
        return
    assert "<math" not in out and "<code" not in out
    assert out == f"<p>{text}</p>\n"


def test_prices_next_to_math() -> None:
    out = html_of("It costs $5 and needs $x$ GPUs; 3.5$\\times$ faster, $\\to$62 ms, $\\pm$0.01.")
    assert out.count("<math") == 4
    assert out.startswith("<p>It costs $5 and needs <math")
    assert "\N{MULTIPLICATION SIGN}" in out
    # a digit right after the closing `$` of a formula that does not start with one is fine
    assert "</math>62 ms" in out and "</math>0.01." in out


# --- escaping keeps math verbatim --------------------------------------------------------------------


def test_escape_keeps_math_spans_verbatim() -> None:
    kept = r"Loss $\mathcal{L}_{x}$ with *a* and b_c"
    assert escape_text(kept) == r"Loss $\mathcal{L}_{x}$ with \*a\* and b_c"
    assert escape_text(r"$$\sum_{i} x_i^*$$ and \(a_*\)") == r"$$\sum_{i} x_i^*$$ and \(a_*\)"
    assert escape_text("costs $5 and $10") == "costs $5 and $10"  # no `\$` where none is needed
    # A `$` that would open math the abstract did not have is escaped, and only that one:
    assert escape_text(r"it is \$5 and \$x$") == r"it is \\\$5 and \\\$x$"
    assert render(escape_text(r"it is \$5 and \$x$")) == "<p>it is \\$5 and \\$x$</p>\n"
    assert escape_text("# $x$ 1. and [y]") == "\\# $x$ 1. and \\[y]"


# The span rule (find_math) against the plugin, on strings of the pieces that matter to it.
SPANNY = st.lists(
    st.sampled_from(["$", "$$", "\\", "\\(", "\\)", "\\emph{", "\\textbf{", "{", "}", " ", "a", "1", "x"]),
    max_size=24,
).map("".join)


@settings(max_examples=1500, deadline=None)
@given(SPANNY)
def test_find_math_is_the_renderers_rule(source: str) -> None:
    source = source.strip()
    if not source:
        return
    children = markdown._renderer().parseInline(source)[0].children or []
    parsed = [(t.content, t.markup) for t in children if t.type.startswith("math")]
    assert [(s.tex, s.markup) for s in find_math(source)] == parsed


# --- plain text --------------------------------------------------------------------------------------


def test_plain_text_words() -> None:
    assert plain_text(escape_text(r"in $O(n \log n)$ time")) == "in O(n log n) time"
    assert plain_text(escape_text(r"the loss $\mathcal{L}$ is \emph{small}")) == "the loss L is small"
    assert plain_text(escape_text(r"$\alpha\beta$, $\frac{1}{2}$, $x\leq\infty$")) == "alpha beta, 1/2, x≤∞"
    assert plain_text(escape_text(r"$\mathbb{R}^{d}$ and \textsc{Bert} and \(\tilde{O}(\sqrt{T})\)")) == (
        "R^d and Bert and O(√T)"
    )
    assert plain_text(escape_text("# Title *not* [emph] &amp; a_b\n\n  second   para ")) == (
        "# Title *not* [emph] &amp; a_b second para"
    )
    assert plain_text(escape_text("costs $5 and $10")) == "costs $5 and $10"
    assert plain_text(escape_text(r"Top-\(k\) and $$\sum_i x_i$$.")) == "Top-k and ∑_i x_i."
    # Hand-written Markdown goes through the parser: its markup goes, its text stays
    assert plain_text("A *b* [link](https://x.org) `code`\nwrapped $x$\n\n- item &amp;") == (
        "A b link code wrapped x item &"
    )


def test_plain_text_fast_scan_agrees_with_the_parser() -> None:
    for text in [r"a \emph{b $x$} c \textbf{d", r"x \$5 $\text{ok}$ \\ & &amp; a_b", "1\\. $y$", "\\- $$z$$"]:
        body = escape_text(text)
        fast = markdown._plain_fast(body)
        assert fast is not None, body
        assert " ".join(fast.split()) == " ".join(markdown._plain_parsed(body).split())


# --- real abstracts ----------------------------------------------------------------------------------


def corpus_math_abstracts(count: int) -> list[str]:
    """The first `count` corpus abstracts with a `$`, read as bench/math_rate.py reads them."""
    if not CORPUS.exists():
        pytest.skip(f"../shared is absent: {CORPUS} not found (tests on real abstracts need it)")
    spec = importlib.util.spec_from_file_location("bench_math_rate", support.REPO / "bench" / "math_rate.py")
    assert spec is not None and spec.loader is not None
    math_rate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(math_rate)
    return math_rate.math_abstracts(CORPUS, count)


def test_real_abstracts_render_their_math() -> None:
    formulas = converted = 0
    for summary in corpus_math_abstracts(300):
        body = escape_text(summary)
        spans = [s for p in body.split("\n\n") for s in find_math(p)]
        out = render(body)
        mathml, source = out.count("<math "), out.count('<code class="tex">')
        assert mathml + source == len(spans), f"{len(spans)} formulas, {mathml}+{source} elements:\n{body}"
        formulas += len(spans)
        converted += mathml
        # The words stay searchable: no formula is left as `$...$` in the plain text of a converted body.
        words = plain_text(body)
        assert "\\mathcal" not in words and "\\mathbf" not in words
        fast = markdown._plain_fast(body)
        assert fast is None or " ".join(fast.split()) == " ".join(markdown._plain_parsed(body).split())
    assert formulas > 500
    share = converted / formulas
    assert share >= 0.97, f"only {converted} of {formulas} formulas ({share:.1%}) became MathML"


def test_real_math_abstracts_are_valid_html(tmp_path: Path) -> None:
    abstracts = corpus_math_abstracts(50)
    support.require_java()
    support.require_node_file(support.VNU_JAR)
    articles = "\n".join(f"<article>\n{html_of(text)}</article>" for text in abstracts)
    page = tmp_path / "math.html"
    page.write_text(
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Math in abstracts</title>'
        f"\n</head>\n<body>\n<main>\n{articles}\n</main>\n</body>\n</html>\n",
        encoding="utf-8",
    )
    assert page.read_text(encoding="utf-8").count("<math ") > 100
    command = [*support.VNU_COMMAND, "--errors-only", "--format", "json", "--stdout"]
    done = subprocess.run([*command, str(page)], capture_output=True, text=True, timeout=300)
    try:
        messages = json.loads(done.stdout)["messages"]
    except (json.JSONDecodeError, KeyError):
        pytest.fail(f"vnu gave no JSON report (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    errors = [f"{m.get('lastLine')}: {m.get('message')} {m.get('extract', '')!r}" for m in messages]
    assert not errors, f"vnu found {len(errors)} error(s):\n" + "\n".join(errors)
