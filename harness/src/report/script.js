// Inlined into report.html. The filters show only rows with a failure,
// one plugin, or one version; without this script the page shows all.
(function () {
  var form = document.getElementById('filters');
  var table = document.getElementById('matrix');

  function apply() {
    var run = form.run.value, ver = form.ver.value, rows = form.rows.value;
    var bad = rows === 'fail' ? ['v-fail', 'v-error', 'v-blocked']
      : rows === 'warn' ? ['v-fail', 'v-error', 'v-blocked', 'v-warn'] : [];
    var visible = [], shownRows = 0, allRows = 0, shownCols = 0;
    if (table) {
      table.classList.toggle('narrow', ver !== '');
      // Body rows hold one cell per version header, in the same order.
      table.querySelectorAll('th.ver').forEach(function (th, i) {
        visible[i] = (run === '' || th.dataset.r === run) &&
          (ver === '' || th.dataset.v === ver);
        th.hidden = !visible[i];
        if (visible[i]) { shownCols++; }
      });
      table.querySelectorAll('th.plugin').forEach(function (th) {
        var n = table.querySelectorAll(
          'th.ver[data-r="' + th.dataset.r + '"]:not([hidden])').length;
        th.hidden = n === 0;
        th.colSpan = Math.max(n, 1);
      });
      table.tBodies[0].querySelectorAll('tr').forEach(function (tr) {
        var hit = bad.length === 0;
        visible.forEach(function (show, i) {
          var td = tr.cells[i + 1];
          td.hidden = !show;
          hit = hit || (show && bad.some(function (c) { return td.classList.contains(c); }));
        });
        tr.hidden = !hit;
        allRows++;
        if (hit) { shownRows++; }
      });
    }
    document.querySelectorAll('[data-run]').forEach(function (e) {
      e.hidden = run !== '' && e.dataset.run !== run;
    });
    form.shown.value = shownRows + ' of ' + allRows + ' requirements, ' +
      shownCols + ' of ' + visible.length + ' columns';
  }

  // Open the <details> an anchor points into, showing it first if a
  // filter hid it.
  function openHash() {
    var e = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (form && e && e.closest('[hidden]')) { form.reset(); apply(); }
    for (; e; e = e.parentElement) {
      if (e.tagName === 'DETAILS') { e.open = true; }
    }
  }

  if (form) {
    form.hidden = false;
    form.addEventListener('change', apply);
    form.addEventListener('submit', function (ev) { ev.preventDefault(); });
    apply();
  }
  window.addEventListener('hashchange', openHash);
  openHash();
})();
