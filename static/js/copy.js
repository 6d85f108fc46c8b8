// "Copier l'adresse": a button shown only when this script runs; without it, the
// read-only field can still be selected and copied by hand.
"use strict";

document.querySelectorAll("[data-copy]").forEach((button) => {
  const field = document.getElementById(button.dataset.copy);
  const status = document.getElementById(`${field.id}-copied`);
  button.hidden = false;
  field.addEventListener("focus", () => field.select());
  button.addEventListener("click", async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
    } catch {
      document.execCommand("copy"); // older browsers, and pages not served over https
    }
    status.textContent = button.dataset.copied;
  });
});
