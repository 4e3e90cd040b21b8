/*
 * The search worker: loads the sharded lunr index off the main thread and answers queries.
 *
 * Protocol (messages are plain objects):
 *   page -> worker  {type: "init", manifest: <absolute URL of search/index.json>, timeout: <ms per fetch>}
 *                   {type: "query", channel: <the box asking>, id: <number>, q: <string>, limit: <number>}
 *   worker -> page  {type: "progress", loaded, total, papers}      after each shard arrives
 *                   {type: "results", id, q, ...}                   see `answer` below
 *                   {type: "fatal", message}                        the index cannot be loaded at all
 *
 * Shards are fetched newest first, one after the other. The current query is answered as soon as the
 * first shard is in, and answered again (same id) each time another shard arrives, its hits merged in by
 * score, so results only ever gain entries while the older papers load.
 */
/* global lunr, normalizeQuery */
"use strict";

importScripts("lunr.min.js", "query-normalize.js");

// Where a word breaks, exactly as the index builder splits text (BREAK_CHARS in generator/search/index.py,
// plus whitespace); the edges of each piece are trimmed to letters, marks, numbers and `_`.
var BREAK = /[\s\-:~^/\\|()[\]{}<>=,;!?"&'\u2019]+/g;
var WORD_CHAR = /[\p{L}\p{M}\p{N}_]/u;

var shards = []; // loaded shards, newest first: {index, docs, order}
var totalShards = null; // from the manifest, once known
var failedShards = 0;
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
  fetchJSON(manifestURL, timeout)
    .then(function (manifest) {
      if (!manifest || !Array.isArray(manifest.shards)) {
        // The single-index form of the contract: {"index", "docs"} at search/index.json itself.
        if (manifest && manifest.index && manifest.docs) {
          totalShards = 1;
          addShard(manifest, 0);
          return null;
        }
        throw new Error("not a search index manifest: " + manifestURL);
      }
      totalShards = manifest.shards.length;
      if (totalShards === 0) {
        progress();
        answerCurrent();
        return null;
      }
      var urls = manifest.shards.map(function (shard) {
        return new URL(shard.url, manifestURL).href;
      });
      return loadShards(urls, 0, timeout);
    })
    .catch(function (error) {
      fail(String((error && error.message) || error));
    });
}

function loadShards(urls, n, timeout) {
  if (n >= urls.length) return null;
  return fetchJSON(urls[n], timeout)
    .then(function (data) {
      addShard(data, n);
    })
    .then(
      function () {
        return loadShards(urls, n + 1, timeout);
      },
      function (error) {
        if (shards.length === 0) throw error; // without the newest shard there is nothing to show
        failedShards += 1; // an older shard is missing: keep what we have, and say so in the results
        progress();
        answerCurrent();
        return loadShards(urls, n + 1, timeout);
      }
    );
}

function addShard(data, order) {
  if (!data || !data.index || !data.docs) throw new Error("a search shard has no index or docs");
  shards.push({ index: lunr.Index.load(data.index), docs: data.docs, order: order });
  progress();
  answerCurrent();
}

function pending() {
  return totalShards === null || shards.length + failedShards < totalShards;
}

function progress() {
  var papers = 0;
  shards.forEach(function (shard) {
    papers += Object.keys(shard.docs).length;
  });
  post({ type: "progress", loaded: shards.length, failed: failedShards, total: totalShards, papers: papers });
}

function answerCurrent() {
  if (dead || (shards.length === 0 && pending())) return;
  Object.keys(current).forEach(function (channel) {
    post(answer(current[channel]));
  });
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

function runOn(shard, query) {
  return shard.index.search(query);
}

/** The answer to one query over every shard loaded so far: merged by score, the first `limit` shown. */
function answer(request) {
  var base = { type: "results", id: request.id, q: request.q, pending: pending(), failedShards: failedShards };
  var normalized = normalizeQuery(request.q);
  if (!normalized) {
    base.error = { kind: "syntax", message: whyEmpty(request.q) };
    return base;
  }
  var hits = [];
  try {
    shards.forEach(function (shard) {
      runOn(shard, normalized).forEach(function (hit, position) {
        hits.push({ shard: shard, order: shard.order, position: position, hit: hit });
      });
    });
  } catch (error) {
    if (!isParseError(error)) throw error;
    base.error = { kind: "syntax", message: error.message };
    return base;
  }
  // By score; ties keep the shard order (newer first) and lunr's own order within a shard: stable.
  hits.sort(function (a, b) {
    return b.hit.score - a.hit.score || a.order - b.order || a.position - b.position;
  });
  base.normalized = normalized;
  base.total = hits.length;
  base.results = hits.slice(0, Math.max(0, request.limit | 0)).map(describe);
  return base;
}

function describe(entry) {
  var doc = entry.shard.docs[entry.hit.ref] || {};
  var terms = Object.create(null);
  Object.keys(entry.hit.matchData.metadata).forEach(function (term) {
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
    var request = { id: message.id, q: String(message.q || ""), limit: Number(message.limit) || 10 };
    current[String(message.channel || "")] = request;
    if (!dead && (shards.length > 0 || !pending())) post(answer(request));
  }
};
