/*
 * The chart of the public statistics page (resorption/stats): the platform's use month by month, drawn from the table
 * that follows it, which stays the accessible source of the same figures.
 *
 * Driven by data attributes: the chart's box [data-chart-table] names the table's id; each cell of a charted column
 * carries data-series (its column's key) and data-value; the column's header gives the series' name. Active users are
 * a line, the operations on sites stacked bars. No inline style or script: strict CSP.
 */
(function () {
  "use strict";

  if (typeof Chart === "undefined") {
    return;
  }
  var LINE = "active_users";
  var COLOURS = {
    active_users: "#000091",
    declarations: "#6a6af4",
    updates: "#c3992a",
    closings: "#e1000f",
  };

  function seriesOf(table) {
    var headers = {};
    table.querySelectorAll("thead th[data-series]").forEach(function (th) {
      headers[th.getAttribute("data-series")] = th.textContent.trim();
    });
    var labels = [];
    var values = {};
    table.querySelectorAll("tbody tr").forEach(function (row) {
      labels.push(row.querySelector("th").textContent.trim());
      row.querySelectorAll("td[data-series]").forEach(function (cell) {
        var key = cell.getAttribute("data-series");
        (values[key] = values[key] || []).push(Number(cell.getAttribute("data-value")));
      });
    });
    var datasets = Object.keys(values).map(function (key) {
      var line = key === LINE;
      return {
        type: line ? "line" : "bar",
        label: headers[key] || key,
        data: values[key],
        backgroundColor: COLOURS[key],
        borderColor: COLOURS[key],
        stack: line ? "line" : "operations",
        yAxisID: line ? "users" : "operations",
        order: line ? 0 : 1,
      };
    });
    return { labels: labels, datasets: datasets };
  }

  document.querySelectorAll("[data-chart-table]").forEach(function (box) {
    var table = document.getElementById(box.getAttribute("data-chart-table"));
    var canvas = box.querySelector("canvas");
    if (!table || !canvas) {
      return;
    }
    box.hidden = false;
    new Chart(canvas, {
      data: seriesOf(table),
      options: {
        animation: false,
        // Taller on a phone, where the legend takes a larger share of the box.
        aspectRatio: box.clientWidth < 576 ? 1 : 2,
        scales: {
          operations: { position: "left", stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "Opérations" } },
          users: { position: "right", beginAtZero: true, ticks: { precision: 0 }, grid: { drawOnChartArea: false }, title: { display: true, text: "Utilisateurs actifs" } },
          x: { stacked: true },
        },
        plugins: { legend: { position: "bottom" } },
      },
    });
  });
})();
