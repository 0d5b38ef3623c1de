// "Select all" on the board: ticks every approvable row of a table. The page works without
// it (the "approve all on this page" button posts the same rows).
(function () {
  document.querySelectorAll("table.board").forEach(function (table) {
    var all = table.querySelector("input.select-all");
    if (!all) return;
    all.hidden = false;
    var boxes = table.querySelectorAll('tbody input[name="cards"]');
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
    });
  });
})();
