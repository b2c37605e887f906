/* Hall statistics: arrivals per hour and, per business, the mean wait and service time. Data
   comes from the <script type="application/json" id="hall-chart-data"> block; plotly.js is served
   by this site (reports:plotly_js), so the page keeps CSP script-src 'self'. Without JavaScript
   the bars under the charts show the same numbers; each set is hidden once its chart is drawn.
   Per business, a chart is drawn only when some wait or service time is known. */
(function () {
  "use strict";

  var FONT = 'system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';
  var CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] };

  function layout(title, extra) {
    var base = {
      title: { text: title, font: { size: 15 }, x: 0, xanchor: "left" },
      font: { family: FONT, size: 12, color: "#333" },
      margin: { l: 52, r: 24, t: 44, b: 48 },
      legend: { orientation: "h", x: 0, y: -0.2 },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)"
    };
    for (var key in extra) { base[key] = extra[key]; }
    return base;
  }

  function hide(id) {
    var element = document.getElementById(id);
    if (element) { element.hidden = true; }
  }

  function known(values) {
    return values.some(function (v) { return v !== null; });
  }

  function draw() {
    var source = document.getElementById("hall-chart-data");
    var arrivals = document.getElementById("hall-arrivals-chart");
    var business = document.getElementById("hall-business-chart");
    if (!source || !arrivals || !business || typeof window.Plotly === "undefined") { return; }
    var d = JSON.parse(source.textContent);
    var L = d.labels;
    var most = Math.max.apply(null, d.arrivals.concat([1]));
    arrivals.hidden = false;
    window.Plotly.newPlot(arrivals, [
      { type: "bar", name: L.arrivals, x: d.hours, y: d.arrivals, marker: { color: "#1565c0" },
        hovertemplate: "%{x} %{y}<extra></extra>" }
    ], layout(L.arrivals_title, {
      xaxis: { type: "category", fixedrange: true },
      // whole people: a tick every 1, 2, 5, 10 … so that there are at most about six
      yaxis: { title: { text: L.arrivals }, rangemode: "tozero", fixedrange: true,
               tickformat: "d", dtick: step(most) }
    }), CONFIG);
    hide("hall-arrivals-bars");
    if (d.businesses.length && (known(d.mean_wait) || known(d.mean_service))) {
      business.hidden = false;
      window.Plotly.newPlot(business, [
        { type: "bar", name: L.mean_wait, x: d.businesses, y: d.mean_wait,
          marker: { color: "rgba(239,108,0,0.75)" }, hovertemplate: "%{y}<extra>" + L.mean_wait + "</extra>" },
        { type: "bar", name: L.mean_service, x: d.businesses, y: d.mean_service,
          marker: { color: "rgba(46,125,50,0.65)" }, hovertemplate: "%{y}<extra>" + L.mean_service + "</extra>" }
      ], layout(L.business_title, {
        barmode: "group",
        xaxis: { type: "category", fixedrange: true },
        yaxis: { rangemode: "tozero", fixedrange: true },
        hovermode: "x unified"
      }), CONFIG);
      hide("hall-business-bars");
    }
  }

  function step(most) {
    var steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
    for (var i = 0; i < steps.length; i++) {
      if (most / steps[i] <= 6) { return steps[i]; }
    }
    return Math.ceil(most / 6);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
