/*
 * Client-side search: the header box on every page (a combobox with a dropdown of the best results) and
 * the full result list of the search page (search/?q=...). Progressive enhancement: without this file the
 * header form still submits to search/, which lists the topics.
 *
 * The index is loaded by a Web Worker (search-worker.js) on the first focus of a search box, so the page
 * never waits for it. Everything from the index is shown with text nodes and <mark> elements, never as
 * HTML. All URLs are resolved against the site's root, found from this script's own URL (or the
 * `data-root` attribute of its <script> tag), so the site works from a sub-path.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 120;
  var HEADER_LIMIT = 8;
  var PAGE_LIMIT = 20; // a screen of results: only their documents are fetched
  var WATCHDOG_MS = 40000; // the worker said nothing at all: give up
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"];

  var script = document.currentScript;
  if (!script || !window.URL) return;
  // Per file fetched by the worker; `data-timeout-ms` on the <script> tag overrides it (the tests use it).
  var FETCH_TIMEOUT_MS = Number(script.getAttribute("data-timeout-ms")) || 15000;
  var ROOT = script.getAttribute("data-root")
    ? new URL(script.getAttribute("data-root"), document.baseURI).href
    : new URL("../../", script.src).href;
  // Where the index, the search page and the worker are: the page says (generator/urls.py wrote them).
  var INDEX_URL = pageURL("data-index");
  var SEARCH_PAGE = pageURL("data-search-page");
  var WORKER_URL = pageURL("data-worker");
  if (!INDEX_URL || !SEARCH_PAGE || !WORKER_URL) return;

  function pageURL(name) {
    var value = script.getAttribute(name);
    return value ? new URL(value, document.baseURI).href : "";
  }

  // --- the engine: one worker shared by the boxes on the page ---------------------------------------

  var engine = {
    worker: null,
    state: "idle", // idle, loading, ready, failed
    error: "",
    papers: 0,
    nextId: 0,
    handlers: {}, // query id -> function(answer)
    clients: [],
    watchdog: 0,

    start: function () {
      if (engine.state !== "idle") return;
      engine.state = "loading";
      engine.notify();
      try {
        engine.worker = new Worker(WORKER_URL);
      } catch (error) {
        engine.fail("the search worker could not start (" + error.message + ")");
        return;
      }
      engine.worker.onmessage = engine.receive;
      engine.worker.onerror = function (event) {
        if (event && event.preventDefault) event.preventDefault();
        engine.fail("the search worker failed" + (event && event.message ? " (" + event.message + ")" : ""));
      };
      engine.worker.postMessage({ type: "init", manifest: INDEX_URL, timeout: FETCH_TIMEOUT_MS });
      engine.watchdog = window.setTimeout(function () {
        if (engine.state === "loading") engine.fail("the index took too long to load");
      }, WATCHDOG_MS);
    },

    fail: function (reason) {
      if (engine.state === "failed") return;
      engine.state = "failed";
      engine.error = reason;
      window.clearTimeout(engine.watchdog);
      if (engine.worker) engine.worker.terminate();
      engine.notify();
    },

    receive: function (event) {
      var message = event.data || {};
      if (engine.state === "failed") return;
      if (message.type === "fatal") {
        engine.fail(message.message);
      } else if (message.type === "progress") {
        engine.papers = message.papers;
        if (message.loaded > 0 || message.total === 0) {
          engine.state = "ready";
          window.clearTimeout(engine.watchdog);
        }
        engine.notify();
      } else if (message.type === "results") {
        var handler = engine.handlers[message.id];
        if (handler) handler(message);
      }
    },

    /** Ask for `q`; `handler` gets the answer (complete: every result counted, the first `limit` shown). */
    query: function (channel, q, limit, handler) {
      engine.start();
      var id = ++engine.nextId;
      engine.handlers[id] = handler;
      if (engine.worker && engine.state !== "failed") {
        engine.worker.postMessage({ type: "query", channel: channel, id: id, q: q, limit: limit });
      }
      return id;
    },

    forget: function (id) {
      delete engine.handlers[id];
    },

    notify: function () {
      engine.clients.forEach(function (client) {
        client.engineChanged();
      });
    },
  };

  // --- rendering helpers (text only) ------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** Append `text` to `parent`, wrapping the [start, end] ranges in <mark>. */
  function appendMarked(parent, text, ranges) {
    var pos = 0;
    (ranges || []).forEach(function (range) {
      var start = Math.max(pos, Math.min(text.length, range[0] | 0));
      var end = Math.max(start, Math.min(text.length, range[1] | 0));
      if (end <= start) return;
      if (start > pos) parent.appendChild(document.createTextNode(text.slice(pos, start)));
      parent.appendChild(el("mark", "", text.slice(start, end)));
      pos = end;
    });
    if (pos < text.length) parent.appendChild(document.createTextNode(text.slice(pos)));
    return parent;
  }

  function humanDate(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
    if (!m || +m[2] < 1 || +m[2] > 12) return iso;
    return MONTHS[+m[2] - 1] + " " + +m[3] + ", " + m[1];
  }

  /** The absolute URL of a result, or "" when it would leave the site's scheme (never a javascript: URL). */
  function paperURL(result) {
    try {
      var url = new URL(result.url, ROOT);
      return url.protocol === new URL(ROOT).protocol ? url.href : "";
    } catch (error) {
      return "";
    }
  }

  function plural(n, one, many) {
    return n + " " + (n === 1 ? one : many);
  }

  /** The status line for an answer: a count, a syntax help, a part that could not load, or "no results". */
  function describe(answer, tips) {
    if (answer.error && answer.error.kind === "network") {
      return {
        kind: "error",
        text: "Search could not load part of the index (" + answer.error.message + "). Check the connection " +
          "and try again.",
      };
    }
    if (answer.error) {
      return {
        kind: "syntax",
        text: "Cannot read this query: " + answer.error.message + ". Search for words, optionally with " +
          "title:, +must, -must_not, prefix* or typo~1 (see the search tips " + tips + ").",
      };
    }
    if (answer.total === 0) {
      return {
        kind: "empty",
        text: "No results for “" + answer.q.trim() + "”. Try removing a term or using fewer words, " +
          "or check the spelling (typo~1 allows one typo).",
      };
    }
    return { kind: "count", text: plural(answer.total, "result", "results") };
  }

  var UNAVAILABLE = "Search is unavailable: could not load the index.";
  var LOADING = "Loading the search index…";

  function setStatus(node, kind, text) {
    node.textContent = text;
    node.setAttribute("data-state", kind);
  }

  // --- the header box: a combobox with a listbox of the best results -------------------------------

  function HeaderBox(form) {
    var self = this;
    this.form = form;
    this.input = form.querySelector("input[type=search]");
    this.popup = form.querySelector("[data-search-popup]");
    this.status = form.querySelector("[data-search-status]");
    this.list = form.querySelector("[role=listbox]");
    this.all = form.querySelector("[data-search-all]");
    this.results = [];
    this.active = -1;
    this.answer = null;
    this.queryId = 0;
    this.timer = 0;
    var input = this.input;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", this.list.id);

    input.addEventListener("focus", function () {
      engine.start();
      if (input.value.trim()) self.search(true);
    });
    input.addEventListener("input", function () {
      self.schedule();
    });
    input.addEventListener("keydown", function (event) {
      self.keydown(event);
    });
    form.addEventListener("focusout", function (event) {
      if (!event.relatedTarget || !form.contains(event.relatedTarget)) self.close();
    });
    this.list.addEventListener("mousedown", function (event) {
      event.preventDefault(); // keep the focus in the box
    });
    this.list.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) self.open(+option.getAttribute("data-index"), event.ctrlKey || event.metaKey || event.shiftKey);
    });
    engine.clients.push(this);
  }

  HeaderBox.prototype.schedule = function () {
    var self = this;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(function () {
      self.search(false);
    }, DEBOUNCE_MS);
  };

  HeaderBox.prototype.search = function (keepActive) {
    var self = this;
    var q = this.input.value;
    window.clearTimeout(this.timer);
    engine.forget(this.queryId);
    if (!keepActive) this.setActive(-1);
    this.all.href = SEARCH_PAGE + (q.trim() ? "?q=" + encodeURIComponent(q.trim()) : "");
    if (!q.trim()) {
      this.answer = null;
      this.close();
      return;
    }
    this.queryId = engine.query("header", q, HEADER_LIMIT, function (answer) {
      self.answer = answer;
      self.render();
    });
    this.render();
  };

  HeaderBox.prototype.engineChanged = function () {
    if (this.input.value.trim() && this.isOpen()) this.render();
  };

  HeaderBox.prototype.isOpen = function () {
    return !this.popup.hidden;
  };

  HeaderBox.prototype.show = function () {
    this.popup.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
  };

  HeaderBox.prototype.close = function () {
    this.popup.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.setActive(-1);
  };

  HeaderBox.prototype.render = function () {
    if (!this.input.value.trim()) return;
    var answer = this.answer && this.answer.id === this.queryId ? this.answer : null;
    var activeURL = this.active >= 0 && this.results[this.active] ? this.results[this.active].href : "";
    if (engine.state === "failed") {
      setStatus(this.status, "error", UNAVAILABLE);
      this.fill([]);
    } else if (!answer) {
      if (engine.state === "loading" || !this.answer) setStatus(this.status, "loading", LOADING);
      // else: keep showing the previous answer until this one arrives (no flicker while typing)
    } else {
      var status = describe(answer, "on the search page");
      setStatus(this.status, status.kind, status.text);
      this.fill(answer.results || []);
    }
    this.show();
    var again = -1;
    this.results.forEach(function (result, i) {
      if (activeURL && result.href === activeURL) again = i;
    });
    this.setActive(again);
  };

  HeaderBox.prototype.fill = function (results) {
    var list = this.list;
    var prefix = list.id + "-";
    while (list.firstChild) list.removeChild(list.firstChild);
    this.results = [];
    var self = this;
    results.forEach(function (result) {
      var href = paperURL(result);
      if (!href) return;
      var i = self.results.length;
      var option = el("li", "search-option");
      option.id = prefix + i;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.setAttribute("data-index", String(i));
      // The option's accessible name is all of its text, title first (axe: name and visible text agree).
      option.appendChild(appendMarked(el("span", "search-option-title"), result.title, result.titleMarks));
      var meta = el("span", "search-option-meta", [humanDate(result.date)].concat(result.topics).join(" · "));
      option.appendChild(meta);
      if (result.snippet) {
        option.appendChild(appendMarked(el("span", "search-option-snippet"), result.snippet, result.snippetMarks));
      }
      list.appendChild(option);
      self.results.push({ href: href, option: option });
    });
    list.hidden = this.results.length === 0;
  };

  HeaderBox.prototype.setActive = function (i) {
    if (this.active >= 0 && this.results[this.active]) {
      this.results[this.active].option.setAttribute("aria-selected", "false");
    }
    this.active = i >= 0 && i < this.results.length ? i : -1;
    if (this.active < 0) {
      this.input.removeAttribute("aria-activedescendant");
      return;
    }
    var option = this.results[this.active].option;
    option.setAttribute("aria-selected", "true");
    this.input.setAttribute("aria-activedescendant", option.id);
    if (option.scrollIntoView) option.scrollIntoView({ block: "nearest" });
  };

  HeaderBox.prototype.open = function (i, newTab) {
    var result = this.results[i];
    if (!result) return;
    if (newTab) {
      window.open(result.href, "_blank", "noopener");
    } else {
      window.location.assign(result.href);
    }
  };

  HeaderBox.prototype.keydown = function (event) {
    if (event.isComposing || event.altKey || event.ctrlKey || event.metaKey) return;
    var n = this.results.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!this.input.value.trim()) return;
      event.preventDefault();
      if (!this.isOpen()) {
        this.search(false);
        return;
      }
      if (!n) return;
      var down = event.key === "ArrowDown";
      var next = this.active < 0 ? (down ? 0 : n - 1) : this.active + (down ? 1 : -1);
      this.setActive(next >= n || next < 0 ? -1 : next); // past either end: back to the text
    } else if (event.key === "Enter") {
      if (this.isOpen() && this.active >= 0) {
        event.preventDefault();
        this.open(this.active, event.shiftKey);
      }
    } else if (event.key === "Escape") {
      if (this.isOpen() || this.input.value) {
        event.preventDefault();
        this.input.value = "";
        this.answer = null;
        engine.forget(this.queryId);
        this.close();
      }
    }
  };

  // --- the search page: the full list of results, the query in the URL -----------------------------

  function SearchPage(input) {
    var self = this;
    this.input = input;
    this.form = input.form;
    this.status = document.getElementById("search-page-status");
    this.list = document.getElementById("search-page-list");
    this.more = document.getElementById("search-page-more");
    this.limit = PAGE_LIMIT;
    this.answer = null;
    this.queryId = 0;
    this.timer = 0;
    this.title = document.title;
    input.setAttribute("aria-controls", this.list.id);

    input.addEventListener("focus", function () {
      engine.start();
    });
    input.addEventListener("input", function () {
      window.clearTimeout(self.timer);
      self.timer = window.setTimeout(function () {
        self.search(true);
      }, DEBOUNCE_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (event.isComposing || event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.key === "ArrowDown") {
        var first = self.list.querySelector("a");
        if (first) {
          event.preventDefault();
          first.focus();
        }
      } else if (event.key === "Escape" && input.value) {
        event.preventDefault();
        input.value = "";
        self.search(true);
      }
    });
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.search(true);
    });
    this.list.addEventListener("keydown", function (event) {
      self.listKeydown(event);
    });
    this.more.addEventListener("click", function () {
      self.limit += PAGE_LIMIT;
      self.focusAfterRender = self.list.querySelectorAll("a").length;
      self.search(false);
    });
    engine.clients.push(this);

    var q = new URLSearchParams(window.location.search).get("q") || "";
    if (q) {
      input.value = q;
      this.search(false);
    }
  }

  SearchPage.prototype.search = function (fromTyping) {
    var self = this;
    var q = this.input.value;
    window.clearTimeout(this.timer);
    engine.forget(this.queryId);
    if (fromTyping) {
      this.limit = PAGE_LIMIT;
      this.updateURL(q.trim());
    }
    if (!q.trim()) {
      this.answer = null;
      this.clear();
      return;
    }
    this.queryId = engine.query("page", q, this.limit, function (answer) {
      self.answer = answer;
      self.render();
    });
    this.render();
  };

  SearchPage.prototype.updateURL = function (q) {
    if (!window.history || !window.history.replaceState) return;
    var url = new URL(window.location.href);
    if (q) {
      url.searchParams.set("q", q);
    } else {
      url.searchParams.delete("q");
    }
    window.history.replaceState(null, "", url.href);
    document.title = q ? q + " · " + this.title : this.title;
  };

  SearchPage.prototype.engineChanged = function () {
    if (this.input.value.trim()) this.render();
  };

  SearchPage.prototype.clear = function () {
    setStatus(this.status, "idle", "");
    while (this.list.firstChild) this.list.removeChild(this.list.firstChild);
    this.list.hidden = true;
    this.more.hidden = true;
  };

  SearchPage.prototype.render = function () {
    var answer = this.answer && this.answer.id === this.queryId ? this.answer : null;
    if (engine.state === "failed") {
      this.clear();
      setStatus(this.status, "error", UNAVAILABLE);
      return;
    }
    if (!answer) {
      if (engine.state === "loading" || !this.answer) setStatus(this.status, "loading", LOADING);
      return;
    }
    var status = describe(answer, "below");
    setStatus(this.status, status.kind, status.text);
    this.fill(answer.results || []);
    this.more.hidden = !(answer.total > (answer.results || []).length);
  };

  SearchPage.prototype.fill = function (results) {
    var list = this.list;
    var focused = list.contains(document.activeElement) ? document.activeElement.href : "";
    while (list.firstChild) list.removeChild(list.firstChild);
    results.forEach(function (result) {
      var href = paperURL(result);
      var item = el("li", "search-result card");
      var heading = el("h2", "card-title");
      var target = heading;
      if (href) {
        target = el("a");
        target.href = href;
        heading.appendChild(target);
      }
      appendMarked(target, result.title, result.titleMarks);
      item.appendChild(heading);
      var meta = el("p", "meta");
      var time = el("time", "", humanDate(result.date));
      time.setAttribute("datetime", result.date);
      meta.appendChild(time);
      item.appendChild(meta);
      if (result.topics.length) {
        var chips = el("ul", "chips");
        chips.setAttribute("aria-label", "Topics");
        result.topics.forEach(function (topic) {
          var li = el("li");
          li.appendChild(el("span", "chip", topic));
          chips.appendChild(li);
        });
        item.appendChild(chips);
      }
      if (result.snippet) item.appendChild(appendMarked(el("p", "snippet"), result.snippet, result.snippetMarks));
      list.appendChild(item);
    });
    list.hidden = results.length === 0;
    var links = list.querySelectorAll("a");
    if (this.focusAfterRender !== undefined) {
      if (links[this.focusAfterRender]) links[this.focusAfterRender].focus();
      this.focusAfterRender = undefined;
    } else if (focused) {
      for (var i = 0; i < links.length; i++) {
        if (links[i].href === focused) {
          links[i].focus();
          break;
        }
      }
    }
  };

  SearchPage.prototype.listKeydown = function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var links = Array.prototype.slice.call(this.list.querySelectorAll("a"));
    var i = links.indexOf(document.activeElement);
    if (i < 0) return;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (i + 1 < links.length) links[i + 1].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (i > 0) {
        links[i - 1].focus();
      } else {
        this.input.focus();
      }
    } else if (event.key === "Escape") {
      event.preventDefault();
      this.input.focus();
    }
  };

  // --- wiring ----------------------------------------------------------------------------------------

  var header = document.querySelector("form[data-search-header]");
  if (header) new HeaderBox(header);
  var pageInput = document.getElementById("search-page-input");
  var page = pageInput && document.getElementById("search-page-list") ? new SearchPage(pageInput) : null;

  var slashTarget = page ? page.input : header && header.querySelector("input[type=search]");
  if (slashTarget) slashTarget.setAttribute("aria-keyshortcuts", "/");

  // "/" focuses search, unless the visitor is typing somewhere.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    if (!slashTarget) return;
    event.preventDefault();
    slashTarget.focus();
    slashTarget.select();
  });
})();
