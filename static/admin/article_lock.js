// While the change page is open: keep this editor's lock fresh, tell them within one heartbeat when another
// editor has taken the article over, and list who else has it open. Same origin only, no third party.
(function () {
  "use strict";
  var box = document.getElementById("edit-lock");
  if (!box) { return; }
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");
  var seconds = parseInt(box.dataset.heartbeatSeconds, 10) || 10;
  var message = box.querySelector(".edit-lock-message");
  var presence = box.querySelector(".edit-presence");
  var names = box.querySelector(".edit-presence-names");

  function form(extra) {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", token ? token.value : "");
    if (extra) { body.append(extra, "1"); }
    return body;
  }

  function showOthers(others) {
    names.textContent = "";
    others.forEach(function (name, index) {
      if (index) { names.appendChild(document.createTextNode(box.dataset.separator || ", ")); }
      var isolated = document.createElement("bdi");
      isolated.textContent = name;
      names.appendChild(isolated);
    });
    presence.hidden = others.length === 0;
  }

  function beat() {
    fetch(box.dataset.lockUrl, { method: "POST", body: form(), credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        if (box.dataset.holding && !data.mine) {
          box.classList.add("errornote", "edit-lock-other");
          message.textContent = box.dataset.takenMessage.replace("{USER}", data.holder);
        }
        showOthers(data.others || []);
      })
      .catch(function () { /* offline for a moment: the next beat tries again */ });
  }

  window.setInterval(beat, seconds * 1000);
  // Leaving the page takes this editor off the list others see (the lock itself lapses or is released on save).
  window.addEventListener("pagehide", function () {
    navigator.sendBeacon(box.dataset.lockUrl, form("leave"));
  });
})();
