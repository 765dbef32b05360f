// Small progressive enhancements; no inline scripts (the Content-Security-Policy forbids them).
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el instanceof HTMLSelectElement && el.classList.contains("js-autosubmit")) {
    el.form.submit();
  }
});

// Charts: <div class="js-plotly" data-figure='{"data": [...], "layout": {...}}'> is drawn by
// Plotly (served from /static) when the page or an htmx swap brings it in. The vendored bundle is
// Plotly's "cartesian" build without map code, its network defaults blanked
// (scripts/vendor_plotly.sh); the Content-Security-Policy keeps every fetch on 'self' anyway.
function drawCharts(root) {
  if (typeof window.Plotly === "undefined") return;
  root.querySelectorAll(".js-plotly:not([data-drawn])").forEach((el) => {
    const figure = JSON.parse(el.dataset.figure);
    window.Plotly.newPlot(el, figure.data, figure.layout || {}, { displaylogo: false, responsive: true });
    el.dataset.drawn = "1";
  });
}
document.addEventListener("DOMContentLoaded", () => drawCharts(document));
document.addEventListener("htmx:afterSwap", (event) => drawCharts(event.target));
