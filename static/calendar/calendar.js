// Copy buttons of the "My calendar" page; the addresses stay selectable without script.
document.querySelectorAll("[data-copy]").forEach((button) => {
  button.addEventListener("click", async () => {
    const input = document.getElementById(button.dataset.copy);
    input.focus();
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
    } catch (error) {
      document.execCommand("copy");
    }
    const label = button.textContent;
    button.textContent = button.dataset.copied;
    setTimeout(() => { button.textContent = label; }, 1500);
  });
});
document.querySelectorAll(".copy-row input").forEach((input) => {
  input.addEventListener("focus", () => input.select());
});
