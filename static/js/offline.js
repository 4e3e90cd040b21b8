/*
 * Offline reading: registers the service worker (`sw.js` at the site root, made from
 * service-worker.js, which says what it caches), with the site root as its scope, once the page has
 * loaded so it never competes with the page's own files. Only over http(s): a browser has no service
 * workers elsewhere, and none at all outside a secure context (https, or http on localhost).
 *
 * Opened from disk (file://), the site cannot work fully: links to folders (`papers/<slug>/`) open a
 * folder listing or nothing, and search needs a web server. The site does not promise file:// any more,
 * so there it says so in one line at the top of the main content and names `digest serve` and a static
 * host. The line appears only on file://, never on a served site, so it moves nothing there.
 *
 * Attributes of its <script>: data-root (the site root, relative to this page), data-worker (sw.js).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var root = script.getAttribute("data-root") || "./";
  var worker = script.getAttribute("data-worker");
  var SETTLE_MS = 5000; // after load: a reader's first seconds (and a search's first fetches) go first
  var IDLE_TIMEOUT_MS = 3000; // register by then even on a page that never goes idle

  if (location.protocol === "file:") {
    showDiskNotice();
    return;
  }
  if ((location.protocol !== "http:" && location.protocol !== "https:") || !worker) return;
  if (!("serviceWorker" in navigator)) return;

  function register() {
    var base = document.baseURI;
    var script = new URL(worker, base);
    // The 404 page of a site with a base URL names it in full: served under another host name, its
    // worker is another origin's, which no page may register.
    if (script.origin !== location.origin) return;
    navigator.serviceWorker
      .register(script.href, { scope: new URL(root, base).href })
      .catch(function () { /* refused (storage blocked, an old browser): the site works as before */ });
  }

  // Once the page has loaded and the main thread is idle: installing the worker precaches the shell and
  // the search parts, which would otherwise compete with the page's own first seconds (measured: total
  // blocking time 90-140 ms on the seed home page in Lighthouse, against 0-10 ms without the worker).
  function whenIdle() {
    window.setTimeout(function () {
      if ("requestIdleCallback" in window) window.requestIdleCallback(register, { timeout: IDLE_TIMEOUT_MS });
      else register();
    }, SETTLE_MS);
  }

  if (document.readyState === "complete") {
    whenIdle();
  } else {
    window.addEventListener("load", whenIdle);
  }

  /** "This copy is opened from disk ..." as the first line of the main content; text nodes only. */
  function showDiskNotice() {
    var main = document.getElementById("main");
    if (!main || main.querySelector("[data-disk-notice]")) return;
    var notice = document.createElement("p");
    notice.className = "disk-notice";
    notice.setAttribute("role", "note");
    notice.setAttribute("data-disk-notice", "");
    var command = document.createElement("code");
    command.appendChild(document.createTextNode("digest serve"));
    notice.appendChild(document.createTextNode(
      "This site is opened from disk, where links to folders and search do not work: it needs a web server. " +
      "Run "
    ));
    notice.appendChild(command);
    notice.appendChild(document.createTextNode(" or put the site on any static host."));
    main.insertBefore(notice, main.firstChild);
  }
})();
