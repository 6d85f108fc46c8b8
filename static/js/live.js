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
