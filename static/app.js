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
  // 4. A character count under each long text field (GOV.UK's character count): how many characters are left, or
  // how many too many, as the caseworker types; the server's count (the page as made) says the same in characters
  // (code points, line breaks as one). A screen reader hears it once typing pauses, not on every key.
  const countOf = function (field) {
    return document.getElementById(field.id + "-count");
  };
  const liveCount = document.createElement("p");
  liveCount.className = "sr-only";
  liveCount.setAttribute("aria-live", "polite");
  let liveTimer = 0;
  const updateCount = function (field, announce) {
    const count = countOf(field);
    if (!count) return;
    const max = Number(field.dataset.maxLength);
    const used = Array.from(field.value.replace(/^[\r\n ]+|[\r\n ]+$/g, "")).length;
    const over = used > max;
    const text = (over ? count.dataset.over : count.dataset.left).replace("{n}", String(Math.abs(max - used)));
    count.textContent = text;
    count.classList.toggle("over", over);
    if (announce) {
      clearTimeout(liveTimer);
      liveTimer = setTimeout(function () { liveCount.textContent = text; }, 1000);
    }
  };
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-max-length]")) updateCount(event.target, true);
  });
  // An autosave's answer is morphed in with the count as saved: count what is in the field now.
  const updateAll = function () {
    document.querySelectorAll("textarea[data-max-length]").forEach(function (field) { updateCount(field, false); });
  };
  document.addEventListener("htmx:after:settle", updateAll);
  document.addEventListener("DOMContentLoaded", function () {
    document.body.appendChild(liveCount);
    updateAll();
  });

  // 5. The login's time limit (WCAG 2.2.1, "Timing Adjustable"). The server ends a login after 30 minutes without a
  // request; a form that saves nothing until it is sent (the plan, a referral) can hold more than that of typing. So:
  // typing keeps the login (at most one request per five minutes), and two minutes before the end a dialog offers to
  // go on. If the login has ended anyway (a closed laptop), the dialog says so, and what is on the page stays there to
  // be copied. Every htmx request (an autosave) already counts as use on the server.
  const body = document.body;
  const dialog = document.getElementById("session-warning");
  if (dialog && body.dataset.sessionLeft) {
    const WARN_MS = 2 * 60 * 1000;
    const KEEP_ALIVE_MS = 5 * 60 * 1000;
    const idleMs = Number(body.dataset.sessionIdle) * 1000;
    const end = Date.now() + Number(body.dataset.sessionEnd) * 1000;  // the absolute limit: no use moves it
    let deadline = Date.now() + Number(body.dataset.sessionLeft) * 1000;
    let lastUse = Date.now();
    let warnTimer = 0;
    let endTimer = 0;
    const show = function (state) {
      dialog.querySelector('[data-state="warning"]').hidden = state !== "warning";
      dialog.querySelector('[data-state="expired"]').hidden = state !== "expired";
      if (!dialog.open) dialog.showModal();
      const first = dialog.querySelector('[data-state="' + state + '"] .button');
      if (first) first.focus();
    };
    const schedule = function () {
      clearTimeout(warnTimer);
      clearTimeout(endTimer);
      warnTimer = setTimeout(function () { show("warning"); }, Math.max(0, deadline - Date.now() - WARN_MS));
      endTimer = setTimeout(function () { show("expired"); }, Math.max(0, deadline - Date.now()));
    };
    const used = function (secondsLeft) {
      lastUse = Date.now();
      deadline = Date.now() + secondsLeft * 1000;
      schedule();
    };
    const extend = function () {
      lastUse = Date.now();
      return fetch("/session/extend", {method: "POST", credentials: "same-origin",
                                       headers: {"X-CSRF-Token": body.dataset.csrf, "Accept": "application/json"}})
        .then(function (response) {
          if (response.status === 401) {  // the login has ended: say so
            deadline = Date.now();
            show("expired");
            return;
          }
          if (!response.ok) return;  // the server could not answer now: the timers stand, the dialog stays
          return response.json().then(function (data) {
            used(data.seconds_left);
            if (dialog.open && Date.now() < deadline - WARN_MS) dialog.close();
          });
        })
        .catch(function () {});  // no network: the timers stand (the warning shows in time, or already does)
    };
    dialog.querySelector("[data-extend]").addEventListener("click", extend);
    dialog.querySelector("[data-close]").addEventListener("click", function () { dialog.close(); });
    document.addEventListener("input", function () {
      if (Date.now() < deadline && Date.now() - lastUse > KEEP_ALIVE_MS) extend();
    });
    document.addEventListener("htmx:after:request", function () {
      used(Math.min(idleMs, end - Date.now()) / 1000);
    });
    schedule();
  }
})();
