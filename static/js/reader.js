/*
 * Working through lists of papers: the view switch (cards or compact), the topic filter (show only some
 * topics; hide a topic everywhere), the keys, and the "new since your last visit" marks on the home page.
 * Progressive enhancement: without this file every list is a plain list of cards and every link works.
 *
 * prefs.js (in <head>) already applied the remembered choices before the first paint; this file wires the
 * controls and keeps those choices (through `window.researchDigest.store`, the site's one storage helper).
 * Everything shown is made of text nodes: titles and topic names are content, never markup.
 */
(function () {
  "use strict";
  var shared = window.researchDigest;
  if (!shared || !document.querySelector) return;
  var store = shared.store;
  var html = document.documentElement;
  var SEEN_LIMIT = 5000; // papers remembered as seen on the home page (oldest forgotten first)

  // --- the view: cards or compact ---------------------------------------------------------------------

  function currentView() {
    return html.getAttribute("data-view") === "compact" ? "compact" : "cards";
  }

  function showView(view) {
    if (view === "compact") html.setAttribute("data-view", "compact");
    else html.removeAttribute("data-view");
    document.querySelectorAll("[data-view-choice]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-view-choice") === view));
    });
  }

  document.querySelectorAll("[data-view-choice]").forEach(function (button) {
    button.addEventListener("click", function () {
      var view = button.getAttribute("data-view-choice");
      showView(view);
      store.save("view", view);
    });
  });
  showView(currentView());

  // --- the topic filter: "only" (this page) and "hide" (remembered, every list) ------------------------

  var list = document.querySelector("[data-filterable]");
  var status = document.querySelector("[data-filter-status]");
  var only = [];
  var fresh = 0; // papers new since the last visit (home page)
  var hidden = store.load("hidden-topics", []);
  if (!Array.isArray(hidden)) hidden = [];

  function topicsOf(card) {
    return (card.getAttribute("data-topics") || "").split(" ").filter(Boolean);
  }

  function isHiddenByTopic(card) {
    return topicsOf(card).some(function (slug) { return hidden.indexOf(slug) !== -1; });
  }

  function nameOf(slug) {
    var chip = document.querySelector("[data-only-topic=\"" + slug + "\"]");
    return chip && chip.firstChild ? chip.firstChild.textContent.trim() : slug;
  }

  function setStatus(parts, undo) {
    if (!status) return;
    status.textContent = "";
    if (parts.length === 0) return;
    status.appendChild(document.createTextNode(parts.join(" · ") + " "));
    if (undo) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link-button";
      button.textContent = "Show all";
      button.addEventListener("click", undo);
      status.appendChild(button);
    }
  }

  function applyFilter() {
    if (!list) return;
    var cards = list.querySelectorAll("[data-paper]");
    var shown = 0;
    var hiddenCount = 0;
    cards.forEach(function (card) {
      var topics = topicsOf(card);
      var wanted = only.length === 0 || topics.some(function (slug) { return only.indexOf(slug) !== -1; });
      card.classList.toggle("filtered-out", !wanted);
      if (isHiddenByTopic(card)) hiddenCount += 1;
      else if (wanted) shown += 1;
    });
    document.querySelectorAll("[data-only-topic]").forEach(function (chip) {
      chip.setAttribute("aria-pressed", String(only.indexOf(chip.getAttribute("data-only-topic")) !== -1));
    });
    document.querySelectorAll("[data-hide-topic]").forEach(function (button) {
      var on = hidden.indexOf(button.getAttribute("data-hide-topic")) !== -1;
      button.setAttribute("aria-pressed", String(on));
      button.firstChild.textContent = on ? "Hidden" : "Hide";
    });
    var parts = [];
    if (fresh) parts.push(fresh + " new since your last visit");
    if (only.length) parts.push("Showing " + shown + " of " + cards.length + ": only " + only.map(nameOf).join(", "));
    if (hidden.length && hiddenCount) {
      parts.push(hiddenCount + " hidden (" + hidden.map(nameOf).join(", ") + ")");
    }
    setStatus(parts, only.length || (hidden.length && hiddenCount) ? function () {
      only = [];
      hidden = [];
      store.save("hidden-topics", hidden);
      shared.applyHidden(hidden);
      applyFilter();
    } : null);
  }

  /** Adds `slug` to `list`, or takes it out when it is there. */
  function toggle(list, slug) {
    var at = list.indexOf(slug);
    if (at === -1) list.push(slug);
    else list.splice(at, 1);
  }

  document.querySelectorAll("[data-only-topic]").forEach(function (chip) {
    chip.addEventListener("click", function () {
      toggle(only, chip.getAttribute("data-only-topic"));
      applyFilter();
    });
  });
  document.querySelectorAll("[data-hide-topic]").forEach(function (button) {
    button.addEventListener("click", function () {
      toggle(hidden, button.getAttribute("data-hide-topic"));
      store.save("hidden-topics", hidden);
      shared.applyHidden(hidden);
      applyFilter();
    });
  });
  // --- "new since your last visit" (the home page) -----------------------------------------------------

  function markNew() {
    if (!document.querySelector("[data-home-list]")) return;
    var cards = Array.prototype.slice.call(document.querySelectorAll("[data-home-list] [data-paper]"));
    var slugs = cards.map(function (card) { return card.getAttribute("data-paper"); });
    // The papers seen before this visit: kept for the whole visit (this tab's session), so a reload
    // keeps the marks and the next visit starts from what this one showed.
    var before = null;
    try { before = JSON.parse(window.sessionStorage.getItem(store.key("seen-before"))); } catch (error) { before = null; }
    if (!Array.isArray(before)) {
      before = store.load("seen", null);
      try { window.sessionStorage.setItem(store.key("seen-before"), JSON.stringify(before)); } catch (error) { /* a private window */ }
    }
    var seen = Array.isArray(before) ? before.slice() : [];
    slugs.forEach(function (slug) { if (seen.indexOf(slug) === -1) seen.push(slug); });
    store.save("seen", seen.slice(-SEEN_LIMIT));
    if (!Array.isArray(before)) return; // a first visit: everything is new, so nothing is marked
    fresh = 0;
    cards.forEach(function (card) {
      if (before.indexOf(card.getAttribute("data-paper")) !== -1) return;
      fresh += 1;
      card.classList.add("is-new");
      var title = card.querySelector(".card-title");
      var mark = document.createElement("span");
      mark.className = "visually-hidden";
      mark.textContent = "New since your last visit: ";
      if (title) title.insertBefore(mark, title.firstChild);
    });
  }

  markNew();
  applyFilter();

  // Another tab changed the view or the hidden topics: follow it.
  window.addEventListener("storage", function (event) {
    if (event.key === store.key("view")) showView(store.load("view", "cards"));
    if (event.key === store.key("hidden-topics")) {
      hidden = store.load("hidden-topics", []);
      if (!Array.isArray(hidden)) hidden = [];
      shared.applyHidden(hidden);
      applyFilter();
    }
  });

  // --- keys ----------------------------------------------------------------------------------------------

  var KEYS = [
    ["j", "next paper in the list"],
    ["k", "previous paper in the list"],
    ["o or Enter", "open the current paper"],
    ["s", "save the current paper (or this paper) to your reading list"],
    ["\u2190 \u2192", "previous or next paper of the digest (on a paper page)"],
    ["/", "search"], // search.js handles it: the search page's own box there, the header box elsewhere
    ["?", "show or hide these keys"]
  ];
  var current = null;

  function visibleCards() {
    return Array.prototype.slice.call(document.querySelectorAll("main [data-paper]")).filter(function (card) {
      return card.classList.contains("card") && card.offsetParent !== null;
    });
  }

  function select(card) {
    if (current) {
      current.classList.remove("current");
      current.removeAttribute("aria-current");
    }
    current = card;
    card.classList.add("current");
    card.setAttribute("aria-current", "true");
    var link = card.querySelector(".card-title a");
    if (link) link.focus({ preventScroll: true });
    card.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var cards = visibleCards();
    if (!cards.length) return false;
    var at = cards.indexOf(current);
    if (at === -1) {
      // Start from the card holding the focus, else from the first (or last) on the list.
      var focused = document.activeElement && document.activeElement.closest
        ? document.activeElement.closest("[data-paper]") : null;
      at = focused ? cards.indexOf(focused) : -1;
      select(cards[at === -1 ? (step > 0 ? 0 : cards.length - 1) : Math.max(0, Math.min(cards.length - 1, at + step))]);
      return true;
    }
    select(cards[Math.max(0, Math.min(cards.length - 1, at + step))]);
    return true;
  }

  function follow(selector) {
    var link = document.querySelector(selector);
    if (!link) return false;
    window.location.href = link.href;
    return true;
  }

  function save() {
    var scope = current || document.querySelector("article.paper[data-paper]");
    var button = scope ? scope.querySelector("[data-save]") : null;
    if (!button) return false;
    button.click();
    return true;
  }

  var help = null;
  function toggleHelp() {
    if (!help) {
      help = document.createElement("dialog");
      help.className = "keys-help";
      help.setAttribute("aria-labelledby", "keys-help-title");
      var heading = document.createElement("h2");
      heading.id = "keys-help-title";
      heading.textContent = "Keys";
      var table = document.createElement("dl");
      KEYS.forEach(function (pair) {
        var term = document.createElement("dt");
        pair[0].split(" or ").forEach(function (name, index) {
          if (index) term.appendChild(document.createTextNode(" or "));
          var key = document.createElement("kbd");
          key.textContent = name;
          term.appendChild(key);
        });
        var text = document.createElement("dd");
        text.textContent = pair[1];
        table.appendChild(term);
        table.appendChild(text);
      });
      var close = document.createElement("button");
      close.type = "button";
      close.textContent = "Close";
      close.addEventListener("click", function () { help.close(); });
      help.appendChild(heading);
      help.appendChild(table);
      help.appendChild(close);
      document.body.appendChild(help);
    }
    if (help.open) help.close();
    else help.showModal();
    return true;
  }

  function typing(target) {
    if (!target || !target.closest) return false;
    return Boolean(target.isContentEditable || target.closest("input, textarea, select, [contenteditable]"));
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    if (help && help.open && event.key !== "?") return; // the dialog has the keyboard (Esc closes it)
    var done = false;
    switch (event.key) {
      case "j": done = move(1); break;
      case "k": done = move(-1); break;
      case "o": done = current ? follow("[aria-current=true] .card-title a") : false; break;
      case "Enter":
        // A focused link or button does its own thing; Enter opens the current card otherwise.
        if (current && !(event.target.closest && event.target.closest("a, button, summary"))) {
          done = follow("[aria-current=true] .card-title a");
        }
        break;
      case "s": done = save(); break;
      case "ArrowLeft": done = follow("article.paper .pager a[rel=prev]"); break;
      case "ArrowRight": done = follow("article.paper .pager a[rel=next]"); break;
      case "?": done = toggleHelp(); break;
      default: return;
    }
    if (done) event.preventDefault();
  });
})();
