// Manager's dashboard: draws the charts with the vendored ECharts from the JSON embedded in
// the page (#dashboard-data); nothing is fetched.
(function () {
  "use strict";

  function lines(el, spec, locale, type) {
    const chart = echarts.init(el, null, { locale: locale });
    const names = Object.keys(spec.series);
    chart.setOption({
      title: { text: spec.title, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 60, right: 60, top: 40, bottom: 50 },
      xAxis: { type: "category", data: spec.weeks },
      yAxis: [{ type: "value" }, { type: "value" }],
      series: names.map(function (name) {
        return { name: name, type: type, data: spec.series[name],
                 yAxisIndex: name === spec.pages_series ? 0 : 1, connectNulls: true };
      }),
    });
    return chart;
  }

  function bars(el, title, labels, values, locale) {
    const chart = echarts.init(el, null, { locale: locale });
    chart.setOption({
      title: { text: title, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      grid: { left: 60, right: 20, top: 40, bottom: 60 },
      xAxis: { type: "category", data: labels, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value" },
      series: [{ type: "bar", data: values }],
    });
    return chart;
  }

  function init() {
    const source = document.getElementById("dashboard-data");
    if (!source) return;
    if (typeof echarts === "undefined") { setTimeout(init, 50); return; }
    const d = JSON.parse(source.textContent);
    const charts = [
      lines(document.getElementById("chart-burnup"), d.burnup, d.locale, "line"),
      lines(document.getElementById("chart-throughput"), d.throughput, d.locale, "bar"),
    ];
    const defects = echarts.init(document.getElementById("chart-defects"), null,
                                 { locale: d.locale });
    defects.setOption({
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 60, right: 20, top: 40, bottom: 80 },
      title: { text: d.defects.title, left: "center", textStyle: { fontSize: 14 } },
      xAxis: { type: "category", axisLabel: { interval: 0, rotate: 30 },
               data: Array.from(new Set(d.defects.labels.concat(d.defects.original_labels))) },
      yAxis: { type: "value" },
      series: [
        { name: d.defects.title, type: "bar",
          data: d.defects.labels.map(function (l, i) { return [l, d.defects.counts[i]]; }) },
        { name: d.defects.original_title, type: "bar",
          data: d.defects.original_labels.map(function (l, i) {
            return [l, d.defects.original_counts[i]]; }) },
      ],
    });
    charts.push(defects);
    charts.push(bars(document.getElementById("chart-pay"), d.pay.title, d.pay.workers,
                     d.pay.totals, d.locale));
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
