// Small page behaviours, bound by data attributes (the CSP allows no inline handlers):
// copy a text field's value, show an element full screen.
"use strict";

document.addEventListener("click", (event) => {
  const copy = event.target.closest("[data-copy-target]");
  if (copy) {
    const field = document.getElementById(copy.dataset.copyTarget);
    const status = document.getElementById(copy.dataset.copyStatus || "");
    const done = () => { if (status) status.textContent = copy.dataset.copiedText || ""; };
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, () => { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
    return;
  }
  const full = event.target.closest("[data-fullscreen-target]");
  if (full) {
    const target = document.getElementById(full.dataset.fullscreenTarget);
    if (document.fullscreenElement) document.exitFullscreen();
    else if (target.requestFullscreen) target.requestFullscreen();
  }
});

document.addEventListener("focusin", (event) => {
  if (event.target.matches("[data-select-on-focus]")) event.target.select();
});
