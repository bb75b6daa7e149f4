// The scan point form shows each field only for the kinds of point it means
// something for: the exhibitor company for booths, the entrance group for
// entrances. Without this script every field shows, and the server ignores what
// does not apply.
(function () {
  const kind = document.getElementById("kind");
  if (!kind) return;
  function sync() {
    document.querySelectorAll("[data-for-kinds]").forEach(function (el) {
      el.hidden = !el.dataset.forKinds.split(" ").includes(kind.value);
    });
  }
  kind.addEventListener("change", sync);
  sync();
})();
