// Injected by report_browser.rs after the page's own script: measures the
// laid-out page, drives the filters as a user would (select, change
// event) and writes what it saw as JSON into <pre id="probe"> for the
// test to read from Chromium's --dump-dom. It judges nothing itself.
(function () {
  var out = {};
  var de = document.documentElement;
  var wrap = document.getElementById('matrix-wrap');
  var table = document.getElementById('matrix');
  var form = document.getElementById('filters');
  function rect(e) {
    var r = e.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, height: r.height };
  }
  // Whether the element is what the reader sees at its own centre.
  function onTop(e) {
    var r = e.getBoundingClientRect();
    var hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return hit !== null && e.contains(hit);
  }
  function visible(e) { return !e.closest('[hidden]'); }

  out.page = { scrollWidth: de.scrollWidth, clientWidth: de.clientWidth };
  out.filtersShown = form !== null && !form.hidden;
  out.wrap = { scrollWidth: wrap.scrollWidth, clientWidth: wrap.clientWidth,
    scrollHeight: wrap.scrollHeight, clientHeight: wrap.clientHeight };

  var bodyRows = Array.prototype.slice.call(table.tBodies[0].rows);
  var text = table.querySelector('th.req .text');
  out.rows = { count: bodyRows.length,
    heights: bodyRows.map(function (tr) { return tr.getBoundingClientRect().height; }),
    lineHeight: parseFloat(getComputedStyle(text).lineHeight),
    titles: bodyRows.map(function (tr) {
      return tr.cells[0].querySelector('summary').getAttribute('title');
    }) };

  // Bring the matrix under the sticky filter bar, then scroll it to its
  // far right and half-way down.
  var bar = form.getBoundingClientRect().height;
  window.scrollTo(0, window.scrollY + wrap.getBoundingClientRect().top - bar);
  wrap.scrollLeft = wrap.scrollWidth;
  wrap.scrollTop = (wrap.scrollHeight - wrap.clientHeight) / 2;
  var w = rect(wrap);
  var row = bodyRows.filter(function (tr) {
    var r = tr.getBoundingClientRect();
    return r.top > w.top + 80 && r.bottom < w.bottom - 10;
  })[0];
  var heads = table.querySelectorAll('th.ver');
  var lastHead = heads[heads.length - 1];
  var firstPlugin = table.querySelector('th.plugin');
  out.scrolled = { wrap: w, scrollLeft: wrap.scrollLeft, scrollTop: wrap.scrollTop,
    req: rect(row.cells[0]), reqOnTop: onTop(row.cells[0]),
    lastCell: rect(row.cells[row.cells.length - 1]),
    lastHead: rect(lastHead), lastHeadOnTop: onTop(lastHead),
    corner: rect(table.querySelector('th.corner')),
    firstPlugin: rect(firstPlugin) };
  wrap.scrollLeft = 0;
  wrap.scrollTop = 0;
  window.scrollTo(0, 0);

  // What the matrix and the rest of the page show right now.
  function state() {
    var s = { rows: [], columns: [], plugins: [], summary: [], sections: [],
      cellsPerRow: [], output: form.shown.value };
    var labels = {};
    table.querySelectorAll('th.plugin').forEach(function (th) {
      labels[th.dataset.r] = th.getAttribute('title');
      if (visible(th)) {
        var spanned = Array.prototype.filter.call(
          table.querySelectorAll('th.ver[data-r="' + th.dataset.r + '"]'), visible);
        var r = th.getBoundingClientRect();
        var first = spanned[0].getBoundingClientRect();
        var last = spanned[spanned.length - 1].getBoundingClientRect();
        s.plugins.push({ label: labels[th.dataset.r], colSpan: th.colSpan,
          aligned: Math.abs(r.left - first.left) < 1.5 && Math.abs(r.right - last.right) < 1.5 });
      }
    });
    table.querySelectorAll('th.ver').forEach(function (th) {
      if (visible(th)) { s.columns.push(labels[th.dataset.r] + '@' + th.dataset.v); }
    });
    bodyRows.forEach(function (tr) {
      if (!visible(tr)) { return; }
      s.rows.push(tr.cells[0].querySelector('code').textContent);
      s.cellsPerRow.push(Array.prototype.filter.call(tr.cells, visible).length - 1);
    });
    document.querySelectorAll('#summary tbody tr').forEach(function (tr) {
      if (visible(tr)) { s.summary.push(tr.querySelector('td.name').textContent); }
    });
    document.querySelectorAll('section.run').forEach(function (sec) {
      if (visible(sec)) { s.sections.push(sec.querySelector('h2').textContent); }
    });
    return s;
  }
  function choose(name, value) {
    var select = form.elements[name];
    select.value = value;
    select.dispatchEvent(new Event('change', { bubbles: true }));
  }
  function optionFor(label) {
    var o = Array.prototype.filter.call(form.elements.run.options,
      function (o) { return o.textContent === label; })[0];
    return o ? o.value : 'missing:' + label;
  }

  var args = JSON.parse(document.getElementById('probe-args').textContent);
  out.initial = state();
  out.scenarios = args.scenarios.map(function (sc) {
    form.reset();
    choose('rows', sc.rows);
    choose('run', sc.run === '' ? '' : optionFor(sc.run));
    choose('ver', sc.ver);
    return state();
  });
  form.reset();
  choose('rows', 'all');
  out.reset = state();

  // Follow a link to a case of one plugin while the filter shows another:
  // the page must show and open it.
  choose('run', optionFor(args.jump.filterRun));
  var section = document.querySelector(
    'section.run[data-run="' + optionFor(args.jump.targetRun) + '"]');
  var target = section.querySelector('details.case');
  var hiddenBefore = !visible(target);
  history.replaceState(null, '', '#' + target.id);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
  out.jump = { hiddenBefore: hiddenBefore, visible: visible(target), open: target.open,
    filter: form.run.value };

  // With every <details> outside the matrix open (case bodies, invocations,
  // configurations), the page still must not scroll sideways.
  document.querySelectorAll('details').forEach(function (d) {
    if (!table.contains(d)) { d.open = true; }
  });
  out.allOpen = { scrollWidth: de.scrollWidth, clientWidth: de.clientWidth };

  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
