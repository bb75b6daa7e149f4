// Ask before a form marked data-confirm is sent (withdrawing a registration,
// removing a lead).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

// A choice marked data-autosubmit shows its result at once (a <noscript> button
// beside it does without script). Here, not in onchange="": the content
// security policy runs no inline script.
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.form && field.dataset && "autosubmit" in field.dataset) {
    field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
  }
});

// A page opened by a link in one language (?lang=en) answers its forms in that
// language: a form posting to another address carries the choice there (the server
// marks such a page data-linked-lang), and so does the page a refused form comes
// back as. The language switch's own form chooses for itself.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var language = document.documentElement.dataset.linkedLang;
  if (event.defaultPrevented || !language || !form.elements || form.elements.namedItem("lang")) return;
  // The attributes, not form.action or form.method: a field named so would hide them.
  var action = new URL(form.getAttribute("action") || window.location.href, window.location.href);
  if (action.origin !== window.location.origin) return;
  if ((form.getAttribute("method") || "get").toLowerCase() === "get") {
    // A GET form's fields replace its action's query: the language goes as a field.
    var field = document.createElement("input");
    field.type = "hidden";
    field.name = "lang";
    field.value = language;
    form.appendChild(field);
  } else if (!action.searchParams.has("lang")) {
    action.searchParams.set("lang", language);
    form.setAttribute("action", action.toString());
  }
});
