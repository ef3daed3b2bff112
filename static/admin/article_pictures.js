// The article's pictures in its change form (articles/admin.py CaptionInline): drop picture files on the section (or
// choose them) and each becomes a new row with its file; a click on a picture sets its focal point, which the
// teaser crops keep in view. Every new row gets its own key, so the body editor can place it before it is saved.
(function () {
  "use strict";
  var group = document.getElementById("captions-group");
  if (!group) { return; }
  var words = group.closest(".picture-section").dataset;
  var pending = [];

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function field(row, suffix) { return row.querySelector("[name$='-" + suffix + "']:not([name^='initial-'])"); }

  function rows() { return Array.prototype.slice.call(group.querySelectorAll(".inline-related:not(.empty-form)")); }

  // --- focal point: a click on the picture, kept in the row's hidden fields --------------------------------------
  function placeMarker(picker, x, y) {
    var marker = picker.querySelector(".focal-marker");
    marker.style.setProperty("--focal-x", x);
    marker.style.setProperty("--focal-y", y);
    picker.classList.add("has-focus");
  }

  function wireFocalPicker(picker, row) {
    var x = parseFloat(picker.dataset.focalX || "0.5");
    var y = parseFloat(picker.dataset.focalY || "0.5");
    placeMarker(picker, x, y);
    picker.addEventListener("click", function (event) {
      var box = picker.querySelector("img").getBoundingClientRect();
      var fx = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
      var fy = Math.min(1, Math.max(0, (event.clientY - box.top) / box.height));
      fx = Math.round(fx * 1000) / 1000;
      fy = Math.round(fy * 1000) / 1000;
      field(row, "focal_x").value = fx;
      field(row, "focal_y").value = fy;
      placeMarker(picker, fx, fy);
      picker.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  function focalPicker(src) {
    var picker = document.createElement("span");
    picker.className = "focal-picker picture-upload-preview";
    picker.title = words.focalHint || "";
    var image = document.createElement("img");
    image.src = src;
    image.alt = "";
    image.className = "caption-thumbnail";
    var marker = document.createElement("span");
    marker.className = "focal-marker";
    marker.setAttribute("aria-hidden", "true");
    picker.appendChild(image);
    picker.appendChild(marker);
    return picker;
  }

  // --- an uploaded file: shown at once, so its focal point can be set before saving -----------------------------
  function showUpload(row, input) {
    var old = row.querySelector(".picture-upload-preview");
    if (old) { old.remove(); }
    if (!input.files.length) { return; }
    var picker = focalPicker(URL.createObjectURL(input.files[0]));
    input.closest(".form-row, .fieldBox, div").appendChild(picker);
    wireFocalPicker(picker, row);
    row.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function prepareRow(row) {
    var key = field(row, "key");
    var upload = field(row, "upload");
    if (upload && !upload.dataset.wired) {
      upload.dataset.wired = "1";
      upload.addEventListener("change", function () { showUpload(row, upload); });
    }
    var picker = row.querySelector(".focal-picker");
    if (picker && !picker.dataset.wired) {
      picker.dataset.wired = "1";
      wireFocalPicker(picker, row);
    }
    return key;
  }

  // --- a new row: its own key, the lead picture if there is none, and the dropped file if any ---------------------
  document.addEventListener("formset:added", function (event) {
    if (!event.detail || event.detail.formsetName !== "captions") { return; }
    var row = event.target;
    var key = prepareRow(row);
    if (key) { key.value = newKey(); }
    var hasLead = rows().some(function (other) {
      var placement = field(other, "placement");
      return other !== row && placement && placement.value === "lead";
    });
    var placement = field(row, "placement");
    if (placement && !hasLead) { placement.value = "lead"; }
    var position = field(row, "position");
    if (position) { position.value = rows().indexOf(row); }
    var file = pending.shift();
    var upload = field(row, "upload");
    if (file && upload) {
      var transfer = new DataTransfer();
      transfer.items.add(file);
      upload.files = transfer.files;
      showUpload(row, upload);
    }
  });

  function addRows(files) {
    var add = group.querySelector(".add-row a");
    Array.prototype.forEach.call(files, function (file) {
      if (!/^image\//.test(file.type)) { return; }
      pending.push(file);
      add.click();
    });
  }

  // --- the drop zone at the top of the section ----------------------------------------------------------------
  var heading = group.querySelector("h2");
  var zone = document.createElement("label");
  zone.className = "drop-zone picture-drop";
  var text = document.createElement("span");
  text.className = "drop-zone-text";
  text.textContent = words.dropLabel || "";
  var input = document.createElement("input");
  input.type = "file";
  input.multiple = true;
  input.accept = "image/jpeg,image/png,image/webp,image/gif";
  zone.appendChild(text);
  zone.appendChild(input);
  heading.after(zone);
  input.addEventListener("change", function () {
    addRows(input.files);
    input.value = "";
  });
  ["dragenter", "dragover"].forEach(function (name) {
    group.addEventListener(name, function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") !== -1) {
        event.preventDefault();
        zone.classList.add("is-over");
      }
    });
  });
  group.addEventListener("dragleave", function () { zone.classList.remove("is-over"); });
  group.addEventListener("drop", function (event) {
    if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
    event.preventDefault();
    zone.classList.remove("is-over");
    addRows(event.dataTransfer.files);
  });

  rows().forEach(prepareRow);
})();
