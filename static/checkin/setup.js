// Setting a phone up takes a tap on the page's button: a link preview, a mail
// scanner or a reader app that opens the address before the browser does (some
// of them run scripts) uses nothing up.
//
// The phone keeps the claim it sent. If the answer was lost on the way (the
// code is used, but this phone got no cookie), opening the code again says it
// was used, and that page sends the kept claim by itself: the server knows it
// as this phone's and sets it up again.
(function () {
  const form = document.getElementById("device-setup");
  if (!form) return;
  const key = "kicxup-setup-claim:" + location.pathname;
  let saved = null;
  try {
    saved = localStorage.getItem(key);
  } catch (error) {
    // Storage off (some private modes): the claim the server gave still works once.
  }
  if (form.dataset.retry === "1") {
    try {
      // Once per tab: a claim refused again stays refused.
      if (!saved || sessionStorage.getItem(key)) return;
      sessionStorage.setItem(key, "retried");
    } catch (error) {
      return;
    }
    form.elements.claim.value = saved;
    form.submit();
    return;
  }
  if (saved) form.elements.claim.value = saved;
  form.addEventListener("submit", () => {
    try {
      if (!saved) localStorage.setItem(key, form.elements.claim.value);
    } catch (error) {
      // As above: this answer is then the only one.
    }
    // A second tap while the first is on its way would only send the same claim.
    form.querySelector("button").disabled = true;
  });
})();
