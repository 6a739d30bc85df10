// Click to load: the external player (and its requests to YouTube or Vimeo) comes only
// when the visitor asks for it. Without JavaScript, the link to the host stays.
(function () {
  document.querySelectorAll(".click-to-load[data-embed]").forEach(function (box) {
    var button = box.querySelector(".load-embed");
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var frame = document.createElement("iframe");
      frame.src = box.getAttribute("data-embed");
      frame.title = box.getAttribute("data-title") || "";
      frame.allow = "autoplay; fullscreen; picture-in-picture";
      frame.allowFullscreen = true;
      frame.loading = "lazy";
      box.replaceChildren(frame);
      frame.focus();
    });
  });
})();
