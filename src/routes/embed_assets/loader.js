/*
 * roadmap-api embed loader. Put <div data-roadmap="SLUG"></div> where the roadmap goes
 * (optional: data-theme="light|dark|auto", data-sections="overview,phases,...", data-rev="N",
 * data-title="..."), then load this script from the API's origin. Each div becomes an iframe
 * that takes the height of its content: the embedded page posts
 * {type: "roadmap-api:resize", slug, height} to its parent, and this loader only accepts such
 * messages from the API's origin and from its own iframe.
 * The page also posts {type: "roadmap-api:progress", slug, percent} when the reader's progress
 * is read or changes; the loader passes it on to the partner's page as a "roadmap-api:progress"
 * event on the div (detail: that object, bubbling) and as its data-progress attribute.
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
      if (data && data.type === "roadmap-api:progress" && typeof data.percent === "number" &&
          data.percent >= 0 && data.percent <= 100) {
        var detail = { type: data.type, slug: String(data.slug), percent: Math.floor(data.percent) };
        el.setAttribute("data-progress", String(detail.percent));
        el.dispatchEvent(new CustomEvent("roadmap-api:progress", { detail: detail, bubbles: true }));
      }
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-roadmap]"), mount);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
