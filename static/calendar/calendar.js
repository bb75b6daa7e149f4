// Copy buttons of the "My calendar" page; the addresses stay selectable without script.
document.querySelectorAll("[data-copy]").forEach((button) => {
  // The label to come back to, read once: a second click while "Copied" shows
  // must not make "Copied" the label for good.
  const label = button.textContent;
  let restore = null;
  button.addEventListener("click", async () => {
    const input = document.getElementById(button.dataset.copy);
    input.focus();
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
    } catch (error) {
      document.execCommand("copy");
    }
    button.textContent = button.dataset.copied;
    clearTimeout(restore);
    restore = setTimeout(() => { button.textContent = label; }, 1500);
  });
});
document.querySelectorAll(".copy-row input").forEach((input) => {
  input.addEventListener("focus", () => input.select());
});
