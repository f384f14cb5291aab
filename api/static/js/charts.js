// The dashboard's indicator charts (Chart.js from npm). Data come from the page's JSON block; each
// chart also has a table beside it for screen readers and for copying.
(function () {
  'use strict';
  var source = document.getElementById('chart-data');
  if (!source || !window.Chart) { return; }
  var data = JSON.parse(source.textContent || '{}');
  var colours = ['#154273', '#1e6b30', '#8a1a00', '#6b3fa0', '#005b7f', '#7a5c00', '#a4120f', '#3d3d3d'];
  window.Chart.defaults.font.size = 13;
  window.Chart.defaults.color = '#1b1b1b';
  document.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
    var values = data[canvas.getAttribute('data-chart')] || {};
    var labels = Object.keys(values);
    new window.Chart(canvas, {
      type: 'bar',
      data: {
        labels: labels,
        datasets: [{ data: labels.map(function (k) { return values[k]; }), backgroundColor: labels.map(function (_, i) { return colours[i % colours.length]; }) }],
      },
      options: {
        indexAxis: 'y',
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  });
})();
