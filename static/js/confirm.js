// Confirmation in the browser's dialog for buttons (or forms) with data-confirm. Without
// JavaScript the server asks on a page of its own (tthc_scoring/confirmation.py); with it,
// agreeing adds confirmed=1 so that page is skipped, and cancelling sends nothing.
(function () {
  function mark(form) {
    var field = form.querySelector('input[name="confirmed"]');
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "confirmed";
      form.appendChild(field);
    }
    field.value = "1";
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm]");
    if (!button || !button.form) return;
    if (!window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
      return;
    }
    mark(button.form);
  });
})();
