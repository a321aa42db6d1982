// castor's HTML report: draws every figure with uPlot (mode 2: each series its own x, as
// castor's figures have them), makes tables sortable and shows the nearest point's values on
// hover. Drag to zoom (x and y), double-click to reset. It records in #castor-status how
// many figures were drawn, how many came out blank and any script error, so that a headless
// browser can check the page.
(function () {
  'use strict';
  var status = document.getElementById('castor-status');
  var errors = [];
  function setStatus(key, value) { if (status) status.setAttribute('data-' + key, String(value)); }
  window.addEventListener('error', function (e) { errors.push(String(e.message)); setStatus('errors', errors.length); setStatus('error-text', errors.join(' | ')); });

  function fmt(v) {
    if (v === null || v === undefined || !isFinite(v)) return '-';
    var a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(4);
    return String(+v.toPrecision(6));
  }

  function extent(series, axis, log) {
    var lo = Infinity, hi = -Infinity;
    series.forEach(function (s) {
      var vals = axis === 'x' ? s.x : s.y;
      for (var i = 0; i < vals.length; i++) {
        var v = vals[i];
        if (v === null || !isFinite(v) || (log && v <= 0)) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    });
    if (!isFinite(lo)) return null;
    if (lo === hi) { var d = lo === 0 ? 1 : Math.abs(lo) * 0.05; lo -= d; hi += d; }
    return [lo, hi];
  }

  function pad(r, log) {
    if (!r) return r;
    if (log) return [r[0] / 1.2, r[1] * 1.2];
    var d = (r[1] - r[0]) * 0.04;
    return [r[0] - d, r[1] + d];
  }

  function nearest(u, fig, left, top) {
    var best = null, bestD = 400;  // within 20 px
    fig.series.forEach(function (s, k) {
      var scale = s.y2 ? 'y2' : 'y';
      for (var i = 0; i < s.x.length; i++) {
        if (s.x[i] === null || s.y[i] === null) continue;
        var dx = u.valToPos(s.x[i], 'x') - left, dy = u.valToPos(s.y[i], scale) - top;
        var d = dx * dx + dy * dy;
        if (d < bestD) { bestD = d; best = { k: k, i: i }; }
      }
    });
    return best;
  }

  function drawFigure(holder, index) {
    var fig = JSON.parse(holder.querySelector('script[type="application/json"]').textContent);
    var box = holder.querySelector('.plot');
    var readout = holder.querySelector('.readout');
    var width = Math.max(320, Math.min(900, (holder.clientWidth || 900) - 10));
    var height = Math.round(width * 0.58);
    var hasY2 = fig.series.some(function (s) { return s.y2; });
    var main = fig.series.filter(function (s) { return !s.y2; });
    var xr = pad(extent(fig.series, 'x', fig.logx), fig.logx);
    var yr = pad(extent(main, 'y', fig.logy), fig.logy);
    if (fig.equal && xr && yr) {  // one unit per pixel on both axes (Nyquist)
      var pw = width - 90, ph = height - 90;
      var upp = Math.max((xr[1] - xr[0]) / pw, (yr[1] - yr[0]) / ph);
      var cx = (xr[0] + xr[1]) / 2, cy = (yr[0] + yr[1]) / 2;
      xr = [cx - upp * pw / 2, cx + upp * pw / 2];
      yr = [cy - upp * ph / 2, cy + upp * ph / 2];
    }
    var scales = {
      x: { time: false, auto: false, range: function (u, lo, hi) { return lo === null || lo === undefined ? xr : [lo, hi]; }, distr: fig.logx ? 3 : 1, dir: fig.reverse ? -1 : 1 },
      y: { auto: false, range: function (u, lo, hi) { return lo === null || lo === undefined ? yr : [lo, hi]; }, distr: fig.logy ? 3 : 1 }
    };
    if (hasY2) scales.y2 = { auto: true };
    var series = [{}], data = [null];
    fig.series.forEach(function (s) {
      var scale = s.y2 ? 'y2' : 'y';
      series.push({
        label: s.title || ' ', stroke: s.colour, width: s.points ? 0 : 1.5, scale: scale,
        facets: [{ scale: 'x', auto: true }, { scale: scale, auto: true }],
        paths: s.points ? uPlot.paths.points() : uPlot.paths.linear(),
        points: { show: !!s.points, size: 5, stroke: s.colour, fill: s.colour, space: 0 }
      });
      data.push([s.x, s.y]);
    });
    var axes = [{ label: fig.xlabel, scale: 'x' }, { label: fig.ylabel, scale: 'y' }];
    if (hasY2) axes.push({ label: fig.y2label, scale: 'y2', side: 1, grid: { show: false } });
    var drawn = false;
    var opts = {
      mode: 2, width: width, height: height, title: fig.title, scales: scales, series: series, axes: axes,
      legend: { show: fig.series.length <= 24, live: false },
      cursor: { drag: { x: true, y: true, uni: 20, setScale: true }, points: { show: false } },
      hooks: {
        draw: [function (u) {
          if (drawn) return;
          drawn = true;
          var canvas = box.querySelector('canvas');
          var painted = 0;
          try {
            var ctx = canvas.getContext('2d');
            var px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
            for (var i = 3; i < px.length; i += 4 * 7) if (px[i] > 0) painted++;
          } catch (e) { painted = -1; }
          holder.setAttribute('data-painted', String(painted));
          var done = Number(status.getAttribute('data-drawn') || 0) + 1;
          setStatus('drawn', done);
          if (painted === 0) setStatus('blank', Number(status.getAttribute('data-blank') || 0) + 1);
        }],
        setCursor: [function (u) {
          var l = u.cursor.left, t = u.cursor.top;
          if (l === null || l < 0 || t === null || t < 0) { readout.textContent = ''; return; }
          var hit = nearest(u, fig, l, t);
          if (!hit) { readout.textContent = fig.xlabel + ' ' + fmt(u.posToVal(l, 'x')) + ', ' + fig.ylabel + ' ' + fmt(u.posToVal(t, 'y')); return; }
          var s = fig.series[hit.k];
          readout.textContent = (s.title ? s.title + ': ' : '') + fig.xlabel + ' = ' + fmt(s.x[hit.i]) + ', ' + (s.y2 ? fig.y2label : fig.ylabel) + ' = ' + fmt(s.y[hit.i]);
        }]
      }
    };
    var u = new uPlot(opts, data, box);
    box.addEventListener('dblclick', function () { u.setScale('x', { min: xr[0], max: xr[1] }); u.setScale('y', { min: yr[0], max: yr[1] }); });
  }

  function makeSortable(table) {
    var heads = table.querySelectorAll('th');
    heads.forEach(function (th, col) {
      th.addEventListener('click', function () {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var asc = !th.classList.contains('sorted-asc');
        heads.forEach(function (h) { h.classList.remove('sorted-asc', 'sorted-desc'); });
        th.classList.add(asc ? 'sorted-asc' : 'sorted-desc');
        rows.sort(function (a, b) {
          var x = a.cells[col], y = b.cells[col];
          var vx = x.getAttribute('data-v'), vy = y.getAttribute('data-v');
          var c;
          if (vx !== null && vy !== null) {
            var nx = vx === '' ? NaN : Number(vx), ny = vy === '' ? NaN : Number(vy);
            c = isNaN(nx) ? (isNaN(ny) ? 0 : 1) : isNaN(ny) ? -1 : nx - ny;
            if (!asc && !(isNaN(nx) || isNaN(ny))) c = -c;
            return c;
          }
          c = x.textContent.localeCompare(y.textContent);
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  var holders = document.querySelectorAll('.figure');
  setStatus('figures', holders.length);
  setStatus('drawn', 0);
  setStatus('blank', 0);
  setStatus('errors', 0);
  holders.forEach(function (h, i) {
    try { drawFigure(h, i); } catch (e) { errors.push('figure ' + (i + 1) + ': ' + e.message); setStatus('errors', errors.length); setStatus('error-text', errors.join(' | ')); }
  });
  document.querySelectorAll('table.sortable').forEach(makeSortable);
})();
