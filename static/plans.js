// The plan builder (templates/plans/): decisions are posted by htmx and swap one card. The button pressed is gone
// with the old card, so focus goes where the answer marks it (data-focus): the first field with an error in that card,
// else its heading; the status line beside it (#plan-announce) says what was done and what is left.
(function () {
  "use strict";
  document.addEventListener("htmx:after:settle", function () {
    const marked = document.querySelector("[data-focus]");
    if (!marked) return;
    marked.removeAttribute("data-focus");
    const card = marked.closest(".plan-element");
    const invalid = card && card.querySelector("[aria-invalid='true']");
    const target = invalid || marked;
    target.focus();
    if (invalid) {
      const open = invalid.closest("details");
      if (open) open.open = true;
    }
  });
})();
