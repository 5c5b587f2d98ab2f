// Starts the NHS design system's scripts (error summary focus, conditional reveals, header).
import { initAll } from "./nhsuk/nhsuk-frontend.min.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();

// A form that lands on a result (the role check) moves the focus there, for screen readers.
const target = window.location.hash && document.getElementById(window.location.hash.slice(1));
if (target && target.getAttribute("tabindex") === "-1") {
  target.focus();
}

// "Only the ones I choose" reveals the list of credentials. Done here rather than by the design
// system's radios script, whose aria-expanded on a radio button axe-core flags as not allowed.
// Without script the list is simply shown.
for (const radios of document.querySelectorAll(".nhsuk-radios")) {
  const inputs = radios.querySelectorAll("input[type=radio]");
  const sync = () => {
    for (const input of inputs) {
      const id = input.getAttribute("data-app-reveals");
      const revealed = id && document.getElementById(id);
      if (revealed) revealed.classList.toggle("nhsuk-radios__conditional--hidden", !input.checked);
    }
  };
  for (const input of inputs) input.addEventListener("change", sync);
  sync();
}
