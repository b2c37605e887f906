/* Demand page: agents needed and scheduled per interval (bars) with the forecast calls (line).
   Data comes from the <script type="application/json" id="demand-chart-data"> block; plotly.js
   is served by this site (reports:plotly_js), so the page keeps CSP script-src 'self'. Without
   JavaScript the table under the chart shows the same numbers. */
(function () {
  "use strict";

  var FONT = 'system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';

  function draw() {
    var holder = document.getElementById("demand-chart");
    var source = document.getElementById("demand-chart-data");
    if (!holder || !source || typeof window.Plotly === "undefined") { return; }
    var d = JSON.parse(source.textContent);
    var L = d.labels;
    holder.hidden = false;
    window.Plotly.newPlot(holder, [
      { type: "bar", name: L.needed, x: d.x, y: d.needed, marker: { color: "rgba(198,40,40,0.55)" },
        hovertemplate: "%{y}<extra>" + L.needed + "</extra>" },
      { type: "bar", name: L.scheduled, x: d.x, y: d.scheduled, marker: { color: "rgba(21,101,192,0.55)" },
        hovertemplate: "%{y}<extra>" + L.scheduled + "</extra>" },
      { type: "scatter", mode: "lines+markers", name: L.calls, x: d.x, y: d.calls, yaxis: "y2",
        line: { color: "#2e7d32", width: 2 }, marker: { size: 4 }, connectgaps: false,
        hovertemplate: "%{y}<extra>" + L.calls + "</extra>" }
    ], {
      title: { text: L.title, font: { size: 15 }, x: 0, xanchor: "left" },
      font: { family: FONT, size: 12, color: "#333" },
      barmode: "group",
      bargap: 0.25,
      margin: { l: 52, r: 60, t: 44, b: 70 },
      legend: { orientation: "h", x: 0, y: -0.25 },
      xaxis: { type: "category", title: { text: L.interval }, tickangle: -45, automargin: true },
      yaxis: { title: { text: L.people }, rangemode: "tozero", fixedrange: true, dtick: null },
      yaxis2: { title: { text: L.calls }, overlaying: "y", side: "right", rangemode: "tozero",
                fixedrange: true, showgrid: false },
      hovermode: "x unified",
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)"
    }, { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
