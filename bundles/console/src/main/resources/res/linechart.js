// A small line chart on a canvas: named series of numbers sampled over time, each scaled to the chart's height by
// the largest value shown. structops' own, so that the console page loads nothing from elsewhere.
(function () {
  "use strict";
  var COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

  function LineChart(canvas, legend, capacity) {
    this.canvas = canvas;
    this.legend = legend;
    this.capacity = capacity || 120;
    this.series = {};
  }

  // Adds one sample of each named value; a name seen for the first time starts its series now.
  LineChart.prototype.add = function (values) {
    var self = this;
    Object.keys(values).forEach(function (name) {
      var s = self.series[name] || (self.series[name] = []);
      s.push(values[name]);
      if (s.length > self.capacity) {
        s.shift();
      }
    });
  };

  LineChart.prototype.clear = function () {
    this.series = {};
  };

  LineChart.prototype.draw = function () {
    var ctx = this.canvas.getContext("2d");
    var w = this.canvas.width, h = this.canvas.height, pad = 28;
    var names = Object.keys(this.series).sort();
    var max = 0;
    names.forEach(function (n) {
      this.series[n].forEach(function (v) { max = Math.max(max, v); });
    }, this);
    max = max > 0 ? max : 1;
    ctx.clearRect(0, 0, w, h);
    ctx.strokeStyle = "#999";
    ctx.beginPath();
    ctx.moveTo(pad, 4);
    ctx.lineTo(pad, h - pad);
    ctx.lineTo(w - 4, h - pad);
    ctx.stroke();
    ctx.fillStyle = "#333";
    ctx.font = "11px sans-serif";
    ctx.fillText(String(max), 2, 12);
    ctx.fillText("0", 2, h - pad);
    var step = (w - pad - 8) / Math.max(1, this.capacity - 1);
    names.forEach(function (n, i) {
      var s = this.series[n];
      ctx.strokeStyle = COLOURS[i % COLOURS.length];
      ctx.beginPath();
      s.forEach(function (v, j) {
        var x = pad + j * step, y = h - pad - (v / max) * (h - pad - 8);
        if (j === 0) { ctx.moveTo(x, y); } else { ctx.lineTo(x, y); }
      });
      ctx.stroke();
    }, this);
    while (this.legend.firstChild) {
      this.legend.removeChild(this.legend.firstChild);
    }
    names.forEach(function (n, i) {
      var item = document.createElement("span");
      var swatch = document.createElement("i");
      swatch.style.background = COLOURS[i % COLOURS.length];
      item.appendChild(swatch);
      var s = this.series[n];
      item.appendChild(document.createTextNode(n + " " + s[s.length - 1]));
      this.legend.appendChild(item);
    }, this);
    return names.length;
  };

  window.StructOpsLineChart = LineChart;
})();
