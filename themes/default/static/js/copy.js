// Copy buttons of the brand portal: plain JavaScript, no framework. Without JavaScript
// the buttons stay hidden and the values remain selectable text.
(function () {
  var status = document.querySelector(".copy-status");
  function done(button) {
    var label = button.getAttribute("data-done") || "Copied";
    if (status) status.textContent = label + " " + button.getAttribute("data-copy");
    button.classList.add("copied");
    setTimeout(function () { button.classList.remove("copied"); }, 1500);
  }
  function fallback(text) {
    var t = document.createElement("textarea");
    t.value = text;
    t.setAttribute("readonly", "");
    t.style.position = "fixed";
    t.style.opacity = "0";
    document.body.appendChild(t);
    t.select();
    try { document.execCommand("copy"); } finally { document.body.removeChild(t); }
  }
  document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = button.getAttribute("data-copy");
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { done(button); }, function () { fallback(text); done(button); });
      } else {
        fallback(text);
        done(button);
      }
    });
  });
})();
