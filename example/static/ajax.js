// The /ajax/echo/ page's script. It sets no CSRF header itself: /static/csrfx.js, loaded
// before it, adds X-CSRFToken to every same-origin request that changes state (the
// tutorial's $.ajaxSetup({beforeSend: ...}) snippet, without jQuery).
(function () {
  "use strict";
  var form = document.getElementById("echo-form");
  var result = document.getElementById("result");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch("/ajax/echo/", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ message: document.getElementById("message").value })
    })
      .then(function (response) {
        return response.text().then(function (text) {
          result.textContent = response.status + " " + text;
        });
      })
      .catch(function (err) {
        result.textContent = "request failed: " + err;
      });
  });
})();
