// The leave form's live preview: asks /api/v1/leave/preview as dates change. The page works without it
// (the Preview button posts the form and the server renders the same panel).
(function () {
  "use strict";
  var form = document.getElementById("leave-form");
  var panel = document.getElementById("leave-preview");
  var labels = document.getElementById("leave-preview-labels");
  if (!form || !panel || !labels || !window.ess) { return; }
  var timer = null;

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }

  function render(data, problem) {
    panel.textContent = "";
    panel.appendChild(el("h2", labels.dataset.heading));
    if (problem) {
      panel.appendChild(el("p", problem.detail || problem.title, "error"));
      return;
    }
    var big = el("p", undefined, "big-number");
    var strong = el("strong", String(data.days));
    strong.setAttribute("data-preview", "days");
    big.appendChild(strong);
    big.appendChild(document.createTextNode(" "));
    big.appendChild(el("span", labels.dataset.days, "muted"));
    panel.appendChild(big);
    if (data.balance_after !== null && data.balance_after !== undefined) {
      var balance = el("p", labels.dataset.balance.replace("{after}", String(data.balance_after)));
      balance.setAttribute("data-preview", "balance");
      panel.appendChild(balance);
    }
    if (data.excluded.length) {
      panel.appendChild(el("h3", labels.dataset.notCounted));
      var list = el("ul", undefined, "excluded");
      list.setAttribute("data-preview", "excluded");
      data.excluded.forEach(function (day) {
        list.appendChild(el("li", day.date + " — " + (day.reason === "weekend" ? labels.dataset.weekend : day.name)));
      });
      panel.appendChild(list);
    }
  }

  function update() {
    var start = form.elements.start.value;
    var end = form.elements.end.value;
    if (!start) { return; }
    if (!end || end < start) {  // ISO dates compare as text; a later first day moves the last day along
      form.elements.end.value = start;
    }
    var params = new URLSearchParams();
    params.set("leave_type", form.elements.leave_type.value);
    params.set("start", form.elements.start.value);
    params.set("end", form.elements.end.value || form.elements.start.value);
    if (form.elements.start_half.checked) { params.set("start_half", "pm"); }
    if (form.elements.end_half.checked) { params.set("end_half", "am"); }
    window.ess.fetch(form.dataset.previewUrl + "?" + params.toString(), { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) { render(result.ok ? result.body : null, result.ok ? null : result.body); })
      .catch(function () { /* the Preview button still works */ });
  }

  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 250);
  });
  form.addEventListener("change", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 50);
  });
  update();
})();
