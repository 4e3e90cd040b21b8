/*
 * The search worker: answers queries off the main thread from the term-split index (search-parts.js).
 *
 * Protocol (messages are plain objects):
 *   page -> worker  {type: "init", manifest: <absolute URL of search/index.json>, timeout: <ms per fetch>}
 *                   {type: "query", channel: <the box asking>, id: <number>, q: <string>, limit: <number>}
 *   worker -> page  {type: "progress", loaded, total, papers}      once index.json is in
 *                   {type: "results", id, q, ...}                   see `answer` below
 *                   {type: "fatal", message}                        the index cannot be loaded at all
 *
 * A query fetches the index parts its terms need and the documents of the results it shows, then is
 * answered once, complete: every result, ranked as one lunr index of all papers ranks them. Parts already
 * fetched are reused by later queries. An answer that arrives after a newer query of the same box is
 * dropped. index.json may also be one whole index, `{"index", "docs"}` (DESIGN.md's simplest form).
 */
/* global lunr, normalizeQuery, SearchParts */
"use strict";

var booted = false;

/** Load lunr.js and our scripts (synchronous): after index.json's fetch has started, so both travel at once. */
function boot() {
  if (booted) return;
  booted = true;
  importScripts("lunr.min.js", "query-normalize.js", "search-parts.js");
}

// Where a word breaks, exactly as the index builder splits text (BREAK_CHARS in generator/search/index.py,
// plus whitespace); the edges of each piece are trimmed to letters, marks, numbers and `_`.
var BREAK = /[\s\-:~^/\\|()[\]{}<>=,;!?"&'\u2019]+/g;
var WORD_CHAR = /[\p{L}\p{M}\p{N}_]/u;

var engine = null; // {search(normalized) -> promise of hits, docs(refs) -> promise of documents}
var papers = 0;
var current = {}; // the latest query of each box on the page, by channel: {id, q, limit}
var dead = false;

function post(message) {
  self.postMessage(message);
}

function fail(message) {
  if (dead) return;
  dead = true;
  post({ type: "fatal", message: message });
}

function fetchJSON(url, timeout) {
  var controller = typeof AbortController === "function" ? new AbortController() : null;
  var timer = setTimeout(function () {
    if (controller) controller.abort();
  }, timeout);
  return fetch(url, { signal: controller ? controller.signal : undefined, credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status + " for " + url);
      return response.json();
    })
    .then(
      function (data) {
        clearTimeout(timer);
        return data;
      },
      function (error) {
        clearTimeout(timer);
        throw error && error.name === "AbortError" ? new Error("timed out after " + timeout + " ms: " + url) : error;
      }
    );
}

function load(manifestURL, timeout) {
  var fetching = fetchJSON(manifestURL, timeout);
  try {
    boot();
  } catch (error) {
    fail("the search scripts could not load (" + String((error && error.message) || error) + ")");
    return;
  }
  fetching
    .then(function (entry) {
      if (entry && entry.version === 2 && Array.isArray(entry.postings)) {
        engine = SearchParts.open(lunr, entry, function (name) {
          return fetchJSON(new URL(name, manifestURL).href, timeout);
        });
        papers = entry.papers;
      } else if (entry && entry.index && entry.docs) {
        engine = whole(entry);
      } else {
        throw new Error("not a search index this page can read: " + manifestURL);
      }
      post({ type: "progress", loaded: 1, failed: 0, total: 1, papers: papers });
      Object.keys(current).forEach(function (channel) {
        run(current[channel]);
      });
    })
    .catch(function (error) {
      fail(String((error && error.message) || error));
    });
}

/** The engine of a whole index in index.json itself. */
function whole(data) {
  var index = lunr.Index.load(data.index);
  papers = Object.keys(data.docs).length;
  return {
    search: function (normalized) {
      return new Promise(function (resolve) {
        resolve(index.search(normalized));
      });
    },
    docs: function (refs) {
      return Promise.resolve(
        refs.map(function (ref) {
          return data.docs[ref] || {};
        })
      );
    },
  };
}

