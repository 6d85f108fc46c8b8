// The agents' pages without connection (templates/staff/_offline.html): a banner says what waits
// to be sent, the forms of the queue's page go to the outbox (outbox.js) instead of the server,
// and the outbox is sent as soon as the connection is back. Online, the pages work as before.
(function () {
  "use strict";
  var root = document.getElementById("offline");
  if (!root || !window.indexedDB || !window.Outbox) {
    return;
  }
  var Outbox = window.Outbox;
  var texts = JSON.parse(document.getElementById("offline-texts").textContent);
  var user = Number(root.dataset.user);
  var banner = document.getElementById("offline-banner");
  var section = document.getElementById("offline-visits"); // on a stop's queue page only
  var stop = section ? section.dataset.stop : null;
  var PAGES = "agents-pages"; // the service worker's cache of the agents' pages (templates/staff/sw.js)
  var hadPending = false;
  var lastOutcome = null;
  var counter = 0;

  // Where each action leaves the visitor, and what can be done next from there.
  var AFTER = {
    register: function (payload) { return payload.handled_here === "0" ? "oriented" : "waiting"; },
    deblayage: function () { return "deblayage"; },
    accompagnement: function () { return "accompagnement"; },
    left: function () { return "left"; },
    finish_deblayage: function (payload) {
      return { accompagnement: "accompagnement", ready: "ready", queue: "waiting", come_back: "to_come_back" }[payload.then];
    },
    finish_accompagnement: function () { return "done"; },
  };
  var NEXT = {
    waiting: ["deblayage", "accompagnement", "left"],
    ready: ["accompagnement", "left"],
    deblayage: ["finish_deblayage", "left"],
    accompagnement: ["finish_accompagnement"],
  };

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_match, name) { return values[name]; });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function today() {
    var now = new Date();
    return [now.getFullYear(), now.getMonth() + 1, now.getDate()].join("-");
  }

  function device() {
    var id = localStorage.getItem("mm-device");
    if (!id) {
      id = crypto.randomUUID();
      localStorage.setItem("mm-device", id);
    }
    return id;
  }

  // The next provisional ticket of this computer: its letter at the stop today (given by the
  // server while online) and its own count. Without a letter, two random ones: the server's are
  // single letters, and it refuses a provisional ticket given twice.
  function provisionalTicket() {
    var name = "mm-letter:" + stop + ":" + today();
    var letter = localStorage.getItem(name);
    if (!letter) {
      letter = String.fromCharCode(65 + Math.floor(Math.random() * 26), 65 + Math.floor(Math.random() * 26));
      localStorage.setItem(name, letter);
    }
    var count = "mm-count:" + stop + ":" + today() + ":" + letter;
    var number = Number(localStorage.getItem(count) || 0) + 1;
    localStorage.setItem(count, String(number));
    return letter + "-" + number;
  }

  function askForLetter() {
    var name = "mm-letter:" + stop + ":" + today();
    if (!section || !navigator.onLine || localStorage.getItem(name)) {
      return;
    }
    post(section.dataset.letter, { device: device() })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (answer && !localStorage.getItem(name)) {
          localStorage.setItem(name, answer.letter);
        }
      })
      .catch(function () {});
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf },
      body: JSON.stringify(body),
    });
  }

  // Recording and sending --------------------------------------------------------------

  function record(action) {
    action.key = action.key || crypto.randomUUID();
    action.seq = Date.now() * 1000 + (counter++ % 1000);
    action.user = user;
    action.stop = action.stop || stop;
    action.device = device();
    action.client_time = new Date().toISOString();
    action.state = "pending";
    action.payload = action.payload || {};
    return Outbox.put(action).then(function () {
      if (navigator.serviceWorker) {
        navigator.serviceWorker.ready
          .then(function (registration) { return registration.sync && registration.sync.register("outbox"); })
          .catch(function () {});
      }
      return send();
    });
  }

  // Online, what sending needs is kept for the service worker too.
  function remember() {
    if (!navigator.onLine) {
      return Promise.resolve();
    }
    return Promise.all([
      Outbox.setMeta("user", user),
      Outbox.setMeta("csrf", root.dataset.csrf),
      Outbox.setMeta("url", root.dataset.actions),
    ]);
  }

  function send() {
    if (!navigator.onLine) {
      return refresh();
    }
    return Outbox.pending(user).then(function (before) {
      if (!before.length) {
        return refresh();
      }
      hadPending = true;
      return Outbox.send().then(function (outcome) {
        lastOutcome = outcome;
        if (outcome === "sent" && window.htmx && document.getElementById("queue")) {
          var queue = document.getElementById("queue");
          window.htmx.ajax("GET", queue.getAttribute("hx-get").split("?")[0], { target: "#queue", swap: "outerHTML" });
        }
        return refresh();
      });
    });
  }

  // What the page shows ----------------------------------------------------------------

  function refresh() {
    return Outbox.all().then(function (actions) {
      var mine = actions.filter(function (action) { return action.user === user; });
      var pending = mine.filter(function (action) { return action.state === "pending"; });
      showBanner(pending.length);
      showRefused(mine.filter(function (action) { return action.state === "refused"; }));
      showNumbered(mine.filter(function (action) { return action.state === "numbered"; }));
      if (section) {
        showVisits(mine.filter(function (action) { return action.stop === stop; }));
      }
      document.querySelectorAll("[data-offline-only]").forEach(function (node) {
        node.hidden = navigator.onLine;
      });
    });
  }

  var said = "";
  function showBanner(count) {
    var text = "";
    var kind = "alert-warning";
    if (!navigator.onLine) {
      text = fill(texts.offline, { count: count });
    } else if (count && lastOutcome === "login") {
      text = fill(texts.login, { count: count });
    } else if (count) {
      text = fill(texts.sending, { count: count });
    } else if (hadPending) {
      text = texts.sent;
      kind = "alert-success";
    }
    hadPending = hadPending || count > 0;
    if (text === said) {
      return; // a live region is told only what changed
    }
    said = text;
    banner.replaceChildren();
    if (text) {
      banner.append(element("p", "alert mb-3 " + kind, text));
    }
  }

  function showRefused(refused) {
    var box = document.getElementById("offline-refused");
    var list = box.querySelector("ul");
    box.hidden = !refused.length;
    list.replaceChildren.apply(list, refused.map(function (action) {
      var item = element("li", "mb-3");
      var what = element("p", "mb-1");
      what.append(element("strong", "", action.label + " – " + texts.kinds[action.type]), " : " + action.message);
      item.append(what);
      if (action.advice) {
        item.append(element("p", "mb-1", action.advice));
      }
      var dismiss = element("button", "btn btn-sm btn-outline-dark", texts.dismiss);
      dismiss.type = "button";
      dismiss.append(element("span", "visually-hidden", " : " + action.label + " – " + texts.kinds[action.type]));
      dismiss.addEventListener("click", function () {
        Outbox.remove(action.key).then(refresh).then(function () {
          (box.hidden ? document.getElementById("contenu") : box.querySelector("h2")).focus();
        });
      });
      item.append(dismiss);
      return item;
    }));
    box.querySelector("h2").tabIndex = -1;
  }

  // This computer's visitors, as its outbox leaves them.
  function localVisits(actions) {
    var visits = new Map();
    actions.forEach(function (action) {
      if (action.state !== "pending") {
        return;
      }
      var ref = action.type === "register" ? action.key : action.visit;
      var visit = visits.get(ref) || { ref: ref, label: action.label, reasons: action.reasons || [] };
      if (action.type === "register") {
        var payload = action.payload;
        visit.reasons = [payload.reason_1, payload.reason_2, payload.reason_3].filter(Boolean);
      }
      visit.status = AFTER[action.type](action.payload);
      visit.since = action.client_time;
      visits.set(ref, visit);
    });
    return Array.from(visits.values());
  }

  function showVisits(actions) {
    var visits = localVisits(actions);
    var list = section.querySelector(".offline-list");
    section.hidden = !visits.length && !document.getElementById("offline-given").textContent;
    list.replaceChildren.apply(list, visits.map(function (visit) {
      var item = element("li", "offline-visit d-flex flex-wrap align-items-center gap-2 mb-2");
      item.append(element("strong", "", visit.label), " " + texts.statuses[visit.status]);
      var buttons = element("div", "queue-actions");
      (NEXT[visit.status] || []).forEach(function (type) {
        var button = element("button", "btn btn-sm btn-outline-primary", texts.buttons[type]);
        button.type = "button";
        button.append(element("span", "visually-hidden", " – " + visit.label));
        button.addEventListener("click", function () { act(visit, type); });
        buttons.append(button);
      });
      item.append(buttons);
      return item;
    }));
  }

  // The visitors given a provisional ticket offline, and their final number: said once, in place
  // of what was said when the ticket was given.
  function showNumbered(actions) {
    if (!actions.length) {
      return;
    }
    var given = document.getElementById("offline-given");
    given.replaceChildren.apply(given, actions.map(function (action) {
      return element("p", "alert alert-success", action.message);
    }));
    actions.forEach(function (action) { Outbox.remove(action.key); });
  }

  function say(text) {
    var given = document.getElementById("offline-given");
    given.replaceChildren(element("p", "alert alert-info", text));
  }

  // The agent acts offline ---------------------------------------------------------------

  function act(visit, type) {
    if (type === "finish_deblayage" || type === "finish_accompagnement") {
      return openStep(visit, type);
    }
    record({ type: type, visit: visit.ref, label: visit.label }).then(function () {
      say(fill(texts.recorded, { ticket: visit.label, step: texts.kinds[type] }));
    });
  }

  function openStep(visit, type) {
    var template = document.getElementById(type === "finish_deblayage" ? "offline-deblayage" : "offline-accompagnement");
    var place = document.getElementById("offline-step");
    place.replaceChildren(template.content.cloneNode(true));
    var form = place.querySelector("form");
    form.querySelector("[data-label]").textContent = visit.label;
    if (type === "finish_accompagnement") {
      visit.reasons.forEach(function (reason, row) {
        var select = form.querySelector("[name='demandes-" + row + "-reason']");
        if (select) {
          select.value = reason;
        }
      });
      var minutes = Math.round((Date.now() - new Date(visit.since).getTime()) / 60000);
      form.querySelector("[name='minutes']").value = String(Math.max(1, minutes));
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var payload = Object.fromEntries(new FormData(form, event.submitter));
      record({ type: type, visit: visit.ref, label: visit.label, payload: payload }).then(function () {
        place.replaceChildren();
        say(fill(texts.recorded, { ticket: visit.label, step: texts.kinds[type] }));
      });
    });
    form.querySelector("h4").focus();
  }

  function register(form) {
    var payload = Object.fromEntries(new FormData(form));
    ["csrfmiddlewaretoken", "idempotency_key", "another_ticket"].forEach(function (name) { delete payload[name]; });
    if (!payload.reason_1) {
      say(texts.missing_reason);
      return form.elements.reason_1.focus();
    }
    if (payload.handled_here === "0" && !payload.orientation_target) {
      say(texts.missing_target);
      return form.elements.orientation_target.focus();
    }
    var ticket = provisionalTicket();
    payload.provisional_ticket = ticket;
    record({ type: "register", label: ticket, payload: payload }).then(function () {
      form.reset();
      say(fill(texts.given, { ticket: ticket }));
    });
  }

  // Offline, the queue's forms go to the outbox; online they post as always.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("[data-logout]")) {
      return leave(event, form);
    }
    if (navigator.onLine || !form.matches("[data-offline]")) {
      return;
    }
    event.preventDefault();
    if (form.dataset.queue) {
      return finishOnItsPage(form, event.submitter);
    }
    if (form.dataset.offline === "register") {
      return register(form);
    }
    var type = form.dataset.offline;
    // What the visitor came for, as the server knows it: the accompaniment finished offline starts
    // from it rather than from nothing, which would replace it.
    var reasons = (form.dataset.reasons || "").split(" ").filter(Boolean);
    record({ type: type, visit: form.dataset.visit, label: form.dataset.label, reasons: reasons }).then(function () {
      say(fill(texts.recorded, { ticket: form.dataset.label, step: texts.kinds[type] }));
    });
  });

  // A step's own page (déblayage, accompaniment) kept from before the cut: its form goes to the
  // outbox, without the follow-up contact, and the agent is back on the queue's page.
  function finishOnItsPage(form, submitter) {
    var payload = Object.fromEntries(new FormData(form, submitter));
    Object.keys(payload).forEach(function (name) {
      if (name === "csrfmiddlewaretoken" || name.indexOf("follow_up") === 0) {
        delete payload[name];
      }
    });
    var action = { type: form.dataset.offline, visit: form.dataset.visit, label: form.dataset.label };
    action.stop = form.dataset.stop;
    action.payload = payload;
    record(action).then(function () { location.assign(form.dataset.queue); });
  }

  // Logging out: the outbox is emptied only once sent; with actions still waiting, the agent
  // is told and may stay. Once empty, the pages kept for offline use are forgotten.
  var leaving = false;
  function leave(event, form) {
    if (leaving) {
      return;
    }
    event.preventDefault();
    var warning = document.getElementById("offline-logout");
    Outbox.pending(user).then(function (pending) {
      if (pending.length && warning.hidden) {
        warning.querySelector("p").textContent = fill(texts.logout, { count: pending.length });
        warning.hidden = false;
        warning.querySelector("p").focus();
        warning.querySelector("[data-stay]").onclick = function () { warning.hidden = true; };
        warning.querySelector("[data-leave]").onclick = function () { logOut(form, pending.length); };
        return;
      }
      logOut(form, pending.length);
    });
  }

  function logOut(form, pending) {
    leaving = true;
    var forget = pending ? Promise.resolve() : window.caches ? caches.delete(PAGES) : Promise.resolve();
    forget.then(function () { return Outbox.setMeta("user", null); }).finally(function () { form.submit(); });
  }

  // Starting -----------------------------------------------------------------------------

  if (navigator.serviceWorker) {
    var first = !navigator.serviceWorker.controller;
    navigator.serviceWorker.register(root.dataset.worker).then(function () {
      // The first page shown before the worker was there: kept now, to be found offline.
      if (first && navigator.onLine && window.caches) {
        caches.open(PAGES).then(function (cache) { return cache.add(location.pathname); }).catch(function () {});
      }
    }).catch(function () {});
    navigator.serviceWorker.addEventListener("message", refresh);
  }
  window.addEventListener("online", send);
  window.addEventListener("offline", refresh);
  setInterval(send, 30000);
  remember().then(send);
  askForLetter();
})();
