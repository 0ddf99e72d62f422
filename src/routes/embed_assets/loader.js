/*
 * roadmap-api embed loader. Put <div data-roadmap="SLUG"></div> where the roadmap goes
 * (optional: data-theme="light|dark|auto", data-sections="overview,phases,...", data-rev="N",
 * data-title="..."), then load this script from the API's origin. Each div becomes an iframe
 * that takes the height of its content: the embedded page posts
 * {type: "roadmap-api:resize", slug, height} to its parent, and this loader only accepts such
 * messages from the API's origin and from its own iframe.
 */
(function () {
  var script = document.currentScript;
  var origin = new URL(script.src).origin;
  var params = ["theme", "sections", "rev"];

  function mount(el) {
    if (el.getAttribute("data-roadmap-mounted")) return;
    var query = new URLSearchParams();
    params.forEach(function (name) {
      var value = el.getAttribute("data-" + name);
      if (value) query.set(name, value);
    });
    var frame = document.createElement("iframe");
    var qs = query.toString();
    frame.src = origin + "/embed/roadmaps/" + encodeURIComponent(el.getAttribute("data-roadmap")) + (qs ? "?" + qs : "");
    frame.title = el.getAttribute("data-title") || "Career roadmap";
    frame.style.cssText = "border:0;width:100%;height:600px;display:block";
    el.setAttribute("data-roadmap-mounted", "true");
    el.appendChild(frame);
    window.addEventListener("message", function (event) {
      if (event.origin !== origin || event.source !== frame.contentWindow) return;
      var data = event.data;
      if (data && data.type === "roadmap-api:resize" && typeof data.height === "number" && data.height > 0) {
        frame.style.height = Math.min(Math.ceil(data.height), 100000) + "px";
      }
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-roadmap]"), mount);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