// --- searching -------------------------------------------------------------------------------------

function isParseError(error) {
  return !!error && (error instanceof lunr.QueryParseError || error.name === "QueryParseError");
}

/** Why a query that normalizes to nothing cannot be run: a hint for the usual slips, else lunr's words. */
function whyEmpty(raw) {
  var said = "";
  try {
    new lunr.QueryParser(raw, new lunr.Query(["title", "abstract", "topics", "authors"])).parse();
  } catch (error) {
    if (!isParseError(error)) throw error;
    said = error.message;
  }
  if (/(^|\s)[+-]+(?=\s|$)/.test(raw)) return "+ and - go right before a word, as in +grokking -survey";
  if (/[A-Za-z]+:(?=\s|$)/.test(raw)) return "a field name needs a word right after it, as in title:grokking";
  return said ? "lunr says “" + said + "”" : "there are no words to search for";
}

/** Answer one query: its results counted, the first `limit` with their documents. */
function run(request) {
  var base = { type: "results", id: request.id, q: request.q, pending: false, failedParts: 0 };
  var normalized = normalizeQuery(request.q);
  if (!normalized) {
    base.error = { kind: "syntax", message: whyEmpty(request.q) };
    post(base);
    return;
  }
  var still = function () {
    return current[request.channel] === request;
  };
  engine
    .search(normalized)
    .then(function (hits) {
      var shown = hits.slice(0, Math.max(0, request.limit | 0));
      return engine
        .docs(
          shown.map(function (hit) {
            return hit.ref;
          })
        )
        .then(function (docs) {
          base.normalized = normalized;
          base.total = hits.length;
          base.results = shown.map(function (hit, i) {
            return describe(hit, docs[i]);
          });
          return base;
        });
    })
    .then(
      function (answer) {
        if (still()) post(answer);
      },
      function (error) {
        if (!still()) return;
        if (isParseError(error)) {
          base.error = { kind: "syntax", message: error.message };
        } else {
          base.error = { kind: "network", message: String((error && error.message) || error) };
        }
        post(base);
      }
    );
}

function describe(hit, doc) {
  doc = doc || {};
  var terms = Object.create(null);
  Object.keys(hit.matchData.metadata).forEach(function (term) {
    terms[term] = true;
  });
  var title = String(doc.title || "");
  var snippet = String(doc.snippet || "");
  return {
    title: title,
    url: String(doc.url || ""),
    date: String(doc.date || ""),
    topics: Array.isArray(doc.topics) ? doc.topics.map(String) : [],
    snippet: snippet,
    titleMarks: marks(title, terms),
    snippetMarks: marks(snippet, terms),
  };
}

/** [start, end] ranges of `text` whose words stem to one of the matched index terms. */
function marks(text, terms) {
  var out = [];
  var start = 0;
  var m;
  BREAK.lastIndex = 0;
  while ((m = BREAK.exec(text)) !== null) {
    markWord(text, start, m.index, terms, out);
    start = m.index + m[0].length;
  }
  markWord(text, start, text.length, terms, out);
  return out;
}

function markWord(text, start, end, terms, out) {
  while (start < end && !WORD_CHAR.test(text.charAt(start))) start++;
  while (end > start && !WORD_CHAR.test(text.charAt(end - 1))) end--;
  if (start >= end) return;
  var word = text.slice(start, end).toLowerCase();
  var stem = lunr.stemmer(new lunr.Token(word, {})).toString();
  if (terms[stem] || terms[word]) out.push([start, end]);
}

// --- messages --------------------------------------------------------------------------------------

self.onmessage = function (event) {
  var message = event.data || {};
  if (message.type === "init") {
    load(String(message.manifest), Number(message.timeout) || 15000);
  } else if (message.type === "query") {
    var request = {
      id: message.id,
      channel: String(message.channel || ""),
      q: String(message.q || ""),
      limit: Number(message.limit) || 10,
    };
    current[request.channel] = request;
    if (!dead && engine) run(request);
  }
};
