// The desk's drop zone: choosing or dropping a file imports it at once (one action), so its button is not needed.
(function () {
  "use strict";
  document.querySelectorAll("input[type=file][data-submit-on-choose]").forEach(function (input) {
    var form = input.form;
    var zone = input.closest(".drop-zone");
    var button = form.querySelector(".quick-import-submit");
    if (button) { button.hidden = true; }
    input.addEventListener("change", function () {
      if (input.files.length) {
        zone.classList.add("is-busy");
        form.submit();
      }
    });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.add("is-over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("is-over"); });
    });
  });
})();
