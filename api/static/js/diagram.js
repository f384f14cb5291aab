// Process diagrams with bpmn-js (the navigated viewer from npm): a procedure's position (current steps
// and completed path) and the manager's bottleneck heatmap. The server sends the BPMN XML and the
// element ids to mark; this file only draws.
(function () {
  'use strict';

  function fetchJson(url) {
    return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } }).then(function (r) {
      if (!r.ok) { throw new Error('HTTP ' + r.status); }
      return r.json();
    });
  }

  function withParam(url, key, value) {
    var u = new URL(url, window.location.href);
    if (value) { u.searchParams.set(key, value); } else { u.searchParams.delete(key); }
    return u.pathname + u.search;
  }

  function nameOf(registry, id) {
    var element = registry.get(id);
    var bo = element && element.businessObject;
    return (bo && bo.name) || id;
  }

  function tabs(container, processes, active, onPick) {
    if (!container) { return; }
    container.textContent = '';
    if (!processes || processes.length < 2) { return; }
    processes.forEach(function (p) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'secondary small';
      button.textContent = p.name + (p.active ? ' •' : '');
      button.setAttribute('aria-pressed', String(p.process_id === active));
      button.addEventListener('click', function () { onPick(p.process_id); });
      container.appendChild(button);
    });
  }

  function viewer(container) {
    if (container._wamsViewer) { return container._wamsViewer; }
    container._wamsViewer = new window.BpmnJS({ container: container });
    window.wamsViewer = container._wamsViewer;
    return container._wamsViewer;
  }

  function render(container, xml) {
    var v = viewer(container);
    return v.importXML(xml).then(function () {
      v.get('canvas').zoom('fit-viewport', 'auto');
      return v;
    });
  }

  function position(container, options) {
    var src = container.getAttribute('data-src');
    var labels = options.labels;

    function load(processId) {
      fetchJson(withParam(src, 'process', processId)).then(function (data) {
        tabs(options.tabs, data.processes, data.process_id, load);
        return render(container, data.xml).then(function (v) {
          var canvas = v.get('canvas');
          var registry = v.get('elementRegistry');
          var done = new Set(data.completed);
          var now = new Set(data.current);
          data.completed.forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, 'wams-done'); } });
          data.current.forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, 'wams-current'); } });
          registry.filter(function (e) { return e.type === 'bpmn:SequenceFlow'; }).forEach(function (flow) {
            var bo = flow.businessObject;
            var from = bo.sourceRef && bo.sourceRef.id;
            var to = bo.targetRef && bo.targetRef.id;
            if (done.has(from) && (done.has(to) || now.has(to))) { canvas.addMarker(flow.id, 'wams-done'); }
          });
          var names = data.current.filter(function (id) { return registry.get(id); }).map(function (id) { return nameOf(registry, id); });
          options.text.textContent = names.length ? labels.current.replace('{steps}', names.join(', ')) : labels.none;
          container.setAttribute('data-ready', 'true');
        });
      }).catch(function () {
        options.text.textContent = labels.error;
        container.setAttribute('data-ready', 'error');
      });
    }
    load(null);
  }

  function heatLevel(item, max) {
    if (!item.open) { return 0; }
    return Math.min(4, 1 + Math.floor(3 * item.open / Math.max(1, max)) + (item.overdue ? 1 : 0));
  }

  function heatmap(container, options) {
    var src = container.getAttribute('data-src');
    var labels = options.labels;

    function load(processId) {
      fetchJson(withParam(src, 'process', processId)).then(function (data) {
        tabs(options.tabs, data.processes.map(function (p) { return { process_id: p.process_id, name: p.name }; }), data.process_id, load);
        return render(container, data.xml).then(function (v) {
          var overlays = v.get('overlays');
          var registry = v.get('elementRegistry');
          var max = data.items.reduce(function (m, i) { return Math.max(m, i.open); }, 0);
          var rows = [];
          data.items.forEach(function (item) {
            if (!registry.get(item.element_id)) { return; }
            var level = heatLevel(item, max);
            var badge = document.createElement('div');
            badge.className = 'heat heat-' + level;
            badge.textContent = labels.badge.replace('{open}', item.open).replace('{wait}', item.waiting);
            badge.title = item.name;
            overlays.add(item.element_id, 'wams-heat', { position: { top: -14, left: 0 }, html: badge });
            rows.push(item);
          });
          if (options.table) {
            var body = options.table.querySelector('tbody');
            body.textContent = '';
            rows.forEach(function (item) {
              var tr = document.createElement('tr');
              [item.name, item.open, item.overdue, item.waiting, item.completed_in_period].forEach(function (value) {
                var td = document.createElement('td');
                td.textContent = String(value);
                tr.appendChild(td);
              });
              body.appendChild(tr);
            });
            options.table.hidden = rows.length === 0;
          }
          options.text.textContent = rows.length ? '' : labels.none;
          container.setAttribute('data-ready', 'true');
        });
      }).catch(function () {
        options.text.textContent = labels.error;
        container.setAttribute('data-ready', 'error');
      });
    }
    load(null);
  }

  function byId(id) { return id ? document.getElementById(id) : null; }

  // Pages mark their diagram with data attributes; no inline script is needed.
  document.querySelectorAll('[data-diagram]').forEach(function (container) {
    var options = {
      tabs: byId(container.getAttribute('data-tabs')),
      text: byId(container.getAttribute('data-text')),
      table: byId(container.getAttribute('data-table')),
      labels: JSON.parse(container.getAttribute('data-labels') || '{}'),
    };
    (container.getAttribute('data-diagram') === 'heatmap' ? heatmap : position)(container, options);
  });
  window.WamsDiagram = { position: position, heatmap: heatmap };
})();
