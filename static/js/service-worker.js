/*
 * The service worker: the pages you read, the reading list and search keep working without a network.
 *
 * `digest build` writes this file to the site root as `sw.js` (so its scope is the whole site) after
 * three constants (generator/pages/offline.py): VERSION, a hash of what the site is built from, so a new
 * build with any change is a new sw.js; SHELL, the files to precache, relative to the site root; and
 * PRECACHE_PARTS_LIMIT. The browser fetches sw.js from the network on every visit; when its bytes
 * changed it installs the new one, which takes over at once (skipWaiting, clients.claim): it only
 * decides what is cached, and the pages it serves are the newest the network gives.
 *
 * Strategy:
 * - Pages and every other file of the site: network first; a good answer (200, same origin, not
 *   redirected) is stored, and without a network the stored copy is served. So an online reader always
 *   sees the new build, and offline the copy last seen.
 * - Search index parts (search/p-, n-, d-<hash>.json): cache first. A part's name is a hash of its
 *   bytes, so a stored part is never stale.
 * - On install: the shell is precached (the home page, search/, saved/, search/index.json, the styles
 *   and scripts every page and the search worker load, lunr.js), and, when index.json lists at most
 *   PRECACHE_PARTS_LIMIT parts, every part, so any search works offline. A larger site stores the parts
 *   its searches fetch, as they are fetched. A network error fails the install (the browser tries again
 *   on a later visit and the old worker stays); a file the site lacks (404) is only left out.
 * - On activate: the shell caches of other versions are deleted, and the parts index.json no longer
 *   lists. The pages cache is kept across builds (so what you read stays readable), refreshed whenever
 *   a page is fetched online, and holds the MAX_PAGES most recently fetched files.
 * - Offline, a page never visited gets a short "you are offline" page (status 503), not the browser's
 *   error page. Error answers, opaque and cross-origin responses are never stored; requests to other
 *   origins, non-GET requests and the dev server's live reload (`__livereload`) are not touched.
 *
 * Cache names start with "research-digest:" and the site root's URL, so two sites on one host
 * (user.github.io/a/ and /b/) never delete each other's caches.
 */
/* global VERSION, SHELL, PRECACHE_PARTS_LIMIT */
"use strict";

var ROOT = new URL("./", self.location.href).href;
var ROOT_PATH = new URL(ROOT).pathname;
var PREFIX = "research-digest:" + ROOT + ":";
var SHELL_CACHE = PREFIX + "shell-" + VERSION;
var PAGES_CACHE = PREFIX + "pages";
var PARTS_CACHE = PREFIX + "search-parts";
var MAX_PAGES = 500;
var INDEX_URL = new URL("search/index.json", ROOT).href;
var PART_PATH = /^search\/[pnd]-[0-9a-z]+\.json$/;
var SHELL_URLS = SHELL.map(function (path) { return new URL(path, ROOT).href; });

self.addEventListener("install", function (event) {
  event.waitUntil(precache().then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    dropOldShells()
      .then(pruneParts)
      .then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || request.url.indexOf(ROOT) !== 0) return;
  var url = new URL(request.url);
  var path = url.pathname.slice(ROOT_PATH.length);
  var accept = request.headers.get("Accept") || "";
  if (path.indexOf("__") === 0 || accept.indexOf("text/event-stream") !== -1 || request.headers.has("Range")) {
    return; // digest serve's live reload, streams and ranges: the network's alone
  }
  if (PART_PATH.test(path)) {
    event.respondWith(cacheFirst(event, url.origin + url.pathname));
  } else if (request.mode === "navigate") {
    event.respondWith(networkFirst(event, pageKey(url), true));
  } else {
    event.respondWith(networkFirst(event, request.url, false));
  }
});

// --- install and activate --------------------------------------------------------------------------

/** The shell into this version's cache, then every search part when the index lists few enough. */
function precache() {
  return caches.open(SHELL_CACHE).then(function (cache) {
    return Promise.all(SHELL_URLS.map(function (url) { return store(cache, url); }));
  }).then(function () {
    return listedParts();
  }).then(function (parts) {
    if (parts === null || parts.length > PRECACHE_PARTS_LIMIT) return undefined;
    return caches.open(PARTS_CACHE).then(function (cache) {
      return Promise.all(parts.map(function (url) {
        return cache.match(url).then(function (found) { return found ? undefined : store(cache, url); });
      }));
    });
  });
}

/** Fetches `url` past the HTTP cache and stores a good answer; a network error rejects. */
function store(cache, url) {
  return fetch(new Request(url, { cache: "no-cache", credentials: "same-origin" })).then(function (response) {
    if (!storable(response)) return undefined; // a file this site does not have
    return unredirected(response).then(function (clean) { return cache.put(url, clean); });
  });
}

function dropOldShells() {
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf(PREFIX + "shell-") === 0 && name !== SHELL_CACHE;
    }).map(function (name) { return caches.delete(name); }));
  });
}

