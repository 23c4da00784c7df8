// Small enhancements of the section form; every page works without them, and without JavaScript at all.
(function () {
  "use strict";

  // 1. Autosave guard. The form posts itself on every change and morphs the answer in. Saves are queued one at a
  // time (hx-sync "queue last"), so the answer to an earlier save can arrive after the caseworker has changed more
  // fields. Morphing that answer in would put older values back on screen, and the next save would send them. So an
  // answer is shown only when nothing has changed since its request was made: the later request, already queued,
  // carries the newer answers, and its answer is shown instead.
  let changes = 0;
  // Capture phase: counted before htmx (listening on the form) turns the same change into a request.
  document.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest("#section-form")) changes += 1;
  }, true);
  document.addEventListener("htmx:config:request", function (event) {
    const ctx = event.detail.ctx;
    ctx.changesSeen = changes;
    const source = ctx.sourceElement;
    ctx.rowAction = source && source.name === "_action" ? source.value : "";
  });

  // 2. Focus after adding or removing a repeat row (the button pressed may be gone): an added row's first field, or
  // after a removal the group's "Legg til" button, so keyboard and screen-reader users stay where they were working.
  let focusAfterSwap = "";
  document.addEventListener("htmx:before:swap", function (event) {
    const ctx = event.detail.ctx;
    if (ctx.changesSeen !== undefined && ctx.changesSeen !== changes) {
      event.preventDefault();
      return;
    }
    focusAfterSwap = ctx.rowAction || "";
  });
  document.addEventListener("htmx:after:settle", function () {
    const action = focusAfterSwap;
    focusAfterSwap = "";
    const match = /^(add|remove):([\w.]+)/.exec(action);
    if (!match) return;
    const group = document.getElementById("f-" + match[2].replace(/\./g, "-"));
    if (!group) return;
    let target = null;
    if (match[1] === "add") {
      const rows = group.querySelectorAll("fieldset.repeat-row");
      const last = rows[rows.length - 1];
      target = last && last.querySelector("input, select, textarea");
    }
    target = target || group.querySelector('button[value^="add:"]') || group.querySelector("input, select, textarea");
    if (target) target.focus();
  });

  // 3. Where focus goes when a page opens: the question an "Endre" link on the check page points to; else, when the
  // page has errors (after "Lagre og fortsett", or a failed login), the error summary, so it is read out first and its
  // links are the next Tab stops (GOV.UK's error summary pattern).
  function focusField(id) {
    const target = id && document.getElementById(id);
    if (!target) return false;
    // A group of radios or checkboxes has its id on the fieldset: focus its first choice.
    const field = target.matches("fieldset") ? target.querySelector("input, select, textarea") : target;
    (field || target).focus();
    target.scrollIntoView({block: "center"});
    return true;
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (focusField(decodeURIComponent(location.hash.slice(1)))) return;
    const summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
  });
  // The summary's links lead to the field itself, also for a group of radios or checkboxes.
  document.addEventListener("click", function (event) {
    const link = event.target.closest && event.target.closest(".error-summary a[href^='#']");
    if (link && focusField(decodeURIComponent(link.hash.slice(1)))) event.preventDefault();
  });
})();
