// The search page: reads the query from the address (the header's field sends it
// here), asks pagefind's index of this page's language, and lists the pages found
// with their section and an excerpt. Without JavaScript the page says so instead.
(function () {
  "use strict";
  var box = document.querySelector("[data-search]");
  if (!box) return;
  var form = box.querySelector("form");
  var input = box.querySelector("input[type=search]");
  var status = box.querySelector(".search-status");
  var list = box.querySelector(".search-results");
  var fail = box.querySelector(".search-fail");
  var pagefind = null;
  var asked = 0;

  function load() {
    if (!pagefind) {
      // In the page itself, not in a worker: the index of a brand site is small, and
      // the worker's code would double what a visitor downloads.
      pagefind = import(box.dataset.pagefind).then(function (pf) {
        return pf.options({ noWorker: true }).then(function () {
          return pf;
        });
      });
    }
    return pagefind;
  }

  // The excerpt pagefind gives is text with <mark> around the words found: kept as
  // such, anything else as plain text.
  function excerpt(html) {
    var p = document.createElement("p");
    var parts = String(html).split(/(<mark>|<\/mark>)/);
    var mark = null;
    var tmp = document.createElement("textarea");
    parts.forEach(function (part) {
      if (part === "<mark>") {
        mark = document.createElement("mark");
        p.appendChild(mark);
      } else if (part === "</mark>") {
        mark = null;
      } else if (part) {
        tmp.innerHTML = part;
        (mark || p).appendChild(document.createTextNode(tmp.value));
      }
    });
    return p;
  }

  function show(query, results) {
    list.replaceChildren();
    results.forEach(function (r) {
      var li = document.createElement("li");
      if (r.meta && r.meta.section) {
        var s = document.createElement("p");
        s.className = "search-section";
        s.textContent = r.meta.section;
        li.appendChild(s);
      }
      var h = document.createElement("h2");
      var a = document.createElement("a");
      a.href = r.url;
      a.textContent = (r.meta && r.meta.title) || r.url;
      h.appendChild(a);
      li.appendChild(h);
      li.appendChild(excerpt(r.excerpt));
      list.appendChild(li);
    });
    list.hidden = results.length === 0;
    var text = results.length ? box.dataset.resultsFor : box.dataset.none;
    status.textContent = text.replace("{q}", query);
  }

  function search(query) {
    var n = ++asked;
    fail.hidden = true;
    if (!query.trim()) {
      list.replaceChildren();
      list.hidden = true;
      status.textContent = "";
      return;
    }
    status.textContent = box.dataset.loading;
    load()
      .then(function (pf) {
        return pf.search(query);
      })
      .then(function (found) {
        var best = found.results.slice(0, 20);
        return Promise.all(
          best.map(function (r) {
            return r.data();
          })
        ).then(function (data) {
          // A page's `search_weight` (front matter, or its section's) multiplies its
          // score: the press releases come before news items on the same subject.
          var ranked = data.map(function (d, i) {
            var w = parseFloat((d.meta && d.meta.weight) || "1");
            return { d: d, score: best[i].score * (w > 0 ? w : 1), i: i };
          });
          ranked.sort(function (a, b) {
            return b.score - a.score || a.i - b.i;
          });
          return ranked.map(function (x) {
            return x.d;
          });
        });
      })
      .then(function (results) {
        if (n === asked) show(query, results);
      })
      .catch(function () {
        if (n !== asked) return;
        status.textContent = "";
        fail.hidden = false;
      });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value;
    var url = new URL(location.href);
    url.searchParams.set("q", q);
    history.replaceState(null, "", url);
    search(q);
  });

  var q = new URL(location.href).searchParams.get("q") || "";
  input.value = q;
  if (q) search(q);
})();
