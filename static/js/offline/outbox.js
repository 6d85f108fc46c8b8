// The outbox: what an agent did while the computer had no connection, kept in IndexedDB until the
// server has it. Used by the agents' pages (page.js) and by the service worker (sw.js), which
// sends it when the connection comes back (Background Sync) even with no page open.
//
// An action: {key, seq, user, type, stop, visit, label, payload, client_time, device, state,
// message, advice}. `key` is made when the agent acts; the server does each key once
// (visits/offline.py), so sending an action again is harmless.
(function (scope) {
  "use strict";
  var DATABASE = "mairie-mobile-outbox";

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DATABASE, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore("actions", { keyPath: "key" });
        request.result.createObjectStore("meta");
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  // One transaction on `store`; `work` receives the object store and returns a request or nothing.
  function run(store, mode, work) {
    return open().then(function (database) {
      return new Promise(function (resolve, reject) {
        var transaction = database.transaction(store, mode);
        var request = work(transaction.objectStore(store));
        transaction.oncomplete = function () {
          database.close();
          resolve(request ? request.result : undefined);
        };
        transaction.onerror = function () { reject(transaction.error); };
      });
    });
  }

  function all() {
    return run("actions", "readonly", function (store) { return store.getAll(); }).then(function (actions) {
      return actions.sort(function (a, b) { return a.seq - b.seq; });
    });
  }

  var Outbox = {
    all: all,
    put: function (action) {
      return run("actions", "readwrite", function (store) { store.put(action); });
    },
    remove: function (key) {
      return run("actions", "readwrite", function (store) { store.delete(key); });
    },
    getMeta: function (name) {
      return run("meta", "readonly", function (store) { return store.get(name); });
    },
    setMeta: function (name, value) {
      return run("meta", "readwrite", function (store) { store.put(value, name); });
    },
    // The actions of `user` still to send, in the order they were made.
    pending: function (user) {
      return all().then(function (actions) {
        return actions.filter(function (action) { return action.state === "pending" && action.user === user; });
      });
    },
  };

  // Send the pending actions of the agent logged in, one after the other, in order. Stops at the
  // first one that could not reach the server (still offline, logged out): the rest wait.
  // Resolves to "sent", "offline" or "login".
  var sending = null;
  Outbox.send = function () {
    sending = sending || sendAll().finally(function () { sending = null; });
    return sending;
  };

  function sendAll() {
    return Promise.all([Outbox.getMeta("user"), Outbox.getMeta("csrf"), Outbox.getMeta("url")]).then(function (meta) {
      if (!meta[0] || !meta[2]) {
        return "login";
      }
      return Outbox.pending(meta[0]).then(function (actions) {
        return actions.reduce(function (previous, action) {
          return previous.then(function (outcome) {
            return outcome === "sent" ? sendOne(action, meta[1], meta[2]) : outcome;
          });
        }, Promise.resolve("sent"));
      });
    });
  }

  function sendOne(action, csrf, url) {
    var body = {
      key: action.key, type: action.type, stop: action.stop, visit: action.visit,
      payload: action.payload, client_time: action.client_time, device: action.device,
    };
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf || "" },
      body: JSON.stringify(body),
    }).then(function (response) {
      if (response.type === "opaqueredirect" || response.status === 403) {
        return "login"; // the session ended, or its CSRF token changed: a page load renews it
      }
      if (response.status >= 500) {
        return "offline";
      }
      return response.json().then(function (result) {
        if (response.ok && result.provisional_ticket) {
          // The agent is told the visitor's final number (« A-1 est devenu le n° 17 ») once.
          action.state = "numbered";
          action.message = result.message;
          return Outbox.put(action).then(function () { return "sent"; });
        }
        if (response.ok) {
          return Outbox.remove(action.key).then(function () { return "sent"; });
        }
        // Refused: kept, with the server's words, until the agent has read them.
        action.state = "refused";
        action.message = result.message;
        action.advice = result.advice;
        return Outbox.put(action).then(function () { return "sent"; });
      });
    }, function () {
      return "offline";
    });
  }

  scope.Outbox = Outbox;
})(self);
