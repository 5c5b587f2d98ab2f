// Starts the NHS design system's scripts (error summary focus, conditional reveals, header).
import { initAll } from "./nhsuk/nhsuk-frontend.min.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();

// A form that lands on a result (the role check) moves the focus there, for screen readers.
const target = window.location.hash && document.getElementById(window.location.hash.slice(1));
if (target && target.getAttribute("tabindex") === "-1") {
  target.focus();
}
