// Decoded: registers the worker that solves the registration form's proof of work (ALTCHA).
// ALTCHA's "external" build bundles no workers (the default build starts them from blob: URLs,
// which our Content Security Policy refuses), so the PBKDF2 worker is loaded from our own
// static files. Loaded right after vendor/altcha/altcha.min.js, before anyone can start a check.
(function () {
  "use strict";
  var script = document.currentScript;
  var workerUrl = script && script.getAttribute("data-worker-url");
  if (!workerUrl || !globalThis.$altcha) { return; }
  globalThis.$altcha.algorithms.set("PBKDF2/SHA-256", function () {
    return new Worker(workerUrl);
  });
})();
