// AcademicHub personal marks. Public pages are the same for everyone (and cached per URL), so
// what belongs to one person is added here, after the page loads: followed authors and terms
// highlighted, Follow (+) buttons next to authors, Save toggles on cards. Without a session, or
// without script, pages keep their plain links (Save leads to log-in, then a one-button page).
(function () {
  "use strict";

  if (!/(?:^|;\s*)ah_signed_in=1(?:;|$)/.test(document.cookie)) return;
  document.documentElement.classList.add("signed-in");
  var account = document.querySelector("a.account-link");
  if (account) {
    account.textContent = "Account";
    account.href = account.getAttribute("data-signed-in-href");
  }

  var csrf = "";
  var followedAuthors = {}; // match key -> follow id

  function request(method, url, body) {
    var options = { method: method, credentials: "same-origin", headers: { "X-CSRF-Token": csrf } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (answer) {
      if (!answer.ok) throw new Error(method + " " + url + ": " + answer.status);
      return answer.status === 204 ? null : answer.json();
    });
  }

  function markAuthors() {
    document.querySelectorAll("a.author-link[data-author-key]").forEach(function (link) {
      var followed = Object.prototype.hasOwnProperty.call(followedAuthors, link.dataset.authorKey);
      link.classList.toggle("is-followed", followed);
      var button = link.nextElementSibling;
      if (button && button.classList.contains("follow-control")) {
        button.hidden = false;
        button.setAttribute("aria-pressed", followed ? "true" : "false");
        button.textContent = followed ? "✓" : "+";
        button.setAttribute("aria-label", (followed ? "Unfollow " : "Follow ") + button.dataset.author);
        button.dataset.key = link.dataset.authorKey;
      }
    });
  }

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  function markTerms(keywords) {
    if (!keywords.length) return;
    var pattern = new RegExp("\\b(" + keywords.map(function (k) {
      return escapeRegExp(k.value).replace(/\s+/g, "\\s+");
    }).join("|") + ")\\b", "gi");
    document.querySelectorAll(".paper-title a, .abstract p").forEach(function (block) {
      var walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT, {
        acceptNode: function (node) {
          // Leave math (MathML) and existing marks alone.
          return node.parentElement.closest("math, mark") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
        }
      });
      var nodes = [];
      while (walker.nextNode()) nodes.push(walker.currentNode);
      nodes.forEach(function (node) {
        var text = node.nodeValue;
        pattern.lastIndex = 0;
        if (!pattern.test(text)) return;
        var fragment = document.createDocumentFragment();
        var last = 0;
        text.replace(pattern, function (match, _group, offset) {
          fragment.appendChild(document.createTextNode(text.slice(last, offset)));
          var mark = document.createElement("mark");
          mark.className = "followed-term";
          mark.textContent = match;
          fragment.appendChild(mark);
          last = offset + match.length;
        });
        fragment.appendChild(document.createTextNode(text.slice(last)));
        node.parentNode.replaceChild(fragment, node);
      });
    });
  }

  function markSaved(saved) {
    var set = {};
    saved.forEach(function (id) { set[id] = true; });
    document.querySelectorAll("a.save-control[data-paper]").forEach(function (link) {
      var isSaved = !!set[link.dataset.paper];
      link.textContent = isSaved ? "Saved ✓" : "Save";
      link.classList.toggle("is-saved", isSaved);
      link.setAttribute("role", "button");
      link.setAttribute("aria-pressed", isSaved ? "true" : "false");
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : null;
    if (!target || !csrf) return;
    var follow = target.closest("button.follow-control");
    if (follow) {
      event.preventDefault();
      var key = follow.dataset.key;
      var done = followedAuthors[key]
        ? request("DELETE", "/api/me/follows/" + followedAuthors[key]).then(function () { delete followedAuthors[key]; })
        : request("POST", "/api/me/follows", { kind: "author", value: follow.dataset.author })
            .then(function (rule) { followedAuthors[key] = rule.id; });
      done.then(markAuthors).catch(function (error) { console.warn(error); });
      return;
    }
    var save = target.closest("a.save-control[data-paper]");
    if (save) {
      event.preventDefault();
      var saved = save.getAttribute("aria-pressed") === "true";
      var url = "/api/me/library/" + encodeURIComponent(save.dataset.paper).replace(/%2F/g, "/");
      request(saved ? "DELETE" : "PUT", url).then(function () {
        save.textContent = saved ? "Save" : "Saved ✓";
        save.classList.toggle("is-saved", !saved);
        save.setAttribute("aria-pressed", saved ? "false" : "true");
      }).catch(function (error) { console.warn(error); });
    }
  });

  fetch("/api/me/marks", { credentials: "same-origin" })
    .then(function (answer) {
      if (answer.status === 401) {
        // The hint cookie outlived the session: forget it and show the anonymous page.
        document.cookie = "ah_signed_in=; Max-Age=0; Path=/; SameSite=Lax";
        document.documentElement.classList.remove("signed-in");
        if (account) { account.textContent = "Log in"; account.href = "/login"; }
        return null;
      }
      return answer.json();
    })
    .then(function (marks) {
      if (!marks) return;
      csrf = marks.csrf_token || "";
      marks.authors.forEach(function (rule) { followedAuthors[rule.key] = rule.id; });
      markAuthors();
      markTerms(marks.keywords);
      markSaved(marks.saved);
    })
    .catch(function (error) { console.warn(error); });
})();
