/* Keyboard shortcuts and focus rules for operators (docs/ui-kit.md § Keyboard). No dependencies.
 *   /        focus the customer search (the nav search box, or the page's own [data-search])
 *   Enter    in the search box, when the results below are for what it holds: open the first hit
 *   c        通話を記録 (an element with data-shortcut="c")   n  案件を開始 (data-shortcut="n")
 *   ?        show/hide the list of shortcuts
 * Single-key shortcuts never fire while typing in a field or with Ctrl/Alt/Meta held.
 * After a failed submit (a page or htmx swap with an error summary), the focus moves to the first
 * invalid field, or to the summary when the error is not about one field. */
(function () {
  "use strict";

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  function searchBox() {
    return document.querySelector("[data-search]") || document.getElementById("nav-q");
  }

  function focusFirstError(root) {
    root = root || document;
    var summary = root.querySelector ? root.querySelector("[data-error-summary]") : null;
    if (!summary && root.matches && root.matches("[data-error-summary]")) summary = root;
    if (!summary) return false;
    var form = summary.closest("form") || root;
    var invalid = form.querySelector('[aria-invalid="true"]');
    (invalid || summary).focus();
    return true;
  }

  function toggleHelp() {
    var help = document.getElementById("shortcut-help");
    if (!help) {
      help = document.createElement("div");
      help.id = "shortcut-help";
      help.className = "card shortcut-help";
      help.setAttribute("role", "dialog");
      help.setAttribute("aria-label", "キーボードショートカット");
      help.innerHTML =
        "<h2>キーボードショートカット</h2><ul class=\"plain\">" +
        "<li><kbd>/</kbd> 顧客検索へ移動</li>" +
        "<li><kbd>Enter</kbd> (検索結果で)最初の顧客を開く</li>" +
        "<li><kbd>c</kbd> 通話を記録</li>" +
        "<li><kbd>n</kbd> 案件を開始</li>" +
        "<li><kbd>?</kbd> この一覧を表示・非表示</li></ul>";
      help.hidden = true;
      document.body.appendChild(help);
    }
    help.hidden = !help.hidden;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
    var target = event.target;
    if (event.key === "Enter" && target === searchBox()) {
      var first = document.querySelector("[data-first-hit]");
      var shown = first ? first.closest("[data-query]") : null;
      // Only when the box still holds the query those hits came from; otherwise submit as usual.
      if (first && shown && (target.value || "").trim() === shown.getAttribute("data-query")) {
        event.preventDefault();
        window.location.href = first.getAttribute("href");
      }
      return;
    }
    if (typing(target)) return;
    if (event.key === "/") {
      var box = searchBox();
      if (box) {
        event.preventDefault();
        box.focus();
        box.select();
      }
    } else if (event.key === "?") {
      event.preventDefault();
      toggleHelp();
    } else if (event.key === "Escape") {
      var help = document.getElementById("shortcut-help");
      if (help) help.hidden = true;
    } else {
      var el = document.querySelector('[data-shortcut="' + event.key + '"]');
      if (el) {
        event.preventDefault();
        el.click();
        // A link to a panel on this page (通話を記録 → #interactions-panel): start typing there.
        var hash = el.getAttribute("href") || "";
        var panel = hash.charAt(0) === "#" ? document.getElementById(hash.slice(1)) : null;
        var field = panel ? panel.querySelector("input:not([type=hidden]), select, textarea") : null;
        if (field) field.focus();
      }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    focusFirstError(document);
  });
  // After an htmx swap (outerHTML replaces the element, so look in the whole page).
  document.addEventListener("htmx:afterSettle", function () {
    focusFirstError(document);
  });
})();
