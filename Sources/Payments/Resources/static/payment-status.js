// Follows a payment until the bank has answered: polls its state and reloads the page when it changes.
(function () {
  var section = document.getElementById("payment");
  if (!section) return;
  var id = section.getAttribute("data-intent");
  var shown = section.getAttribute("data-state");
  var live = ["created", "started", "submitted"];
  if (live.indexOf(shown) < 0) return;
  var timer = setInterval(function () {
    fetch("/api/v1/payments/intents/" + id, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (intent) {
        if (intent && intent.state !== shown) { clearInterval(timer); window.location.reload(); }
      })
      .catch(function () {});
  }, 1500);
})();
