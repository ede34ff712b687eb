/* Monitor drugscriminaliteit — interactive charts of the HTML site.
 *
 * A classic script (no modules: the site works from file://). It expects vega-embed on
 * window.vegaEmbed (assets/vega-bundle.js, loaded before this file). Every element
 * .chart[data-spec] names a <script type="application/json"> with the Vega-Lite spec; the chart
 * is drawn into its .chart-canvas and the static SVG (.chart-fallback) is hidden once it is
 * drawn. If anything fails, the static SVG simply stays.
 */
(function () {
  "use strict";

  // Dutch number and date formats (d3-format / d3-time-format locales, from vl-convert).
  var LOCALE = /*MONITOR-LOCALE*/ null;

  function draw(container) {
    var specEl = document.getElementById(container.getAttribute("data-spec"));
    var target = container.querySelector(".chart-canvas");
    if (!specEl || !target || typeof window.vegaEmbed !== "function") {
      return Promise.resolve(false);
    }
    var spec;
    try {
      spec = JSON.parse(specEl.textContent);
    } catch (err) {
      container.classList.add("chart-failed");
      return Promise.resolve(false);
    }
    var options = {
      renderer: "svg",
      actions: false,
      tooltip: { theme: "custom" }
    };
    if (LOCALE) {
      options.formatLocale = LOCALE.number;
      options.timeFormatLocale = LOCALE.time;
    }
    return window.vegaEmbed(target, spec, options).then(function () {
      var fallback = container.querySelector(".chart-fallback");
      if (fallback) {
        fallback.hidden = true;
      }
      target.hidden = false;
      container.classList.add("chart-drawn");
      return true;
    }).catch(function (err) {
      container.classList.add("chart-failed");
      target.hidden = true;
      if (window.console) {
        window.console.error("Grafiek niet getekend:", err);
      }
      return false;
    });
  }

  function drawAll() {
    var containers = document.querySelectorAll(".chart[data-spec]");
    var jobs = [];
    for (var i = 0; i < containers.length; i += 1) {
      jobs.push(draw(containers[i]));
    }
    window.monitorChartsReady = Promise.all(jobs);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
