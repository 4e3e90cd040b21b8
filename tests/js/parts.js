// Run queries on the term-split index (static/js/search-parts.js over the files of a built search/ folder)
// and on one whole lunr.js index of the same papers, normalizing them with static/js/query-normalize.js.
// stdin {"folder": <path of search/>, "full": <serialized lunr index>, "queries": ["...", ...], "cold": bool}
// (cold: every query starts with nothing fetched, as a first visit; else later queries reuse earlier parts)
// stdout {"version", "results": [{"full": [[ref, score], ...] | {"error"}, "parts": [...] | {"error"},
//          "fetched": [file names this query fetched, in order]}, ...], "docs": {ref: doc} of the first hits}
"use strict";
const fs = require("fs");
const path = require("path");
const root = path.join(__dirname, "..", "..");
const lunr = require(path.join(root, "node_modules", "lunr"));
const normalizeQuery = require(path.join(root, "static", "js", "query-normalize.js"));
const SearchParts = require(path.join(root, "static", "js", "search-parts.js"));
const readJson = require("./read-stdin");

const input = readJson();
const entry = JSON.parse(fs.readFileSync(path.join(input.folder, "index.json"), "utf8"));
let fetched = [];
function openParts() {
  return SearchParts.open(lunr, entry, (name) => {
    fetched.push(name);
    return Promise.resolve(JSON.parse(fs.readFileSync(path.join(input.folder, name), "utf8")));
  });
}
let parts = openParts();
const full = input.full ? lunr.Index.load(input.full) : null;

function hits(results) {
  return results.map((hit) => [hit.ref, hit.score]);
}

async function main() {
  const results = [];
  const docs = {};
  for (const query of input.queries || []) {
    const normalized = normalizeQuery(query);
    const out = { full: [], parts: [], fetched: [] };
    if (normalized) {
      if (full) {
        try {
          out.full = hits(full.search(normalized));
        } catch (error) {
          out.full = { error: String(error && error.message) };
        }
      }
      fetched = [];
      if (input.cold) parts = openParts();
      try {
        const found = await parts.search(normalized);
        out.parts = hits(found);
        const shown = await parts.docs(found.slice(0, 3).map((hit) => hit.ref));
        found.slice(0, 3).forEach((hit, i) => (docs[hit.ref] = shown[i]));
      } catch (error) {
        out.parts = { error: String(error && error.message) };
      }
      out.fetched = fetched;
    }
    results.push(out);
  }
  process.stdout.write(JSON.stringify({ version: lunr.version, results: results, docs: docs }));
}

main().catch((error) => {
  process.stderr.write(String((error && error.stack) || error));
  process.exit(1);
});
