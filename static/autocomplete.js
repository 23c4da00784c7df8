// The long language lists (about 600 entries) as GOV.UK's accessible autocomplete (npm accessible-autocomplete,
// served from our own origin): type part of a name, choose with the arrow keys and Enter. It enhances a plain
// <select data-autocomplete>, which stays what is posted, and what is used without JavaScript.
//
// As GOV.UK's enhanceSelectElement does, the text field takes the select's id (so its <label>, the error summary's
// links and the check page's "Endre" lead to it) and the hidden select gets "-select" added. The section form's
// autosave morphs the server's answer into the page (htmx 4, outerMorph), and the server's answer holds the plain
// select: so just before a swap every enhanced select is put back as the server made it (the morph then updates it
// like any field, also when repeat rows move), and right after it is enhanced again, focus and typing kept.
(function () {
  "use strict";

  const HOST = "autocomplete-host";

  function texts(select) {
    const d = select.dataset;
    return {
      noResults: d.acNoResults || "No results",
      hint: d.acHint || "",
      results: d.acResults || "{n}",
      selected: d.acSelected || "{option}",
    };
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  }

  // The choices of a select, each code once, in the select's order (the common languages first), without the empty one.
  function choices(select) {
    const seen = new Set();
    const out = [];
    for (const option of select.options) {
      if (!option.value || seen.has(option.value)) continue;
      seen.add(option.value);
      out.push({code: option.value, text: (option.textContent || "").trim()});
    }
    return out;
  }

  // Names that start with what is typed first, then those with a word that does, then the rest that hold it; a
  // code typed in full ("ti") finds its language too.
  function search(all) {
    return function (query, populate) {
      const q = query.trim().toLocaleLowerCase();
      if (!q) { populate(all); return; }
      const ranked = [];
      all.forEach(function (choice, i) {
        const name = choice.text.toLocaleLowerCase();
        const at = name.indexOf(q);
        let rank = -1;
        if (at === 0 || choice.code === q) rank = 0;
        else if (at > 0 && /[\s(\-–\/]/.test(name[at - 1])) rank = 1;
        else if (at > 0) rank = 2;
        if (rank >= 0) ranked.push([rank, i, choice]);
      });
      ranked.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      populate(ranked.map(r => r[2]));
    };
  }

  // The select's own description (hint, error) kept on the text field beside the widget's own hint, which it
  // sets and removes as one types.
  function keepDescribedBy(input, ids) {
    if (!ids) return;
    const apply = function () {
      const now = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
      const missing = ids.split(/\s+/).filter(id => id && !now.includes(id));
      if (missing.length) input.setAttribute("aria-describedby", now.concat(missing).join(" "));
    };
    apply();
    new MutationObserver(apply).observe(input, {attributes: true, attributeFilter: ["aria-describedby"]});
  }

  function enhance(select, typed) {
    if (select.dataset.acEnhanced || !window.accessibleAutocomplete) return;
    const id = select.id;
    const words = texts(select);
    const all = choices(select);
    const current = select.value ? all.find(c => c.code === select.value) : null;
    const host = document.createElement("div");
    host.className = HOST;
    select.parentNode.insertBefore(host, select);
    select.dataset.acEnhanced = "1";
    select.id = id + "-select";
    select.hidden = true;
    window.accessibleAutocomplete({
      element: host,
      id: id,
      name: "",  // the select is what is posted
      source: search(all),
      defaultValue: typed !== undefined ? typed : (current ? current.text : ""),
      autoselect: true,
      confirmOnBlur: true,
      showAllValues: false,
      displayMenu: "overlay",
      templates: {
        inputValue: c => (c && c.text) || "",
        suggestion: c => (c && typeof c === "object" ? escapeHtml(c.text) : escapeHtml(c || "")),
      },
      onConfirm: function (choice) {
        const input = document.getElementById(id);
        let code = select.value;
        if (choice && choice.code) code = choice.code;
        else if (input && !input.value.trim()) code = "";  // emptied: no answer
        if (code !== select.value) {
          select.value = code;
          select.dispatchEvent(new Event("change", {bubbles: true}));  // the section form autosaves on change
        }
      },
      tNoResults: () => words.noResults,
      tAssistiveHint: () => words.hint,
      tStatusNoResults: () => words.noResults,
      tStatusQueryTooShort: () => "",
      tStatusSelectedOption: (option, length, index) =>
        words.selected.replace("{option}", option).replace("{index}", index + 1).replace("{n}", length),
      tStatusResults: (length, selected) => (words.results.replace("{n}", length) + " " + selected).trim(),
    });
    const input = document.getElementById(id);
    if (input) {
      if (select.getAttribute("aria-invalid")) input.setAttribute("aria-invalid", select.getAttribute("aria-invalid"));
      keepDescribedBy(input, select.getAttribute("aria-describedby"));
    }
  }

  function enhanceAll(root, focus) {
    const active = document.activeElement;
    if (!focus && active && active.matches && active.matches("select[data-autocomplete]")) {
      focus = {id: active.id, value: undefined, caret: 0};  // focused after a swap (a new row's first field)
    }
    (root || document).querySelectorAll("select[data-autocomplete]").forEach(function (select) {
      const typed = focus && focus.id === select.id ? focus.value : undefined;
      enhance(select, typed);
    });
    if (focus) {
      const input = document.getElementById(focus.id);
      if (input && input.tagName === "INPUT") {
        input.focus();
        try { input.setSelectionRange(focus.caret, focus.caret); } catch (e) { /* not a text field */ }
      }
    }
  }

  // Back to the server's shape: the select with its own id, shown, and no widget.
  function restore(host) {
    const select = host.nextElementSibling;
    if (select && select.tagName === "SELECT" && select.dataset.acEnhanced) {
      select.id = select.id.replace(/-select$/, "");
      select.hidden = false;
      delete select.dataset.acEnhanced;
    }
    host.remove();
  }

  // The text field's own "change" (typing, then leaving it) is no answer: the select's change, on a choice, is.
  // Stopped first of all (window, capture), so the autosave neither posts for it nor counts it (app.js).
  window.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest("." + HOST)) event.stopImmediatePropagation();
  }, true);

  let pendingFocus = null;
  document.addEventListener("htmx:before:swap", function (event) {
    if (event.defaultPrevented) return;  // app.js keeps an out-of-date answer off the page: nothing is swapped
    const active = document.activeElement;
    const host = active && active.closest && active.closest("." + HOST);
    pendingFocus = host ? {id: active.id, value: active.value, caret: active.selectionStart || 0} : null;
    document.querySelectorAll("." + HOST).forEach(restore);
  });
  document.addEventListener("htmx:finally:swap", function () {
    const focus = pendingFocus;
    pendingFocus = null;
    enhanceAll(document, focus);
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => enhanceAll(document));
  else enhanceAll(document);
})();
