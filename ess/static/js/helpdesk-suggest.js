// Ask HR/IT: while the subject is typed, show articles that may answer it, each with "This answered my
// question". An enhancement only: without it the "Find answers" button shows the same list from the server.
(function () {
  "use strict";
  var form = document.querySelector("form.hd-ask[data-suggest-url]");
  if (!form || !window.fetch) { return; }
  var input = form.querySelector("input[name=subject]");
  var panel = form.querySelector("#hd-suggestions");
  var list = panel.querySelector(".hd-suggestion-list");
  var none = panel.querySelector(".hd-none");
  var label = list.dataset.buttonLabel;
  var timer = null, latest = 0;

  function show(articles) {
    list.textContent = "";
    if (none) { none.hidden = true; }
    articles.forEach(function (article) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = article.url;
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = article.title;  // text, never HTML
      var button = document.createElement("button");
      button.type = "submit";
      button.className = "button";
      button.name = "answered_by";
      button.value = String(article.id);
      button.formNoValidate = true;
      button.textContent = label;
      li.appendChild(a);
      li.appendChild(button);
      list.appendChild(li);
    });
    panel.hidden = articles.length === 0;
  }

  function lookup() {
    var q = input.value.trim();
    if (q.length < 2) { show([]); return; }
    var ticket = ++latest;
    fetch(form.dataset.suggestUrl + "?q=" + encodeURIComponent(q), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {articles: []}; })
      .then(function (data) { if (ticket === latest) { show(data.articles || []); } })
      .catch(function () { /* the "Find answers" button still works */ });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookup, 200);
  });
  if (input.value.trim() && !list.children.length) { lookup(); }
})();
