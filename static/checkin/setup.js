// The set-up page sends itself back as soon as a browser shows it: the phone that
// opened the QR is set up without another tap, while a link preview or a reader
// that only fetches the address (and runs no script) uses nothing up.
//
// The phone keeps the claim it sent. If the answer was lost on the way (the
// code is used, but this phone got no cookie), opening the code again says it
// was used, and the page sends the kept claim: the server knows it as this
// phone's and sets it up again.
(function () {
  const form = document.getElementById("device-setup");
  if (!form) return;
  const key = "kicxup-setup-claim:" + location.pathname;
  let saved = null;
  try {
    saved = localStorage.getItem(key);
    if (form.dataset.retry === "1") {
      // Once per tab: a claim refused again stays refused.
      if (!saved || sessionStorage.getItem(key)) return;
      sessionStorage.setItem(key, "retried");
    } else if (!saved) {
      localStorage.setItem(key, form.elements.claim.value);
    }
  } catch (error) {
    // Storage off (some private modes): the claim the server gave still works once.
    if (form.dataset.retry === "1") return;
  }
  if (saved) form.elements.claim.value = saved;
  form.submit();
})();
