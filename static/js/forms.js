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
