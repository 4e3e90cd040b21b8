/*
 * SearchParts: the term-split search index (generator/search/parts.py) read a few parts at a time.
 *
 * `SearchParts.open(lunr, entry, fetchPart)` takes lunr.js, the parsed `search/index.json` and a function
 * that fetches a part by file name (a promise of its parsed JSON), and returns {search, docs}:
 *   search(query) -> promise of lunr's results (refs, scores, match data) for an already normalized query
 *   docs(refs)    -> promise of the documents shown for those refs ({title, url, date, topics, snippet})
 *
 * A query's terms decide the parts: an exact term its postings part, a prefix (`transf*`) the postings
 * parts of that prefix, a typo (`transformr~1`) the names parts that can hold a term one edit away (see
 * parts.py) and then the postings parts of the names lunr itself matches; anything else (a leading
 * wildcard, two typos) every names part. From the postings fetched it rebuilds a lunr.Index of exactly
 * those terms, with their global term numbers and scores, and lets lunr.js run the query on it: a score is
 * the dot product of the query vector with each field vector over the query's terms only, so the results,
 * their order and their scores are those of one lunr index of all papers (tests/test_search_parts.py).
 * Parts fetched once are kept, so the next query fetches only what it adds.
 *
 * Works as a classic script in a page or a Web Worker (global `SearchParts`) and in node (require).
 */
