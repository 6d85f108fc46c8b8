{% load static %}// The agents' service worker, served from /agents/ (visits.views.offline.service_worker) so that
// it acts on the agents' pages only. It keeps those pages and the files they use, to show them
// without connection, and sends the outbox when the connection is back, even with no page open.
"use strict";
importScripts("{% static 'js/offline/outbox.js' %}");

var PAGES = "agents-pages";
var FILES = "agents-static";
// What every agent's page needs, kept at once: the first page may be shown before the worker runs.
var NEEDED = [
  "{% static 'vendor/bootstrap-5.3.9/bootstrap.min.css' %}",
  "{% static 'css/mairie-mobile.css' %}",
  "{% static 'vendor/htmx-2.0.11/htmx.min.js' %}",
  "{% static 'js/offline/outbox.js' %}",
  "{% static 'js/offline/page.js' %}",
];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(FILES).then(function (cache) { return cache.addAll(NEEDED); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  if (url.pathname.startsWith("{% get_static_prefix %}")) {
    event.respondWith(fromCacheFirst(request));
  } else if (request.mode === "navigate" && url.pathname.startsWith("{% url 'agents:home' %}")) {
    event.respondWith(fromNetworkFirst(request));
  }
});

// Static files change name when they change: the cached copy is always right.
function fromCacheFirst(request) {
  return caches.open(FILES).then(function (cache) {
    return cache.match(request).then(function (found) {
      return found || fetch(request).then(function (response) {
        if (response.ok) {
          cache.put(request, response.clone());
        }
        return response;
      });
    });
  });
}

// A page: the server's when it answers, else the last one kept (the queue then says how old it
// is). Its Vary (Cookie, Accept-Language) is set aside: the computer has one agent at a time.
function fromNetworkFirst(request) {
  return caches.open(PAGES).then(function (cache) {
    return fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        cache.put(request, response.clone());
      }
      return response;
    }, function () {
      return cache.match(request, { ignoreSearch: true, ignoreVary: true }).then(function (found) {
        return found || Response.error();
      });
    });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag !== "outbox") {
    return;
  }
  event.waitUntil(self.Outbox.send().then(function (outcome) {
    return self.clients.matchAll().then(function (pages) {
      pages.forEach(function (page) { page.postMessage("outbox"); });
      if (outcome === "offline") {
        throw new Error("still offline: the browser will try again");
      }
    });
  }));
});
