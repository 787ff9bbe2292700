/* Search box autocomplete: as the buyer types, fills a <datalist> from /search/suggest with
   popular completions and matching categories. Without it the search form works the same. */
(function () {
  "use strict";
  var input = document.getElementById("q");
  if (!input || !window.fetch) { return; }
  var list = document.createElement("datalist");
  list.id = "q-suggestions";
  input.parentNode.appendChild(list);
  input.setAttribute("list", list.id);
  input.setAttribute("autocomplete", "off");
  var timer = null;
  var asked = "";

  function fill(data) {
    var texts = data.completions.concat(data.categories.map(function (c) { return c.name; }));
    list.textContent = "";
    texts.forEach(function (text) {
      var option = document.createElement("option");
      option.value = text;
      list.appendChild(option);
    });
  }

  input.addEventListener("input", function () {
    var value = input.value.trim();
    window.clearTimeout(timer);
    if (value.length < 2 || value === asked) { return; }
    // Wait for a pause in typing: one request per word typed on a slow connection, not per key.
    timer = window.setTimeout(function () {
      asked = value;
      window.fetch("/search/suggest?q=" + encodeURIComponent(value),
                   { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (data && input.value.trim() === value) { fill(data); } })
        .catch(function () { /* offline or slow: the box still searches on submit */ });
    }, 200);
  });
}());
