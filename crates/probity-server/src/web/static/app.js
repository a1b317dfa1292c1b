// Probity workbench: the one script. Ticks every alert row from the header checkbox.
document.addEventListener("DOMContentLoaded", function () {
  var all = document.getElementById("select-all");
  if (!all) { return; }
  all.addEventListener("change", function () {
    document.querySelectorAll("input.select-alert").forEach(function (box) {
      box.checked = all.checked;
    });
  });
});
