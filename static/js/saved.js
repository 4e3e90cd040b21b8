/*
 * The reading list: a Save button on every paper (cards and paper pages) and the Saved page.
 *
 * Progressive enhancement: without this file the Save buttons stay hidden (site.css shows them only under
 * `<html class="js">`) and the Saved page says the list needs JavaScript. Nothing leaves the browser: the
 * list is kept in local storage through `window.researchDigest.store` (prefs.js), under the key "saved",
 * as an array in save order of
 *
 *   {slug, title, url, date, authors, bibtex?, read, saved}
 *
 * `url` is the paper page relative to the site root ("papers/<slug>/"), `date` its digest day, `authors`
 * the first three names as the cards show them ("A, B, C et al."), `bibtex` the page's entry once known,
 * `read` a boolean and `saved` when it was saved (ISO time). Everything read back from storage or from an
 * imported file is checked again, and is only ever written into the page as text (titles come from
 * strangers: a `<script>` in one must show as those characters).
 *
 * The button click is the one entry point (the keyboard script presses `s` by calling `.click()`).
 * Other tabs follow through the `storage` event.
 */
(function () {
  "use strict";
  var digest = window.researchDigest;
  if (!digest || !digest.store) { return; }
  var store = digest.store;
  var KEY = "saved";
  var SLUG_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
  var DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"];
  var MAX_IMPORT_BYTES = 5 * 1024 * 1024;
  var CLEAR_WINDOW_MS = 5000;

  var script = document.currentScript;
  var rootAttr = (script && script.getAttribute("data-root")) || "./";
  var siteRoot = new URL(rootAttr, document.baseURI);

  // --- the list in storage --------------------------------------------------------------------------

  function text(value, max) {
    return typeof value === "string" ? value.replace(/\s+/g, " ").trim().slice(0, max) : "";
  }

  /** A relative paper URL the page may link to: plain path characters only, never a scheme or `..`. */
  function safeUrl(url, slug) {
    return typeof url === "string" && /^[a-z0-9][a-z0-9\/._-]*\/$/.test(url) && url.indexOf("..") < 0 ?
      url : "papers/" + slug + "/";
  }

  /** One item as the rest of the script may trust it, or null. */
  function clean(item) {
    if (!item || typeof item !== "object" || typeof item.slug !== "string" || item.slug.length > 80 ||
        !SLUG_RE.test(item.slug)) {
      return null;
    }
    var result = {
      slug: item.slug,
      title: text(item.title, 2000) || item.slug,
      url: safeUrl(item.url, item.slug),
      date: typeof item.date === "string" && DATE_RE.test(item.date) ? item.date : "",
      authors: text(item.authors, 2000),
      read: item.read === true,
      saved: text(item.saved, 40)
    };
    if (typeof item.bibtex === "string" && item.bibtex.trim()) { result.bibtex = item.bibtex.trim().slice(0, 50000); }
    return result;
  }

  function load() {
    var stored = store.load(KEY, []);
    var seen = {};
    var list = [];
    (Array.isArray(stored) ? stored : []).forEach(function (raw) {
      var item = clean(raw);
      if (item && !seen[item.slug]) { seen[item.slug] = true; list.push(item); }
    });
    return list;
  }

  function indexOf(list, slug) {
    for (var i = 0; i < list.length; i += 1) { if (list[i].slug === slug) { return i; } }
    return -1;
  }

  /** Stores `list` and shows it everywhere on this page; false when storage refused it. */
  function write(list) {
    var ok = list.length ? store.save(KEY, list) : (store.remove(KEY), true);
    refresh();
    return ok;
  }

  /** Changes the stored item `slug` (read again first: another tab may have changed the list). */
  function update(slug, changes) {
    var list = load();
    var index = indexOf(list, slug);
    if (index < 0) { return false; }
    Object.keys(changes).forEach(function (name) { list[index][name] = changes[name]; });
    return write(list);
  }

  // --- what a card or a paper page says about its paper ---------------------------------------------

  function authorsLine(names) {
    names = names.map(function (name) { return text(name, 300); }).filter(Boolean);
    return names.slice(0, 3).join(", ") + (names.length > 3 ? " et al." : "");
  }

  /** The authors a card's `.meta` line shows: its text between the date and the upvotes. */
  function cardAuthors(meta) {
    if (!meta) { return ""; }
    var parts = [];
    meta.childNodes.forEach(function (node) {
      if (node.nodeType === 3) { parts.push(node.nodeValue); }
      else if (node.nodeType === 1 && node.tagName !== "TIME" && !node.classList.contains("upvotes")) {
        parts.push(node.textContent);
      }
    });
    var found = parts.join("").split("·").map(function (part) { return text(part, 2000); }).filter(Boolean);
    return found.length ? found[0] : "";
  }

  /** The relative URL of a paper link, when it points into this site. */
  function relativeUrl(link, slug) {
    if (!link || !link.href) { return "papers/" + slug + "/"; }
    var href = link.href.split("#")[0].split("?")[0];
    return safeUrl(href.indexOf(siteRoot.href) === 0 ? href.slice(siteRoot.href.length) : "", slug);
  }

  function describe(button, slug) {
    var holder = button.closest("[data-paper]");
    var item = {slug: slug, read: false, saved: new Date().toISOString(), url: "papers/" + slug + "/"};
    if (holder && holder.getAttribute("data-paper") === slug) {
      item.date = holder.getAttribute("data-date") || "";
      var link = holder.querySelector(".card-title a");
      if (link) {
        item.title = link.textContent;
        item.url = relativeUrl(link, slug);
        item.authors = cardAuthors(holder.querySelector(".meta"));
      } else {
        var heading = holder.querySelector("h1");
        item.title = heading ? heading.textContent : slug;
        item.authors = authorsLine(Array.prototype.map.call(holder.querySelectorAll(".author-list li"),
          function (li) { return li.textContent; }));
        var bib = document.getElementById("bibtex");
        if (bib && holder.contains(bib)) { item.bibtex = bib.textContent; }
      }
    }
    return clean(item);
  }

  /** The BibTeX entry of a paper page, fetched (same origin) and read as text; "" when it cannot be. */
  function fetchBibtex(item) {
    if (!window.fetch || !window.DOMParser || location.protocol === "file:") { return Promise.resolve(""); }
    var url = new URL(item.url, siteRoot);
    if (url.origin !== location.origin) { return Promise.resolve(""); }
    return window.fetch(url.href, {credentials: "same-origin"}).then(function (response) {
      return response.ok ? response.text() : "";
    }).then(function (html) {
      if (!html) { return ""; }
      var found = new DOMParser().parseFromString(html, "text/html").getElementById("bibtex");
      return found ? found.textContent.trim() : "";
    }).catch(function () { return ""; });
  }

  function fetchAndKeep(item) {
    return fetchBibtex(item).then(function (bibtex) {
      if (bibtex) { update(item.slug, {bibtex: bibtex}); }
      return bibtex;
    });
  }

  // --- the Save buttons -----------------------------------------------------------------------------

  function showButtons(list) {
    var saved = {};
    list.forEach(function (item) { saved[item.slug] = true; });
    document.querySelectorAll("[data-save]").forEach(function (button) {
      var on = saved[button.getAttribute("data-save")] === true;
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.textContent = on ? "Saved" : "Save";
    });
  }

  function toggle(button) {
    var slug = button.getAttribute("data-save");
    if (!SLUG_RE.test(slug || "")) { return; }
    var list = load();
    var index = indexOf(list, slug);
    var added = null;
    if (index >= 0) {
      list.splice(index, 1);
    } else {
      added = describe(button, slug);
      if (!added) { return; }
      list.push(added);
    }
    if (!write(list)) {
      button.textContent = "Not saved: this browser blocks storage";
      window.setTimeout(refresh, 3000);
      return;
    }
    if (added && !added.bibtex) { fetchAndKeep(added); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-save]");
    if (button) { toggle(button); }
  });

  // --- export ----------------------------------------------------------------------------------------

  function absoluteUrl(item) { return new URL(item.url, siteRoot).href; }

  // Characters Markdown would read as markup (links, emphasis, code, HTML, entities, strikethrough).
  function markdownEscape(value) { return value.replace(/[\\`*_\[\]<>&~]/g, "\\$&"); }
  function markdownUnescape(value) { return value.replace(/\\([!-\/:-@\[-`{-~])/g, "$1"); }

  function toMarkdown(list) {
    var read = list.filter(function (item) { return item.read; }).length;
    var lines = ["# Reading list", "",
      "Exported from " + siteRoot.href + " on " + new Date().toISOString().slice(0, 10) + ": " +
      list.length + " paper" + (list.length === 1 ? "" : "s") + ", " + read + " read.", ""];
    list.forEach(function (item) {
      lines.push("- [" + (item.read ? "x" : " ") + "] [" + markdownEscape(item.title) + "](" + absoluteUrl(item) + ")" +
        (item.authors ? " — " + markdownEscape(item.authors) : "") + (item.date ? " (" + item.date + ")" : ""));
    });
    return lines.join("\n") + "\n";
  }

  var BIBTEX_SPECIAL = {"\\": "\\textbackslash{}", "{": "\\{", "}": "\\}", "&": "\\&", "%": "\\%", "$": "\\$",
    "#": "\\#", "_": "\\_", "~": "\\textasciitilde{}", "^": "\\textasciicircum{}"};
  function bibtexEscape(value) {
    return value.replace(/[\\{}&%$#_~^]/g, function (ch) { return BIBTEX_SPECIAL[ch]; });
  }
  function bibtexUnescape(value) {
    return value.replace(/\\textbackslash\{\}|\\textasciitilde\{\}|\\textasciicircum\{\}|\\([{}&%$#_])/g,
      function (all, ch) {
        if (ch) { return ch; }
        return all === "\\textbackslash{}" ? "\\" : all === "\\textasciitilde{}" ? "~" : "^";
      });
  }
  function bibtexUrl(url) { return url.replace(/\\/g, "%5C").replace(/\{/g, "%7B").replace(/\}/g, "%7D"); }

  /** An entry for a paper whose page could not be fetched: what the list knows of it. */
  function fallbackEntry(item) {
    var fields = ["  title = {{" + bibtexEscape(item.title) + "}}"];
    if (item.authors) {
      var names = item.authors.replace(/\s+et al\.$/, "").split(", ");
      if (/\s+et al\.$/.test(item.authors)) { names.push("others"); }
      fields.push("  author = {" + bibtexEscape(names.join(" and ")) + "}");
    }
    fields.push("  url = {" + bibtexUrl(absoluteUrl(item)) + "}");
    return "@misc{" + item.slug + ",\n" + fields.join(",\n") + "\n}";
  }

  /** The item's entry with the fields that bring it back on import (`x-digest-*`, which BibTeX and
   * reference managers ignore): the paper page, the digest day, the read mark and when it was saved. */
  function exportEntry(item) {
    var entry = item.bibtex && /^@[a-zA-Z]+\s*\{[\s\S]*\}$/.test(item.bibtex) ? item.bibtex : fallbackEntry(item);
    var body = entry.replace(/\s*\}$/, "").replace(/,\s*$/, "");
    var extra = [["x-digest-page", bibtexUrl(absoluteUrl(item))]];
    if (item.date) { extra.push(["x-digest-listed", item.date]); }
    extra.push(["x-digest-read", item.read ? "yes" : "no"]);
    if (item.saved) { extra.push(["x-digest-saved", bibtexEscape(item.saved)]); }
    return body + ",\n" + extra.map(function (pair) { return "  " + pair[0] + " = {" + pair[1] + "}"; }).join(",\n") + "\n}";
  }

  function toBibtex(list) {
    return "% Reading list exported from " + siteRoot.href + " on " + new Date().toISOString().slice(0, 10) + ".\n" +
      "% The x-digest-* fields let the Saved page import this file again; BibTeX ignores them.\n\n" +
      list.map(exportEntry).join("\n\n") + "\n";
  }

  /** Fetches the BibTeX entries the list lacks (a few at a time); resolves to the list as stored then. */
  function withBibtex(list) {
    var missing = list.filter(function (item) { return !item.bibtex; });
    var next = 0;
    function worker() {
      if (next >= missing.length) { return Promise.resolve(); }
      var item = missing[next];
      next += 1;
      return fetchAndKeep(item).then(worker);
    }
    var workers = [];
    for (var i = 0; i < Math.min(4, missing.length); i += 1) { workers.push(worker()); }
    return Promise.all(workers).then(function () {
      var fresh = load();
      var bySlug = {};
      fresh.forEach(function (item) { bySlug[item.slug] = item; });
      return list.map(function (item) { return bySlug[item.slug] || item; });
    });
  }

  function download(content, name, type) {
    var url = URL.createObjectURL(new Blob([content], {type: type}));
    var link = document.createElement("a");
    link.href = url;
    link.download = name;
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    link.remove();
    window.setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  // --- import ----------------------------------------------------------------------------------------

  /** The slug of a paper page URL (any host: the list may come from the same site elsewhere). */
  function slugOfUrl(url) {
    var path;
    try { path = new URL(url.replace(/%7B/gi, "{").replace(/%7D/gi, "}"), siteRoot).pathname; } catch (error) { return ""; }
    var found = /(?:^|\/)papers\/([a-z0-9]+(?:-[a-z0-9]+)*)\/?(?:index\.html)?$/.exec(path);
    return found && found[1].length <= 80 ? found[1] : "";
  }

  var MARKDOWN_ITEM = /^\s*[-*+]\s+\[([ xX])\]\s+\[((?:\\[\s\S]|[^\\\]])*)\]\(\s*<?([^()\s<>]+)>?\s*\)(.*)$/;

  function parseMarkdown(content) {
    var items = [];
    content.split(/\r?\n/).forEach(function (line) {
      var found = MARKDOWN_ITEM.exec(line);
      if (!found) { return; }
      var slug = slugOfUrl(found[3]);
      if (!slug) { return; }
      var rest = found[4].trim();
      var date = /\((\d{4}-\d{2}-\d{2})\)$/.exec(rest);
      if (date) { rest = rest.slice(0, date.index).trim(); }
      items.push({slug: slug, title: markdownUnescape(found[2]), read: found[1] !== " ",
        authors: markdownUnescape(rest.replace(/^[—–-]\s*/, "")), date: date ? date[1] : ""});
    });
    return items;
  }

  /** The end of the braced value starting at `start` (a `{`), or -1. */
  function closingBrace(content, start) {
    var depth = 0;
    for (var i = start; i < content.length; i += 1) {
      var ch = content.charAt(i);
      if (ch === "\\") { i += 1; continue; }
      if (ch === "{") { depth += 1; } else if (ch === "}") { depth -= 1; if (depth === 0) { return i; } }
    }
    return -1;
  }

  /** The fields of one entry's body ("key, name = {value}, ..."), names lower-cased; null if malformed. */
  function bibtexFields(body) {
    var fields = {};
    var comma = body.indexOf(",");
    if (comma < 0) { return null; }
    var rest = body.slice(comma + 1);
    var field = /^\s*([a-zA-Z][\w:.+-]*)\s*=\s*/;
    while (rest.trim()) {
      var name = field.exec(rest);
      if (!name) { return null; }
      rest = rest.slice(name[0].length);
      var value;
      if (rest.charAt(0) === "{") {
        var end = closingBrace(rest, 0);
        if (end < 0) { return null; }
        value = rest.slice(1, end);
        rest = rest.slice(end + 1);
      } else if (rest.charAt(0) === "\"") {
        var quote = /^"((?:\\[\s\S]|[^"\\])*)"/.exec(rest);
        if (!quote) { return null; }
        value = quote[1];
        rest = rest.slice(quote[0].length);
      } else {
        var bare = /^[\w.:-]+/.exec(rest);
        if (!bare) { return null; }
        value = bare[0];
        rest = rest.slice(bare[0].length);
      }
      fields[name[1].toLowerCase()] = value;
      rest = rest.replace(/^\s*,/, "");
    }
    return fields;
  }

  /** Strips the braces a title keeps its case with ("{{Title}}" is "Title"). */
  function unbrace(value) {
    var trimmed = value.trim();
    while (trimmed.charAt(0) === "{" && closingBrace(trimmed, 0) === trimmed.length - 1) {
      trimmed = trimmed.slice(1, -1).trim();
    }
    return trimmed;
  }

  function parseBibtex(content) {
    var items = [];
    var start = /@([a-zA-Z]+)\s*\{/g;
    var found;
    while ((found = start.exec(content)) !== null) {
      var open = found.index + found[0].length - 1;
      var end = closingBrace(content, open);
      if (end < 0) { break; }
      start.lastIndex = end + 1;
      if (/^(comment|preamble|string)$/i.test(found[1])) { continue; }
      var fields = bibtexFields(content.slice(open + 1, end));
      if (!fields) { continue; }
      var slug = slugOfUrl(fields["x-digest-page"] || fields.url || "");
      if (!slug) { continue; }
      var entry = content.slice(found.index, end + 1)
        .replace(/,?\s*\n[ \t]*x-digest-[a-z]+\s*=\s*\{[^{}\n]*\}(?=\s*[,}])/g, "")
        .replace(/,\s*\}$/, "\n}");
      var authors = fields.author ? bibtexUnescape(unbrace(fields.author)).split(/\s+and\s+/) : [];
      var more = authors.length && authors[authors.length - 1] === "others";
      if (more) { authors.pop(); }
      var line = authorsLine(authors);
      if (more && !/ et al\.$/.test(line)) { line += " et al."; }
      var item = {slug: slug, title: bibtexUnescape(unbrace(fields.title || "")), authors: line,
        date: fields["x-digest-listed"] || fields.urldate || "", read: /^(yes|true|1)$/i.test(fields["x-digest-read"] || ""),
        saved: bibtexUnescape(fields["x-digest-saved"] || "")};
      if (fields["x-digest-page"]) { item.bibtex = entry; }
      items.push(item);
    }
    return items;
  }

  /** The items of an exported file: BibTeX when it has entries, else Markdown task-list lines. */
  function parseFile(content) {
    return /(^|\n)\s*@[a-zA-Z]+\s*\{/.test(content) ? parseBibtex(content) : parseMarkdown(content);
  }

  /** Adds `items` to the stored list: new slugs at the end, in the file's order; a paper already saved
   * keeps its place and gains a read mark or BibTeX entry the file has. Returns [added, already]. */
  function merge(items) {
    var list = load();
    var added = 0;
    var already = 0;
    var now = new Date().toISOString();
    items.forEach(function (raw) {
      raw.url = "papers/" + raw.slug + "/";
      raw.saved = raw.saved || now;
      var item = clean(raw);
      if (!item) { return; }
      var index = indexOf(list, item.slug);
      if (index < 0) { list.push(item); added += 1; return; }
      already += 1;
      if (item.read) { list[index].read = true; }
      if (item.bibtex && !list[index].bibtex) { list[index].bibtex = item.bibtex; }
    });
    return {ok: write(list), added: added, already: already};
  }

  // --- the Saved page --------------------------------------------------------------------------------

  var app = document.querySelector("[data-saved]");
  var listElement = app && app.querySelector("[data-saved-list]");
  var itemTemplate = document.querySelector("template[data-saved-item]");
  var message = app && app.querySelector("[data-saved-message]");
  var clearButton = app && app.querySelector("[data-saved-clear]");
  var clearTimer = 0;

  function say(line) { if (message) { message.textContent = line; } }

  function humanDate(day) {
    var parts = day.split("-");
    return MONTHS[Number(parts[1]) - 1] + " " + Number(parts[2]) + ", " + parts[0];
  }

  function plural(count, word) { return count + " " + word + (count === 1 ? "" : "s"); }

  function fill(element, item) {
    element.setAttribute("data-slug", item.slug);
    element.querySelectorAll("[data-field=title]").forEach(function (node) { node.textContent = item.title; });
    var link = element.querySelector("a.saved-title");
    link.setAttribute("href", rootAttr + item.url);
    var day = element.querySelector("[data-field=date]");
    day.textContent = "";
    if (item.date) {
      var time = document.createElement("time");
      time.setAttribute("datetime", item.date);
      time.textContent = humanDate(item.date);
      day.appendChild(time);
    }
    element.querySelector("[data-field=authors]").textContent = item.authors ? (item.date ? " · " : "") + item.authors : "";
    element.querySelector("[data-saved-read]").checked = item.read;
    element.classList.toggle("is-read", item.read);
  }

  function renderPage(list) {
    var existing = {};
    Array.prototype.forEach.call(listElement.children, function (li) { existing[li.getAttribute("data-slug")] = li; });
    list.forEach(function (item, position) {
      var li = existing[item.slug];
      delete existing[item.slug];
      if (!li) { li = itemTemplate.content.firstElementChild.cloneNode(true); }
      fill(li, item);
      // Only what is out of place moves, so the focused checkbox or button keeps its focus.
      if (listElement.children[position] !== li) { listElement.insertBefore(li, listElement.children[position] || null); }
    });
    Object.keys(existing).forEach(function (slug) { existing[slug].remove(); });
    var read = list.filter(function (item) { return item.read; }).length;
    app.querySelector("[data-saved-count]").textContent = list.length ?
      plural(list.length, "saved paper") + ", " + read + " read." : "";
    app.querySelector("[data-saved-empty]").hidden = list.length > 0;
    listElement.hidden = list.length === 0;
  }

  function disarmClear() {
    window.clearTimeout(clearTimer);
    clearTimer = 0;
    if (clearButton) { clearButton.textContent = "Clear"; clearButton.removeAttribute("data-armed"); }
  }

  function refresh() {
    var list = load();
    showButtons(list);
    if (app && listElement && itemTemplate) { renderPage(list); }
  }

  if (app && listElement && itemTemplate) {
    listElement.addEventListener("change", function (event) {
      var box = event.target.closest("[data-saved-read]");
      var li = box && box.closest("[data-slug]");
      if (li) { update(li.getAttribute("data-slug"), {read: box.checked}); }
    });

    listElement.addEventListener("click", function (event) {
      var button = event.target.closest("[data-saved-remove]");
      var li = button && button.closest("[data-slug]");
      if (!li) { return; }
      var neighbour = li.nextElementSibling || li.previousElementSibling;
      var slug = li.getAttribute("data-slug");
      var list = load();
      var index = indexOf(list, slug);
      var title = index >= 0 ? list[index].title : "";
      if (index >= 0) { list.splice(index, 1); }
      write(list);
      say("Removed " + title + ".");
      var next = neighbour && neighbour.isConnected ? neighbour.querySelector("[data-saved-remove]") : null;
      (next || document.getElementById("saved-heading")).focus();
    });

    app.querySelectorAll("[data-saved-export]").forEach(function (button) {
      button.addEventListener("click", function () {
        var list = load();
        if (!list.length) { say("Nothing to export: the list is empty."); return; }
        if (button.getAttribute("data-saved-export") === "markdown") {
          download(toMarkdown(list), "reading-list.md", "text/markdown;charset=utf-8");
          say("Exported " + plural(list.length, "paper") + " as reading-list.md.");
          return;
        }
        say("Preparing the BibTeX entries…");
        withBibtex(list).then(function (ready) {
          download(toBibtex(ready), "reading-list.bib", "application/x-bibtex;charset=utf-8");
          var lacking = ready.filter(function (item) { return !item.bibtex; }).length;
          say("Exported " + plural(ready.length, "paper") + " as reading-list.bib." + (lacking ?
            " " + (lacking === 1 ? "1 entry" : lacking + " entries") + " made from the list alone (the paper page could not be loaded)." : ""));
        });
      });
    });

    var input = app.querySelector("[data-saved-import]");
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) { return; }
      var name = file.name;
      input.value = "";
      if (file.size > MAX_IMPORT_BYTES) { say("Could not import " + name + ": it is too large for a reading list."); return; }
      file.text().then(function (content) {
        var items = parseFile(content);
        if (!items.length) {
          say("Could not import " + name + ": it has no saved papers (choose a reading-list.md or reading-list.bib exported here).");
          return;
        }
        var result = merge(items);
        if (!result.ok) { say("Could not import " + name + ": this browser blocks storage."); return; }
        say("Imported " + plural(result.added, "paper") + " from " + name +
          (result.already ? "; " + result.already + " already in the list." : "."));
      }).catch(function () {
        say("Could not import " + name + ": the file could not be read.");
      });
    });

    clearButton.addEventListener("click", function () {
      var list = load();
      if (!list.length) { disarmClear(); say("The list is already empty."); return; }
      if (!clearButton.hasAttribute("data-armed")) {
        clearButton.setAttribute("data-armed", "");
        clearButton.textContent = "Press again to remove all " + list.length;
        clearTimer = window.setTimeout(disarmClear, CLEAR_WINDOW_MS);
        return;
      }
      disarmClear();
      write([]);
      say("Cleared the reading list (" + plural(list.length, "paper") + ").");
    });
    clearButton.addEventListener("blur", disarmClear);
  }

  window.addEventListener("storage", function (event) {
    if (event.key === null || event.key === store.key(KEY)) { refresh(); }
  });
  // A page restored from the back/forward cache may show a list another page has changed since.
  window.addEventListener("pageshow", function (event) { if (event.persisted) { refresh(); } });

  digest.saved = {refresh: refresh};
  refresh();
})();
