/* Monitor drugscriminaliteit — the HTML site's script (navigation, search, charts).
 *
 * A classic script (no modules: the site works from file://), loaded on every page. Without it
 * the site still works: the navigation is open, the static SVG of every chart stays, the data
 * tables are there; only the search needs it (its form is hidden until this script runs).
 *
 * - Menu button: on narrow screens the navigation folds into a <button aria-expanded>.
 * - Search: assets/zoekindex.js (a prebuilt index, window.MONITOR_SEARCH) is loaded on the first
 *   search; words are folded (lower case, accents off: "cocaine" finds "cocaïne") and matched as
 *   prefixes; results link to the sections.
 * - Charts: every .chart[data-spec] names a <script type="application/json"> with the
 *   Vega-Lite spec, drawn by vega-embed (assets/vega-bundle.js, loaded before this file on pages
 *   with charts) at the width of its container (small multiples reflow into fewer columns);
 *   tooltips leave out empty fields.
 */
(function () {
  "use strict";

  // Dutch number and date formats (d3-format / d3-time-format locales, from vl-convert).
  var LOCALE = /*MONITOR-LOCALE*/ null;

  document.documentElement.classList.add("js");

  // ---------------------------------------------------------------- navigation menu button
  function setUpMenu() {
    var button = document.querySelector(".nav-toggle");
    var nav = document.getElementById("site-nav");
    if (!button || !nav) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("open", open);
      if (open) {
        var current = nav.querySelector("a[aria-current]") || nav.querySelector("a");
        if (current) {
          current.focus();
        }
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        button.setAttribute("aria-expanded", "false");
        nav.classList.remove("open");
        button.focus();
      }
    });
  }

  // ---------------------------------------------------------------- search
  function fold(text) {
    return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }

  function words(text) {
    return fold(text).split(/[^a-z0-9]+/).filter(function (w) {
      return w.length > 1;
    });
  }

  function loadIndex(src, done) {
    if (window.MONITOR_SEARCH) {
      done(window.MONITOR_SEARCH);
      return;
    }
    var script = document.createElement("script");
    script.src = src;
    script.onload = function () {
      done(window.MONITOR_SEARCH || null);
    };
    script.onerror = function () {
      done(null);
    };
    document.head.appendChild(script);
  }

  function search(index, query) {
    var terms = words(query);
    if (!terms.length) {
      return [];
    }
    var scores = null;
    terms.forEach(function (term) {
      var found = {};
      Object.keys(index.terms).forEach(function (word) {
        if (word.lastIndexOf(term, 0) === 0) {
          var postings = index.terms[word];
          for (var i = 0; i < postings.length; i += 2) {
            var exact = word === term ? 2 : 1;
            found[postings[i]] = (found[postings[i]] || 0) + postings[i + 1] * exact;
          }
        }
      });
      if (scores === null) {
        scores = found;
      } else {
        var both = {};
        Object.keys(scores).forEach(function (doc) {
          if (found[doc]) {
            both[doc] = scores[doc] + found[doc];
          }
        });
        scores = both;
      }
    });
    return Object.keys(scores || {}).map(function (doc) {
      return { doc: index.docs[doc], score: scores[doc], order: Number(doc) };
    }).sort(function (a, b) {
      return b.score - a.score || a.order - b.order;
    });
  }

  function showResults(box, query, results) {
    box.textContent = "";
    var status = document.createElement("p");
    status.className = "search-status";
    status.setAttribute("role", "status");
    box.appendChild(status);
    if (!results) {
      status.textContent = "De zoekindex kon niet worden geladen.";
    } else if (!results.length) {
      status.textContent = "Geen resultaten voor \u201c" + query + "\u201d.";
    } else {
      status.textContent = results.length + (results.length === 1 ? " resultaat" : " resultaten") +
        " voor \u201c" + query + "\u201d.";
      var list = document.createElement("ol");
      list.className = "search-list";
      results.slice(0, 30).forEach(function (r) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = r.doc.url;
        link.textContent = r.doc.title;
        item.appendChild(link);
        var where = document.createElement("span");
        where.className = "search-page";
        where.textContent = " \u2013 " + r.doc.page;
        item.appendChild(where);
        if (r.doc.text) {
          var excerpt = document.createElement("p");
          excerpt.textContent = r.doc.text;
          item.appendChild(excerpt);
        }
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    box.hidden = false;
  }

  function setUpSearch() {
    var form = document.querySelector(".site-search");
    if (!form) {
      return;
    }
    var input = form.querySelector("input[type=search]");
    var box = document.getElementById("zoekresultaten");
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var query = input.value.trim();
      if (!query) {
        box.hidden = true;
        return;
      }
      loadIndex(form.getAttribute("data-index"), function (index) {
        showResults(box, query, index ? search(index, query) : null);
      });
    });
  }

  // ---------------------------------------------------------------- charts
  function available(target) {
    var el = target;
    while (el && !el.clientWidth) {
      el = el.parentElement;
    }
    return el ? el.clientWidth : 600;
  }

  function wrapLines(lines, maxChars) {
    var out = [];
    lines.forEach(function (line) {
      var current = "";
      String(line).split(" ").forEach(function (word) {
        if (current && (current + " " + word).length > maxChars) {
          out.push(current);
          current = word;
        } else {
          current = current ? current + " " + word : word;
        }
      });
      if (current) {
        out.push(current);
      }
    });
    return out;
  }

  // The chart at the width of its container: fewer columns of small multiples, a narrower
  // single chart, the note under the chart wrapped; so labels keep their size.
  function fit(spec, width) {
    var room = width - 16;
    if (spec.facet && spec.spec && spec.columns) {
      var panel = spec.spec.width || 170;
      var columns = Math.max(1, Math.min(spec.columns, Math.floor(room / (panel + 80))));
      var wide = spec.columns;
      spec.columns = columns;
      if (columns === 1 && panel + 90 > room) {
        spec.spec.width = Math.max(120, room - 90);
      }
      if (columns < wide && typeof spec.spec.height === "number") {
        // One panel under the other: taller panels, so a long axis title stays beside its own panel.
        spec.spec.height = Math.max(spec.spec.height, 180);
      }
    } else if (typeof spec.width === "number" && spec.width + 90 > room) {
      spec.width = Math.max(120, room - 90);
    }
    if (spec.title && spec.title.text) {
      var text = [].concat(spec.title.text);
      spec.title.text = wrapLines(text, Math.max(30, Math.floor(room / 5.6)));
    }
    return spec;
  }

  function withoutEmpty(value) {
    if (!value || typeof value !== "object") {
      return value;
    }
    var out = {};
    Object.keys(value).forEach(function (key) {
      var v = value[key];
      if (v !== null && v !== undefined && String(v).trim() !== "") {
        out[key] = v;
      }
    });
    return out;
  }

  function draw(container) {
    var specEl = document.getElementById(container.getAttribute("data-spec"));
    var target = container.querySelector(".chart-canvas");
    if (!specEl || !target || typeof window.vegaEmbed !== "function") {
      return Promise.resolve(false);
    }
    var spec;
    var width = available(container);
    container.monitorWidth = width;
    try {
      spec = fit(JSON.parse(specEl.textContent), width);
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
    if (container.monitorChart) {
      container.monitorChart.finalize(); // drawn again at a new width
    }
    return window.vegaEmbed(target, spec, options).then(function (result) {
      container.monitorChart = result;
      var handler = result.view.tooltip();
      if (typeof handler !== "function") {
        return result;
      }
      // No empty rows ("Noot: ") in the tooltip. Setting a handler resets the renderer, so the
      // view is drawn again.
      result.view.tooltip(function (h, event, item, value) {
        return handler.call(this, h, event, item, withoutEmpty(value));
      });
      return result.view.runAsync().then(function () {
        return result;
      });
    }).then(function () {
      var svg = target.querySelector("svg");
      if (svg) {
        svg.setAttribute("focusable", "false");
      }
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
  // monitor preview puts an edited page's <main> in place and has its charts drawn again
  window.monitorDrawCharts = drawAll;

  // A phone turned sideways, a window made wider or narrower: charts follow their container.
  function redrawOnResize() {
    var timer = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var containers = document.querySelectorAll(".chart.chart-drawn[data-spec]");
        var jobs = [];
        for (var i = 0; i < containers.length; i += 1) {
          var c = containers[i];
          if (Math.abs(available(c) - (c.monitorWidth || 0)) > 40) {
            jobs.push(draw(c));
          }
        }
        if (jobs.length) {
          window.monitorChartsReady = Promise.all(jobs);
        }
      }, 250);
    });
  }

  function start() {
    setUpMenu();
    setUpSearch();
    drawAll();
    redrawOnResize();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
