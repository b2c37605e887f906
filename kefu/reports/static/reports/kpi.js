/* KPI page charts. Data comes from the <script type="application/json" id="kpi-chart-data">
   block; plotly.js is served by this site (reports:plotly_js), so the page keeps CSP
   script-src 'self'. Without JavaScript the tables below show the same numbers. */
(function () {
  "use strict";

  var DAY = 86400000;
  var FONT = 'system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';

  function layout(title, ytitle, range, dayCount, extra) {
    var base = {
      title: { text: title, font: { size: 15 }, x: 0, xanchor: "left" },
      font: { family: FONT, size: 12, color: "#333" },
      margin: { l: 56, r: 16, t: 44, b: 48 },
      legend: { orientation: "h", x: 0, y: -0.18 },
      xaxis: { type: "date", tickformat: "%m-%d", hoverformat: "%Y-%m-%d", range: range || undefined },
      yaxis: { title: { text: ytitle }, rangemode: "tozero", fixedrange: true },
      hovermode: "x unified",
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)"
    };
    if (dayCount <= 15) {
      base.xaxis.dtick = DAY;  // short ranges: one tick a day, never two ticks with the same date
    }
    Object.keys(extra || {}).forEach(function (k) { base[k] = extra[k]; });
    return base;
  }

  function draw() {
    var holder = document.getElementById("kpi-charts");
    var source = document.getElementById("kpi-chart-data");
    if (!holder || !source || typeof window.Plotly === "undefined") { return; }
    var d = JSON.parse(source.textContent);
    var L = d.labels;
    var config = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] };
    holder.hidden = false;

    function bar(key, color) {
      return { type: "bar", name: L[key], x: d.days, y: d[key], marker: { color: color },
               hovertemplate: "%{y}<extra>" + L[key] + "</extra>" };
    }
    window.Plotly.newPlot("kpi-chart-daily", [
      bar("on_time", "#2e7d32"),
      bar("late", "#f0a202"),
      bar("not_replied", "#c62828")
    ], layout(L.daily_title, L.tickets, d.x_range, d.days.length, { barmode: "stack" }), config);

    function line(key, color, dash) {
      return { type: "scatter", mode: "lines+markers", name: L[key], x: d.days, y: d[key],
               line: { color: color, dash: dash || "solid", width: 2 }, marker: { size: 5 },
               connectgaps: false, hovertemplate: "%{y:.1f} " + L.minutes + "<extra>" + L[key] + "</extra>" };
    }
    window.Plotly.newPlot("kpi-chart-fr", [
      line("p50", "#1565c0"),
      line("p90", "#7b1fa2", "dot")
    ], layout(L.fr_title, L.minutes, d.x_range, d.days.length), config);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
