/* The registration's list of competitors: typing in the filter shows only the
 * companies whose name holds the text; those ticked stay in view. No dependencies. */
(function () {
  "use strict";
  var filter = document.getElementById("avoid-filter");
  var list = document.getElementById("avoid-list");
  if (!filter || !list) return;
  var labels = Array.prototype.slice.call(list.querySelectorAll("label"));
  filter.hidden = false;
  filter.addEventListener("input", function () {
    var needle = filter.value.trim().toLowerCase();
    labels.forEach(function (label) {
      var box = label.querySelector("input");
      var match = !needle || label.textContent.toLowerCase().indexOf(needle) >= 0;
      label.hidden = !(match || (box && box.checked));
    });
  });
  // Enter in the filter would send the whole form.
  filter.addEventListener("keydown", function (e) { if (e.key === "Enter") e.preventDefault(); });
})();
