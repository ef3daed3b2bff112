// Keeps this editor's lock on the article fresh while the change page is open (same origin, no third party).
(function () {
  "use strict";
  var box = document.getElementById("edit-lock");
  if (!box) { return; }
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");
  function beat() {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", token ? token.value : "");
    fetch(box.dataset.lockUrl, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && !data.mine) {
          box.className = "errornote edit-lock-other";
          box.textContent = box.dataset.takenMessage.replace("{USER}", data.holder);
        }
      })
      .catch(function () { /* offline for a moment: the next beat tries again */ });
  }
  window.setInterval(beat, 60000);
})();
