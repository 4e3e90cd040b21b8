/*
 * normalizeQuery: trim punctuation off search terms while keeping lunr's query syntax.
 * The JavaScript twin of tests/search_support.py's normalize_query (the rule is documented there);
 * tests/test_search_parity.py runs both over the same strings and asserts identical output.
 * Works as a classic script in a page or a Web Worker (global `normalizeQuery`) and in node (require).
 */
(function (root) {
  "use strict";

  var FIELDS = ["title", "abstract", "topics", "authors"];
  var MAX_EDIT_DISTANCE = 2;
  var MAX_BOOST = 1000;
  var SPACE = /[\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+/;
  var FIELD = /^([A-Za-z]+):([\s\S]*)$/;
  var SUFFIX = /^([\s\S]*?)((?:~[0-9]+|\^[0-9]+)+)$/;
  var MODIFIER = /([~^])([0-9]+)/g;
  // The word-breaking punctuation, as BREAK_CHARS in generator/search/index.py (the index splits there too).
  var SPLIT = /[-:~^\/\\|()[\]{}<>=,;!?"&'\u2019]+/;
  var KEEP = /^[\p{L}\p{M}\p{N}_*]$/u;

  function trim(piece) {
    var chars = Array.from(piece);
    var start = 0;
    var end = chars.length;
    while (start < end && !KEEP.test(chars[start])) start++;
    while (end > start && !KEEP.test(chars[end - 1])) end--;
    return chars.slice(start, end).join("");
  }

  function suffixOf(modifiers) {
    var out = "";
    var m;
    MODIFIER.lastIndex = 0;
    while ((m = MODIFIER.exec(modifiers)) !== null) {
      var limit = m[1] === "~" ? MAX_EDIT_DISTANCE : MAX_BOOST;
      out += m[1] + String(Math.min(parseInt(m[2], 10), limit));
    }
    return out;
  }

  function normalizeQuery(query, fields) {
    var known = fields || FIELDS;
    var out = [];
    var chunks = String(query).split(SPACE);
    for (var i = 0; i < chunks.length; i++) {
      var chunk = chunks[i];
      var presence = "";
      if (chunk.charAt(0) === "+" || chunk.charAt(0) === "-") {
        presence = chunk.charAt(0);
        chunk = chunk.slice(1);
      }
      var field = "";
      var m = FIELD.exec(chunk);
      if (m && known.indexOf(m[1].toLowerCase()) !== -1) {
        field = m[1].toLowerCase() + ":";
        chunk = m[2];
      }
      var suffix = "";
      m = SUFFIX.exec(chunk);
      if (m) {
        chunk = m[1];
        suffix = suffixOf(m[2]);
      }
      var pieces = chunk.split(SPLIT);
      for (var j = 0; j < pieces.length; j++) {
        var term = trim(pieces[j]);
        if (term.replace(/^\*+|\*+$/g, "") !== "") out.push(presence + field + term + suffix);
      }
    }
    return out.join(" ");
  }

  root.normalizeQuery = normalizeQuery;
  if (typeof module === "object" && module.exports) module.exports = normalizeQuery;
})(typeof self !== "undefined" ? self : typeof globalThis !== "undefined" ? globalThis : this);
