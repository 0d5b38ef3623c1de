// Running total and band while a unit types its self-scores. The page works without it:
// the server computes the same total and band on save.
(function () {
  "use strict";
  var form = document.getElementById("scorecard-form");
  var bandsNode = document.getElementById("bands");
  if (!form || !bandsNode) return;
  var bands = JSON.parse(bandsNode.textContent);
  var totalNode = document.getElementById("running-total");
  var bandNode = document.getElementById("running-band");
  if (!totalNode || !bandNode) return; // read-only: nothing to total

  function classify(total) {
    var best = null;
    bands.forEach(function (band) {
      var bound = parseFloat(band.lower_bound);
      if (total >= bound && (best === null || bound > parseFloat(best.lower_bound))) best = band;
    });
    return best ? best.label : "";
  }

  function update() {
    var total = 0, any = false;
    form.querySelectorAll("[name^='points_']").forEach(function (input) {
      var value = parseFloat(String(input.value).replace(",", "."));
      if (!isNaN(value)) { total += value; any = true; }
    });
    total = Math.round(total * 100) / 100;
    totalNode.textContent = String(total).replace(".", ",");
    bandNode.textContent = any ? classify(total) : "";
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update(); // anything chosen before this script ran (it loads deferred) counts too
})();