(function (root) {
  "use strict";

  // The names lists' keys, as parts.py's NAME_KEYS (JavaScript strings are UTF-16 code units, as there).
  var KEYS = {
    term: function (s) {
      return s;
    },
    tail: function (s) {
      return s.slice(1);
    },
    skip: function (s) {
      return s.charAt(0) + s.slice(2);
    },
  };

  function open(lunr, entry, fetchPart) {
    var fields = entry.fields;
    var pipeline = lunr.Pipeline.load(entry.pipeline);
    var postingFirsts = entry.postings.map(function (row) {
      return row[0];
    });
    var nameFirsts = {};
    Object.keys(KEYS).forEach(function (kind) {
      nameFirsts[kind] = entry.names[kind].map(function (row) {
        return KEYS[kind](row[0]);
      });
    });
    var fetched = Object.create(null); // file name -> promise of its JSON
    var postings = Object.create(null); // term -> [term, number, <field postings>...]
    var postingsParts = []; // part number -> the terms it holds, once loaded

    function part(name) {
      if (!fetched[name]) {
        fetched[name] = fetchPart(name).catch(function (error) {
          delete fetched[name]; // a later query may try again
          throw error;
        });
      }
      return fetched[name];
    }

    function loadPostings(number) {
      return part("p-" + entry.postings[number][1] + ".json").then(function (rows) {
        if (!postingsParts[number]) {
          postingsParts[number] = rows.map(function (row) {
            postings[row[0]] = row;
            return row[0];
          });
        }
        return postingsParts[number];
      });
    }

    function loadNames(kind, number) {
      return part("n-" + entry.names[kind][number][1] + ".json");
    }

    /** The part numbers whose keys may start with `prefix`, in a table of first keys sorted as JS sorts. */
    function partsFor(firsts, prefix) {
      if (!firsts.length) return [];
      // The last part whose first key is below the prefix may hold its first keys; the next ones hold
      // more as long as their first key starts with it.
      var low = 0;
      var high = firsts.length;
      while (low < high) {
        var middle = (low + high) >> 1;
        if (firsts[middle] < prefix) low = middle + 1;
        else high = middle;
      }
      var start = Math.max(0, low - 1);
      var numbers = [start];
      for (var n = start + 1; n < firsts.length && firsts[n].slice(0, prefix.length) === prefix; n++) {
        numbers.push(n);
      }
      return numbers;
    }

    /** The postings part that holds `term`, if any term does: the last part whose first term <= it. */
    function partOf(term) {
      var low = 0;
      var high = postingFirsts.length;
      while (low < high) {
        var middle = (low + high) >> 1;
        if (postingFirsts[middle] <= term) low = middle + 1;
        else high = middle;
      }
      return low - 1;
    }

    /** What one term of a clause needs: {exact: term} | {prefix: p} | {names: [[kind, prefix], ...]}. */
    function needs(term, clause) {
      var distance = "editDistance" in clause ? clause.editDistance : 0;
      var star = term.indexOf("*");
      if (star === -1 && distance === 0) return { exact: term };
      if (distance === 0 && star > 0) return { prefix: term.slice(0, star) };
      if (distance === 1 && star === -1) {
        var c = function (i) {
          return term.charAt(i);
        };
        return {
          names: [
            ["term", c(0) + c(1)],
            ["term", c(0) + c(2)],
            ["term", c(1) + c(2)],
            ["term", c(1) + c(0)],
            ["tail", c(1) + c(2)],
            ["tail", c(0) + c(1)],
            ["skip", c(0) + c(2) + c(3)],
            ["skip", c(0) + c(1) + c(2)],
          ],
        };
      }
      return { names: [["term", ""]] }; // a leading wildcard, or more than one typo: every name
    }

    /** The terms of the query's clauses, as lunr.Index#query will look them up. */
    function clauseTerms(query) {
      var out = [];
      query.clauses.forEach(function (clause) {
        var terms = clause.usePipeline ? pipeline.runString(clause.term, { fields: clause.fields }) : [clause.term];
        terms.forEach(function (term) {
          var copy = Object.assign({}, clause, { term: term });
          out.push({ clause: copy, need: needs(term, copy) });
        });
      });
      return out;
    }

    /** Every term of the whole index that the query can touch, with its postings loaded. */
    function gather(query) {
      var wanted = Object.create(null);
      var loads = [];
      clauseTerms(query).forEach(function (item) {
        var need = item.need;
        if (need.exact !== undefined) {
          var number = partOf(need.exact);
          if (number < 0) return;
          loads.push(
            loadPostings(number).then(function () {
              if (postings[need.exact]) wanted[need.exact] = true;
            })
          );
        } else if (need.prefix !== undefined) {
          partsFor(postingFirsts, need.prefix).forEach(function (n) {
            loads.push(
              loadPostings(n).then(function (terms) {
                terms.forEach(function (term) {
                  if (term.slice(0, need.prefix.length) === need.prefix) wanted[term] = true;
                });
              })
            );
          });
        } else {
          loads.push(matchingNames(item.clause, need.names).then(function (terms) {
            return Promise.all(
              terms.map(function (term) {
                var number = partOf(term);
                return number < 0 ? null : loadPostings(number).then(function () {
                  if (postings[term]) wanted[term] = true;
                });
              })
            );
          }));
        }
      });
      return Promise.all(loads).then(function () {
        return Object.keys(wanted);
      });
    }

    /** The index's terms that lunr matches to this clause, found in the names parts that can hold them. */
    function matchingNames(clause, wanted) {
      var numbers = {};
      wanted.forEach(function (pair) {
        partsFor(nameFirsts[pair[0]], pair[1]).forEach(function (n) {
          numbers[pair[0] + " " + n] = [pair[0], n];
        });
      });
      return Promise.all(
        Object.keys(numbers).map(function (key) {
          return loadNames(numbers[key][0], numbers[key][1]);
        })
      ).then(function (lists) {
        // An edit changes the length by one at most, so lunr's automaton is only shown names that could
        // match (it decides; this only saves building a token set of thousands of names).
        var distance = clause.term.indexOf("*") === -1 && "editDistance" in clause ? clause.editDistance : -1;
        var seen = Object.create(null);
        lists.forEach(function (list) {
          list.forEach(function (term) {
            if (distance < 0 || Math.abs(term.length - clause.term.length) <= distance) seen[term] = true;
          });
        });
        var candidates = Object.keys(seen).sort();
        var set = lunr.TokenSet.fromArray(candidates);
        return set.intersect(lunr.TokenSet.fromClause(clause)).toArray();
      });
    }

    /** A lunr.Index of exactly these terms, as lunr.Index.load would make it from the whole index's
     *  entries for them; with every document's field vectors (empty here) when the query only excludes. */
    function indexOf(terms, everyDocument) {
      terms.sort(); // lunr's TokenSet.Builder wants JavaScript's order, which the build's order is
      var invertedIndex = Object.create(null);
      var builder = new lunr.TokenSet.Builder();
      terms.forEach(function (term) {
        var row = postings[term];
        var posting = {};
        fields.forEach(function (field, f) {
          var flat = row[2 + f];
          var refs = {};
          for (var i = 0; i < flat.length; i += 2) refs[flat[i]] = {};
          posting[field] = refs;
        });
        posting._index = row[1];
        invertedIndex[term] = posting;
        builder.insert(term);
      });
      builder.finish();
      // Field vectors: [term number, score, ...] by term number, so the terms are taken in that order.
      var elements = {};
      if (everyDocument) {
        for (var n = 0; n < entry.papers; n++) {
          for (var f = 0; f < fields.length; f++) elements[fields[f] + "/" + n.toString(36)] = [];
        }
      }
      var byNumber = terms.map(function (term) {
        return postings[term];
      });
      byNumber.sort(function (a, b) {
        return a[1] - b[1];
      });
      byNumber.forEach(function (row) {
        for (var f = 0; f < fields.length; f++) {
          var flat = row[2 + f];
          var prefix = fields[f] + "/";
          for (var i = 0; i < flat.length; i += 2) {
            var key = prefix + flat[i];
            var list = elements[key];
            if (list === undefined) list = elements[key] = [];
            list.push(row[1], flat[i + 1]);
          }
        }
      });
      var fieldVectors = {};
      Object.keys(elements).forEach(function (key) {
        fieldVectors[key] = new lunr.Vector(elements[key]);
      });
      return new lunr.Index({
        invertedIndex: invertedIndex,
        fieldVectors: fieldVectors,
        tokenSet: builder.root,
        fields: fields,
        pipeline: pipeline,
      });
    }

    function search(normalized) {
      var query = new lunr.Query(fields);
      try {
        new lunr.QueryParser(normalized, query).parse();
      } catch (error) {
        return Promise.reject(error);
      }
      return gather(query).then(function (terms) {
        return indexOf(terms, query.isNegated()).search(normalized);
      });
    }

    function docs(refs) {
      var size = entry.docs.size;
      return Promise.all(
        refs.map(function (ref) {
          var number = parseInt(ref, 36);
          var file = entry.docs.files[Math.floor(number / size)];
          if (file === undefined) return {};
          return part("d-" + file + ".json").then(function (list) {
            return list[number % size] || {};
          });
        })
      );
    }

    return { search: search, docs: docs };
  }

  var api = { open: open, keys: KEYS };
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.SearchParts = api;
})(this);
