// Progressive enhancement only: the site is fully usable without this file.
// Shows the copy buttons (BibTeX on paper pages, feed addresses on the Subscribe page) and copies the
// text of the element a button names to the clipboard.
(function () {
  "use strict";
  // What to copy: the element's text; a link showing a relative address gives its full address instead
  // (the browser resolves it against this page), since a feed reader cannot use a relative one.
  function copyText(source) {
    if (source.tagName === "A" && !/^[a-z][a-z0-9+.-]*:/i.test(source.textContent.trim())) {
      return source.href;
    }
    return source.textContent;
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) { return; }
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(copyText(source)).then(function () {
        button.textContent = "Copied";
      }, function () {
        button.textContent = "Copy failed: select the text";
      });
      window.setTimeout(function () { button.textContent = label; }, 2000);
    });
  });
})();
