/*
 * The reader's remembered choices, applied before the first paint so nothing moves after it. This is the
 * one script in <head> without `defer`: it is small and does no more than that.
 *
 * - `<html class="js">`: the controls only scripts can work (view switch, topic filter, Save buttons)
 *   take their place in the layout from the start, instead of appearing and pushing the page down.
 * - `<html data-view="compact">`: the compact list view, when the reader chose it.
 * - hidden topics: one constructed stylesheet hides the papers of every topic the reader hid, on the
 *   lists that offer the topic filter.
 *
 * It also defines `window.researchDigest.store`, the one place that reads and writes the browser's local
 * storage for every script of the site (reader.js, saved.js, offline.js): keys are prefixed with the
 * site's root path, so two sites on one host (user.github.io/a/ and /b/) keep their own lists.
 */
(function () {
  "use strict";
  var html = document.documentElement;
  html.classList.add("js");

  var script = document.currentScript;
  var root = "/";
  try {
    root = new URL(script.getAttribute("src"), document.baseURI).pathname.replace(/static\/js\/prefs\.js$/, "");
  } catch (error) { /* an old browser: one namespace for the host */ }
  var PREFIX = "research-digest:" + root + ":";

  var store = {
    /** The value stored under `name` (parsed JSON), or `fallback` when absent, unreadable or blocked. */
    load: function (name, fallback) {
      try {
        var text = window.localStorage.getItem(PREFIX + name);
        return text === null ? fallback : JSON.parse(text);
      } catch (error) {
        return fallback;
      }
    },
    /** Stores `value` as JSON under `name`; false when storage is full or blocked (private windows). */
    save: function (name, value) {
      try {
        window.localStorage.setItem(PREFIX + name, JSON.stringify(value));
        return true;
      } catch (error) {
        return false;
      }
    },
    remove: function (name) {
      try { window.localStorage.removeItem(PREFIX + name); } catch (error) { /* nothing to do */ }
    },
    /** The storage key of `name`, for listening to `storage` events from the site's other tabs. */
    key: function (name) { return PREFIX + name; }
  };

  /** The rules that hide the papers of `topics` (slugs) on filterable lists. */
  function hiddenRules(topics) {
    return topics.filter(function (slug) { return /^[a-z0-9][a-z0-9-]*$/.test(slug); }).map(function (slug) {
      return "[data-filterable] [data-topics~=\"" + slug + "\"] { display: none; }";
    }).join("\n");
  }

  var sheet = null;
  /** Applies the list of hidden topics (also called by reader.js when the reader changes it). */
  function applyHidden(topics) {
    var rules = hiddenRules(topics || []);
    try {
      if (!sheet) {
        sheet = new CSSStyleSheet();
        document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
      }
      sheet.replaceSync(rules);
    } catch (error) {
      html.setAttribute("data-hidden-topics-failed", "");
    }
  }

  if (store.load("view", "cards") === "compact") html.setAttribute("data-view", "compact");
  // A search page opened with a query (search/?q=...): its results will fill the space under the box, so
  // search.css reserves that space from the start instead of pushing the tips down when they arrive.
  if (/(^|[?&])q=[^&]/.test(window.location.search)) html.setAttribute("data-searching", "");
  applyHidden(store.load("hidden-topics", []));

  window.researchDigest = { store: store, applyHidden: applyHidden, root: root };
})();
