// The live parts of a page ([data-live]: a stop's status, a ticket) ask the server again
// only while the page is shown, and at once when it is shown again.
document.addEventListener("htmx:beforeRequest", function (event) {
  if (document.visibilityState !== "visible" && event.detail.elt.hasAttribute("data-live")) {
    event.preventDefault();
  }
});
document.addEventListener("visibilitychange", function () {
  if (document.visibilityState === "visible" && window.htmx) {
    document.querySelectorAll("[data-live]").forEach(function (element) {
      window.htmx.trigger(element, "live-refresh");
    });
  }
});
// An answer that says the same as the page is not swapped in: a screen reader hears the
// live region only when something changed.
document.addEventListener("htmx:beforeSwap", function (event) {
  var element = event.detail.target;
  if (!element.hasAttribute("data-live")) {
    return;
  }
  var incoming = document.createElement("template");
  incoming.innerHTML = event.detail.serverResponse;
  if (incoming.content.textContent.trim() === element.textContent.trim()) {
    event.detail.shouldSwap = false;
  }
});
