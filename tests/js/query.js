// Run queries with lunr.js on serialized shards, normalizing them with static/js/query-normalize.js.
// stdin {"shards": [<serialized lunr index>, ...], "queries": ["...", ...], "normalize": ["...", ...]}
// stdout {"normalized": [...], "results": [[[shard, ref, score], ...] | {"error": "..."}, ...]}
"use strict";
const path = require("path");
const root = path.join(__dirname, "..", "..");
const lunr = require(path.join(root, "node_modules", "lunr"));
const normalizeQuery = require(path.join(root, "static", "js", "query-normalize.js"));
const readJson = require("./read-stdin");

const input = readJson();
const indexes = (input.shards || []).map((data) => lunr.Index.load(data));
const results = (input.queries || []).map((query) => {
  const normalized = normalizeQuery(query);
  if (!normalized) return [];
  const hits = [];
  try {
    indexes.forEach((index, shard) => {
      index.search(normalized).forEach((hit) => hits.push([shard, hit.ref, hit.score]));
    });
  } catch (error) {
    return { error: String(error && error.message) };
  }
  return hits.sort((a, b) => b[2] - a[2]);
});
process.stdout.write(
  JSON.stringify({
    version: lunr.version,
    normalized: (input.normalize || []).map((query) => normalizeQuery(query)),
    results: results,
  }),
);
