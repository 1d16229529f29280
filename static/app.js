// AcademicHub keyboard shortcuts and Shuffle seeds. The pages work without this file; it only
// adds j/k (next/previous card), o (open the current card), / (search) and s (shuffle).
// Served from 'self' under a CSP without inline script, so it is wired up here, not in markup.
(function () {
  "use strict";

  var current = -1;

  function cards() {
    return Array.prototype.slice.call(document.querySelectorAll("article.paper-card"));
  }

  function isTyping(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function prefersReducedMotion() {
    return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  function select(index) {
    var list = cards();
    if (!list.length) return;
    index = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (card, i) {
      card.classList.toggle("is-current", i === index);
    });
    current = index;
    var card = list[index];
    card.focus({ preventScroll: true });
    card.scrollIntoView({ block: "start", behavior: prefersReducedMotion() ? "auto" : "smooth" });
  }

  function move(step) {
    var list = cards();
    if (!list.length) return;
    if (current < 0 || current >= list.length) {
      // Start from the card that holds focus, else the first card below the top of the window.
      var focused = list.indexOf(document.activeElement && document.activeElement.closest
        ? document.activeElement.closest("article.paper-card") : null);
      if (focused >= 0) {
        current = focused;
      } else {
        select(step > 0 ? firstVisible(list) : 0);
        return;
      }
    }
    select(current + step);
  }

  function firstVisible(list) {
    for (var i = 0; i < list.length; i++) {
      if (list[i].getBoundingClientRect().bottom > 0) return i;
    }
    return 0;
  }

  function freshSeed() {
    var values = new Uint32Array(1);
    window.crypto.getRandomValues(values);
    return (values[0] % 999999999) + 1;
  }

  function reseed(link) {
    // Each press draws a new seed, even when the page came from the browser cache.
    var url = new URL(link.href, window.location.href);
    url.searchParams.set("shuffle", String(freshSeed()));
    link.href = url.pathname + url.search + url.hash;
  }

  function shuffle() {
    var link = document.getElementById("shuffle");
    if (!link) return;
    reseed(link);
    window.location.assign(link.href);
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) return;
    switch (event.key) {
      case "j":
        move(1);
        break;
      case "k":
        move(-1);
        break;
      case "o":
      case "Enter": {
        var list = cards();
        var card = list[current];
        if (!card || document.activeElement !== card) return;
        var link = card.querySelector(".paper-title a");
        if (link) window.location.assign(link.href);
        break;
      }
      case "/": {
        var search = document.getElementById("search");
        if (!search) return;
        search.focus();
        search.select();
        break;
      }
      case "s":
        if (!document.getElementById("shuffle")) return;
        shuffle();
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  document.addEventListener("focusin", function (event) {
    var card = event.target.closest ? event.target.closest("article.paper-card") : null;
    if (!card) return;
    var index = cards().indexOf(card);
    if (index < 0) return;
    cards().forEach(function (other, i) {
      other.classList.toggle("is-current", i === index);
    });
    current = index;
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a#shuffle") : null;
    if (link) reseed(link);
  });
})();