/** Deletes the stored parts the current index.json does not list (those of earlier builds). */
function pruneParts() {
  return listedParts().then(function (parts) {
    if (parts === null) return undefined;
    var wanted = new Set(parts);
    return caches.open(PARTS_CACHE).then(function (cache) {
      return cache.keys().then(function (requests) {
        return Promise.all(requests.filter(function (request) {
          return !wanted.has(request.url);
        }).map(function (request) { return cache.delete(request); }));
      });
    });
  });
}

/** The URLs of every part the stored index.json names, or null when there is none or it has no parts. */
function listedParts() {
  return caches.open(SHELL_CACHE).then(function (cache) {
    return cache.match(INDEX_URL);
  }).then(function (response) {
    return response ? response.json() : null;
  }).then(function (entry) {
    if (!entry || entry.version !== 2) return null;
    var names = [];
    (entry.postings || []).forEach(function (row) { names.push("p-" + row[1]); });
    var kinds = entry.names || {};
    Object.keys(kinds).forEach(function (kind) {
      kinds[kind].forEach(function (row) { names.push("n-" + row[1]); });
    });
    ((entry.docs || {}).files || []).forEach(function (hash) { names.push("d-" + hash); });
    return names.map(function (name) { return new URL("search/" + name + ".json", ROOT).href; });
  }).catch(function () {
    return null;
  });
}

// --- answering -------------------------------------------------------------------------------------

/** The network's answer, stored when good; without a network the stored copy (for a page never stored,
 * the offline page). */
function networkFirst(event, key, page) {
  return fetch(event.request).then(function (response) {
    if (storable(response)) event.waitUntil(remember(key, response.clone()));
    return response;
  }, function (error) {
    return stored(key).then(function (found) {
      if (found) return found;
      if (page) return offlinePage();
      throw error;
    });
  });
}

function cacheFirst(event, key) {
  return caches.open(PARTS_CACHE).then(function (cache) {
    return cache.match(key).then(function (found) {
      if (found) return found;
      return fetch(event.request).then(function (response) {
        if (storable(response)) event.waitUntil(cache.put(key, response.clone()));
        return response;
      });
    });
  });
}

/** A page's cache key: its URL without the query (a static host ignores it: `search/?q=x` is
 * `search/`) and with `index.html` as its folder, as the site links to it. */
function pageKey(url) {
  return url.origin + url.pathname.replace(/\/index\.html$/, "/");
}

function storable(response) {
  return Boolean(response) && response.status === 200 && response.type === "basic";
}

/** A redirected answer stored as is cannot answer a navigation (the browser refuses it): a copy. */
function unredirected(response) {
  if (!response.redirected) return Promise.resolve(response);
  return response.blob().then(function (body) {
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  });
}

/** Stores into this version's shell cache when `key` is part of the shell, else the pages cache. */
function remember(key, response) {
  var name = SHELL_URLS.indexOf(key) !== -1 ? SHELL_CACHE : PAGES_CACHE;
  return unredirected(response).then(function (clean) {
    return caches.open(name).then(function (cache) {
      return cache.put(key, clean).then(function () {
        return name === PAGES_CACHE ? trim(cache) : undefined;
      });
    });
  }).catch(function () { /* storage full or refused: the answer was served anyway */ });
}

/** Keeps the MAX_PAGES most recently stored entries (a put moves an entry to the end of the keys). */
function trim(cache) {
  return cache.keys().then(function (requests) {
    var extra = requests.length - MAX_PAGES;
    if (extra <= 0) return undefined;
    return Promise.all(requests.slice(0, extra).map(function (request) { return cache.delete(request); }));
  });
}

function stored(key) {
  return caches.open(SHELL_CACHE).then(function (cache) {
    return cache.match(key);
  }).then(function (found) {
    return found || caches.open(PAGES_CACHE).then(function (cache) { return cache.match(key); });
  });
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
  });
}

/** The answer for a page never stored, without a network: what happened and where to go instead. */
function offlinePage() {
  function link(path, label) {
    return "<a href=\"" + escapeHtml(new URL(path, ROOT).href) + "\">" + label + "</a>";
  }
  var body = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" +
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'; script-src 'none'; object-src 'none'\">\n" +
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Offline</title>\n" +
    "<link rel=\"stylesheet\" href=\"" + escapeHtml(new URL("static/css/site.css", ROOT).href) + "\">\n" +
    "</head>\n<body>\n<main id=\"main\" class=\"wrap\">\n<h1>You are offline</h1>\n" +
    "<p>This page was not read on this device before, so it is not saved here. Pages you read, the " +
    "reading list and search work offline.</p>\n<p>" + link("./", "Latest papers") + " · " +
    link("saved/", "Saved papers") + " · " + link("search/", "Search") + "</p>\n</main>\n</body>\n</html>\n";
  return new Response(body, {
    status: 503,
    statusText: "Offline",
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" }
  });
}
