/*
 * The statistics' charts (resorption/stats): draws each <canvas data-stats-chart="ID"> from the JSON block #ID
 * written by the page (`stats.tables.Table.chart_data`: kind, stacked, labels, datasets). The canvas has role="img"
 * and a label; the table under it holds the same figures and is what assistive technologies read. Chart.js is our
 * own static file (vendor/chart.js). No inline style or script: the page runs under a strict CSP.
 */
(function () {
  "use strict";

  if (typeof Chart === "undefined") {
    return;
  }
  // DSFR illustrative colours, distinguishable side by side.
  var COLOURS = ["#000091", "#e1000f", "#009081", "#c3992a", "#a558a0", "#ce614a", "#417dc4", "#3a3a3a"];

  function draw(canvas) {
    var block = document.getElementById(canvas.getAttribute("data-stats-chart"));
    if (!block) {
      return;
    }
    var data = JSON.parse(block.textContent);
    var datasets = data.datasets.map(function (dataset, index) {
      var colour = COLOURS[index % COLOURS.length];
      return {
        label: dataset.label,
        data: dataset.data,
        backgroundColor: colour,
        borderColor: colour,
        fill: false,
        tension: 0
      };
    });
    new Chart(canvas, {
      type: data.kind,
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        aspectRatio: 2.5,
        animation: false,
        locale: "fr-FR",
        scales: {
          x: { stacked: data.stacked },
          y: { stacked: data.stacked, beginAtZero: true }
        },
        plugins: { legend: { position: "bottom" } }
      }
    });
    canvas.setAttribute("data-drawn", "true");
  }

  document.querySelectorAll("canvas[data-stats-chart]").forEach(draw);
})();
