/* Draw the report's charts from the JSON the page carries; the same numbers are in the
   tables below them, so the page is complete without JavaScript. */
(function () {
  "use strict";
  var source = document.getElementById("report-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  // Canvas text does not inherit the page's font: without it, Korean labels draw as empty boxes
  // in browsers with no Korean system font. Draw again once the web font has arrived.
  Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;
  if (document.fonts && document.fonts.ready) {
    document.fonts.ready.then(function () {
      Object.values(Chart.instances || {}).forEach(function (chart) { chart.update(); });
    });
  }
  var palette = ["#0b5cad", "#1a7f37", "#bf8700", "#a40e26", "#8250df", "#57606a"];

  function series(list, options) {
    return list.map(function (item, i) {
      return Object.assign({ label: item.label, data: item.data,
        backgroundColor: palette[i % palette.length], borderColor: palette[i % palette.length] },
        options || {});
    });
  }
  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false },
      config.options || {});
    canvas.parentNode.style.height = canvas.parentNode.classList.contains("wide") ? "20rem" : "16rem";
    canvas.chart = new Chart(canvas, config);
    canvas.setAttribute("data-drawn", "true");
  }

  var stacked = { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } };
  draw("chart-periods", { type: "bar", data: { labels: data.labels, datasets: series(data.channels) },
    options: stacked });
  draw("chart-calls", { type: "line", data: { labels: data.labels,
    datasets: series(data.calls, { fill: false, tension: 0.2 }) },
    options: { scales: { y: { beginAtZero: true } } } });
  draw("chart-fields", { type: "bar", data: { labels: data.fields.labels, datasets: series(data.fields.series) },
    options: { scales: { y: { beginAtZero: true } } } });

  function wholeTicks(first, last) {
    return function (axis) {
      axis.ticks = [];
      for (var v = first; v <= last; v++) { axis.ticks.push({ value: v }); }
    };
  }

  var cells = data.heatmap.cells;
  var peak = cells.reduce(function (m, c) { return Math.max(m, c.v); }, 1);
  draw("chart-heatmap", {
    type: "bubble",
    data: { datasets: [{
      label: data.heatmap.label,
      data: cells.map(function (c) { return { x: c.x, y: c.y, r: 3 + 14 * Math.sqrt(c.v / peak), v: c.v }; }),
      backgroundColor: "rgba(11, 92, 173, 0.6)", borderColor: "#0b5cad"
    }] },
    options: {
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (ctx) {
        var p = ctx.raw; return data.heatmap.weekdays[p.y] + " " + (p.x < 10 ? "0" : "") + p.x + ":00 · " + p.v; } } } },
      // The axes run half a step past each end so edge bubbles fit; their ticks stay on the
      // whole hours and weekdays (Chart.js would otherwise tick at -0.5, 0.5 ...).
      scales: {
        x: { min: -0.5, max: 23.5, afterBuildTicks: wholeTicks(0, 23),
          ticks: { autoSkip: true, callback: function (v) { return (v < 10 ? "0" : "") + v + ":00"; } } },
        y: { min: -0.5, max: 6.5, reverse: true, afterBuildTicks: wholeTicks(0, 6),
          ticks: { autoSkip: false, callback: function (v) { return data.heatmap.weekdays[v] || ""; } } }
      }
    }
  });
})();
