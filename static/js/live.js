/* Refresh parts of a page in place: every element with data-live-src is replaced by the HTML
   fragment at that URL every data-live-every seconds. Without JavaScript the page still works,
   it just does not refresh itself. */
(function () {
  "use strict";
  function refresh(element) {
    var request = new XMLHttpRequest();
    request.open("GET", element.getAttribute("data-live-src"));
    request.setRequestHeader("X-Requested-With", "live");
    request.onload = function () {
      if (request.responseURL && request.responseURL.indexOf(element.getAttribute("data-live-src")) === -1) {
        window.location.reload();  // redirected, e.g. the sign-in expired: show the real page
        return;
      }
      if (request.status === 200) {
        element.innerHTML = request.responseText;
        element.setAttribute("data-live-updated", String(Date.now()));
      }
    };
    request.send();
  }
  function start(element) {
    var seconds = parseFloat(element.getAttribute("data-live-every")) || 10;
    window.setInterval(function () {
      if (!document.hidden) { refresh(element); }
    }, seconds * 1000);
  }
  document.querySelectorAll("[data-live-src]").forEach(start);
})();
