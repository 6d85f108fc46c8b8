// "Imprimer": a button shown only when this script runs; without it, the page says to use the
// browser's own print command instead.
"use strict";

document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
document.querySelectorAll("[data-print-hint]").forEach((hint) => {
  hint.hidden = true;
});
