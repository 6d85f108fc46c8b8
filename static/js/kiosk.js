// The bus's kiosk starts again by itself for the next visitor: its thank-you screen
// ([data-kiosk-reset], in seconds) goes back to a blank form, and so does a form left
// half-answered ([data-kiosk-idle], in seconds without a touch).
(function () {
  function blankAfter(element, seconds) {
    return window.setTimeout(function () {
      window.location.replace(element.getAttribute("data-kiosk-url"));
    }, seconds * 1000);
  }

  var thanks = document.querySelector("[data-kiosk-reset]");
  if (thanks) {
    blankAfter(thanks, Number(thanks.getAttribute("data-kiosk-reset")));
  }

  var form = document.querySelector("[data-kiosk-idle]");
  if (form) {
    var idle = Number(form.getAttribute("data-kiosk-idle"));
    var timer = null;
    var restart = function () {
      window.clearTimeout(timer);
      timer = blankAfter(form, idle);
    };
    ["change", "click", "keydown"].forEach(function (type) {
      form.addEventListener(type, restart);
    });
    restart();
  }
})();
