// The participation dashboard, enhanced: charts drawn from each breakdown's data (the same
// figures are in the table next to each chart, which is what works without JavaScript), and the
// year list relabelled when the type of year changes ("2024" or "2024/25").
;(function () {
  'use strict'

  var BLUE = '#1d70b8'
  var DARK_BLUE = '#003078'
  var ORANGE = '#f47738'
  var GREY = '#b1b4b6'
  var TEXT = '#0b0c0c'

  function relabelYears () {
    var form = document.querySelector('[data-report-picker]')
    if (!form) return
    var select = form.querySelector('select[name="year"]')
    var radios = form.querySelectorAll('input[name="basis"]')
    function apply () {
      var checked = form.querySelector('input[name="basis"]:checked')
      if (!checked || !select) return
      for (var i = 0; i < select.options.length; i++) {
        var option = select.options[i]
        option.textContent = option.getAttribute('data-' + checked.value) || option.textContent
      }
    }
    for (var i = 0; i < radios.length; i++) radios[i].addEventListener('change', apply)
  }

  function draw (element, Chart) {
    var spec
    try {
      spec = JSON.parse(element.getAttribute('data-chart'))
    } catch (error) {
      return null
    }
    var horizontal = !!spec.horizontal
    var datasets = spec.datasets.map(function (dataset, index) {
      var line = dataset.type === 'line'
      var colour = index === 0 ? BLUE : ORANGE
      var background = colour
      if (spec.highlight && index === 0) {
        background = spec.highlight.map(function (on) { return on ? DARK_BLUE : BLUE })
      }
      return {
        type: dataset.type || 'bar',
        label: dataset.label,
        data: dataset.data,
        backgroundColor: line ? ORANGE : background,
        borderColor: line ? ORANGE : background,
        borderWidth: line ? 3 : 0,
        pointRadius: line ? 4 : 0,
        pointStyle: 'rectRot',
        order: line ? 0 : 1
      }
    })
    if (horizontal) {
      element.style.height = Math.max(160, spec.labels.length * 34 + 50) + 'px'
    }
    // Long category names are shortened on a narrow screen (the table has them in full).
    var narrow = element.clientWidth < 500
    var labels = spec.labels.map(function (label) {
      return narrow && horizontal && label.length > 16 ? label.slice(0, 15) + '…' : label
    })
    var canvas = document.createElement('canvas')
    element.appendChild(canvas)
    return new Chart(canvas, {
      data: { labels: labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? 'y' : 'x',
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: datasets.length > 1, labels: { color: TEXT, usePointStyle: true } },
          tooltip: { enabled: true }
        },
        scales: {
          x: { beginAtZero: true, ticks: { color: TEXT, precision: 0 }, grid: { color: horizontal ? GREY : 'transparent' } },
          y: { beginAtZero: true, ticks: { color: TEXT, precision: 0 }, grid: { color: horizontal ? 'transparent' : GREY } }
        }
      }
    })
  }

  function drawCharts () {
    var Chart = window.Chart
    if (!Chart) return
    Chart.defaults.font.family = 'system-ui, Arial, sans-serif'
    Chart.defaults.font.size = 15
    Chart.defaults.color = TEXT
    var charts = []
    var elements = document.querySelectorAll('[data-chart]')
    for (var i = 0; i < elements.length; i++) {
      var chart = draw(elements[i], Chart)
      if (chart) charts.push(chart)
    }
    // Redraw at the page's printed width, and back again afterwards.
    function resizeAll () {
      for (var j = 0; j < charts.length; j++) charts[j].resize()
    }
    window.addEventListener('beforeprint', resizeAll)
    window.addEventListener('afterprint', resizeAll)
  }

  relabelYears()
  drawCharts()
})()
