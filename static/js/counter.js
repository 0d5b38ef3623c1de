// A "123/2000" counter under every text box with a length limit (maxlength). The limit
// itself is enforced by the server; this only shows how much room is left.
(function () {
  document.querySelectorAll("textarea[maxlength]").forEach(function (box) {
    var limit = parseInt(box.getAttribute("maxlength"), 10);
    var counter = document.createElement("small");
    counter.className = "counter";
    counter.setAttribute("aria-live", "polite");
    function update() {
      counter.textContent = box.value.length + "/" + limit;
      counter.classList.toggle("over", box.value.length > limit * 0.9);
    }
    box.addEventListener("input", update);
    box.insertAdjacentElement("afterend", counter);
    update();
  });
})();
