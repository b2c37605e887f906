/* Quality scorecards: the weekly trend (average score and pass rate). Data comes from the
   <script type="application/json" id="quality-trend-data"> block; plotly.js is served by this
   site (reports:plotly_js), so the page keeps CSP script-src 'self'. Without JavaScript the
   table under the chart shows the same numbers. */
(function () {
  "use strict";

  var DAY = 86400000;
  var FONT = 'system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';

  function draw() {
    var holder = document.getElementById("quality-trend-chart");
    var source = document.getElementById("quality-trend-data");
    if (!holder || !source || typeof window.Plotly === "undefined") { return; }
    var d = JSON.parse(source.textContent);
    var L = d.labels;
    holder.hidden = false;
    // one tick a week (weeks start on Monday), half a week of room either side
    var first = Date.parse(d.weeks[0]);
    var last = Date.parse(d.weeks[d.weeks.length - 1]);
    var range = [new Date(first - 3.5 * DAY).toISOString(), new Date(last + 3.5 * DAY).toISOString()];
    window.Plotly.newPlot(holder, [
      { type: "bar", name: L.pass_rate, x: d.weeks, y: d.pass_rate, yaxis: "y2", width: 5 * DAY,
        marker: { color: "rgba(46,125,50,0.35)" }, hovertemplate: "%{y:.1f}%<extra>" + L.pass_rate + "</extra>" },
      { type: "scatter", mode: "lines+markers", name: L.average, x: d.weeks, y: d.average,
        line: { color: "#1565c0", width: 2 }, marker: { size: 6 }, connectgaps: false,
        hovertemplate: "%{y:.1f}<extra>" + L.average + "</extra>" }
    ], {
      title: { text: L.title, font: { size: 15 }, x: 0, xanchor: "left" },
      font: { family: FONT, size: 12, color: "#333" },
      margin: { l: 52, r: 52, t: 44, b: 48 },
      legend: { orientation: "h", x: 0, y: -0.2 },
      xaxis: { type: "date", tickformat: "%m-%d", hoverformat: "%Y-%m-%d", range: range,
               tick0: d.weeks[0], dtick: 7 * DAY },
      yaxis: { title: { text: L.average }, range: [0, 105], fixedrange: true },
      yaxis2: { title: { text: L.pass_rate }, overlaying: "y", side: "right", range: [0, 105], fixedrange: true, showgrid: false },
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
