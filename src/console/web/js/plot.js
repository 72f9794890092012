// <drover-plot>: a time series of one numeric resource, drawn with uPlot. push(time, value) adds
// a point (time in Unix seconds); the last `points` points are kept.
import uPlot from '/vendor/uPlot.esm.js';

class DroverPlot extends HTMLElement {
  constructor() {
    super();
    this.times = [];
    this.values = [];
    this.points = 300;
    this.chart = null;
  }

  connectedCallback() {
    const label = this.getAttribute('label') || 'value';
    const style = getComputedStyle(document.documentElement);
    const color = style.getPropertyValue('--accent').trim() || '#1f6f5c';
    const axis = {stroke: style.getPropertyValue('--muted').trim(),
                  grid: {stroke: style.getPropertyValue('--line').trim(), width: 1}};
    const width = Math.max(260, Math.min(this.parentElement?.clientWidth || 480, 900) - 8);
    this.chart = new uPlot({
      width, height: 180, legend: {live: true},
      series: [{}, {label, stroke: color, width: 2, points: {show: true, size: 4}}],
      axes: [axis, axis],
      scales: {x: {time: true}},
    }, [this.times, this.values], this);
    this.setAttribute('role', 'img');
    this.setAttribute('aria-label', `plot of ${label}`);
  }

  disconnectedCallback() {
    this.chart?.destroy();
    this.chart = null;
  }

  push(time, value) {
    this.times.push(time);
    this.values.push(value);
    if (this.times.length > this.points) {
      this.times.shift();
      this.values.shift();
    }
    this.chart?.setData([this.times, this.values]);
  }
}

customElements.define('drover-plot', DroverPlot);
