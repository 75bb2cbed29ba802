/* Suggestion lists under text fields (e.g. the parent company's customer number).
 *
 * htmx loads the list into a container marked data-suggest-for="<input id>"; choosing an entry
 * copies its value into that input. A file of our own because the CSP forbids inline code.
 */
(function () {
  "use strict";

  function listOf(element) {
    return element.closest("[data-suggest-for]");
  }

  function choose(button) {
    const list = listOf(button);
    const input = document.getElementById(list.dataset.suggestFor);
    input.value = button.dataset.suggestValue;
    list.replaceChildren();
    input.focus();
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-suggest-value]");
    if (button && listOf(button)) {
      event.preventDefault();
      choose(button);
    }
  });

  document.addEventListener("keydown", function (event) {
    const target = event.target;
    if (event.key === "Escape") {
      document.querySelectorAll("[data-suggest-for]").forEach(function (list) {
        list.replaceChildren();
      });
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") {
      return;
    }
    // Arrow keys move between the input and its suggestions.
    const list = target.id
      ? document.querySelector('[data-suggest-for="' + target.id + '"]')
      : null;
    const buttons = Array.from((list || listOf(target) || document.createElement("div"))
      .querySelectorAll("[data-suggest-value]"));
    if (!buttons.length) {
      return;
    }
    event.preventDefault();
    const index = buttons.indexOf(target);
    const next = event.key === "ArrowDown" ? index + 1 : index - 1;
    if (next >= 0 && next < buttons.length) {
      buttons[next].focus();
    } else if (next < 0 && listOf(target)) {
      document.getElementById(listOf(target).dataset.suggestFor).focus();
    }
  });
})();
