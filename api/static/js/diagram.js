// Process diagrams with bpmn-js (the navigated viewer from npm): a procedure's position (current steps
// and completed path), the manager's bottleneck heatmap and practice against the model (deviations per
// step, gateway splits, variants). The server sends the BPMN XML and the figures; this file only draws.
// Every diagram opens zoomed on the step that matters (the current, busiest or most deviating one) at a
// scale where labels are readable, and is zoomed and panned by mouse (wheel, drag), by the buttons
// beside it, or by keyboard on the focused diagram: arrows pan, + and - zoom, 0 returns to the step.
(function () {
  'use strict';

  // At scale 1 bpmn-js draws labels in 12 px; below 0.85 they become hard to read.
  var READABLE_SCALE = 1;
  var MIN_SCALE = 0.2;
  var MAX_SCALE = 4;
  var PAN_STEP = 80;

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
    var v = new window.BpmnJS({ container: container });
    container._wamsViewer = v;
    window.wamsViewer = v;
    bindKeys(container, v);
    return v;
  }

  // --- zoom and pan ---------------------------------------------------------------------------------

  function clampScale(scale) { return Math.max(MIN_SCALE, Math.min(MAX_SCALE, scale)); }

  // Centre the view on an element at a readable scale; with nothing to focus on, the whole diagram
  // if that is readable, else its top left corner at the readable scale.
  function focus(v, elementId) {
    var canvas = v.get('canvas');
    var registry = v.get('elementRegistry');
    canvas.zoom('fit-viewport', 'auto');
    var fitted = canvas.viewbox();
    var element = elementId && registry.get(elementId);
    if (!element && fitted.scale >= READABLE_SCALE) { return; }
    var scale = Math.max(READABLE_SCALE, Math.min(fitted.scale, MAX_SCALE));
    var outer = fitted.outer;
    var width = outer.width / scale;
    var height = outer.height / scale;
    var cx = element ? element.x + (element.width || 0) / 2 : fitted.inner.x + width / 2;
    var cy = element ? element.y + (element.height || 0) / 2 : fitted.inner.y + height / 2;
    canvas.viewbox({ x: cx - width / 2, y: cy - height / 2, width: width, height: height });
  }

  function zoomBy(v, factor) {
    var canvas = v.get('canvas');
    var box = canvas.viewbox();
    canvas.zoom(clampScale(box.scale * factor), { x: box.outer.width / 2, y: box.outer.height / 2 });
  }

  function bindKeys(container, v) {
    // diagram-js makes its SVG focusable (tabindex 0) and binds its own keyboard there, which pans
    // only with Ctrl held; these keys work on the focused diagram without a modifier.
    container.addEventListener('keydown', function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) { return; }
      var canvas = v.get('canvas');
      var handled = true;
      switch (event.key) {
        case '+': case '=': zoomBy(v, 1.25); break;
        case '-': case '_': zoomBy(v, 0.8); break;
        case '0': focus(v, container.getAttribute('data-focus')); break;
        case 'ArrowLeft': canvas.scroll({ dx: PAN_STEP, dy: 0 }); break;
        case 'ArrowRight': canvas.scroll({ dx: -PAN_STEP, dy: 0 }); break;
        case 'ArrowUp': canvas.scroll({ dx: 0, dy: PAN_STEP }); break;
        case 'ArrowDown': canvas.scroll({ dx: 0, dy: -PAN_STEP }); break;
        default: handled = false;
      }
      if (handled) { event.preventDefault(); }
    });
  }

  // Buttons for those who use neither wheel nor keyboard: zoom in, out, whole diagram, back to the step.
  function controls(container, v, labels) {
    var bar = container.parentNode.querySelector('.diagram-controls');
    if (!bar) {
      bar = document.createElement('div');
      bar.className = 'diagram-controls';
      bar.setAttribute('role', 'group');
      bar.setAttribute('aria-label', labels.controls || 'Zoom');
      [
        ['+', labels.zoom_in || 'Zoom in', function () { zoomBy(v, 1.25); }],
        ['−', labels.zoom_out || 'Zoom out', function () { zoomBy(v, 0.8); }],
        [labels.whole || 'Whole diagram', null, function () { v.get('canvas').zoom('fit-viewport', 'auto'); }],
        [labels.back || 'Back to the step', null, function () { focus(v, container.getAttribute('data-focus')); }],
      ].forEach(function (spec) {
        var button = document.createElement('button');
        button.type = 'button';
        button.className = 'secondary small';
        button.textContent = spec[0];
        if (spec[1]) { button.setAttribute('aria-label', spec[1]); button.title = spec[1]; }
        button.addEventListener('click', spec[2]);
        bar.appendChild(button);
      });
      container.parentNode.insertBefore(bar, container);
    }
    var svg = container.querySelector('svg');
    if (svg && labels.keys) { svg.setAttribute('aria-label', labels.keys); svg.setAttribute('role', 'img'); }
  }

  function render(container, xml, labels) {
    var v = viewer(container);
    return v.importXML(xml).then(function () {
      controls(container, v, labels);
      return v;
    });
  }

  function show(container, v, elementId) {
    if (elementId) { container.setAttribute('data-focus', elementId); } else { container.removeAttribute('data-focus'); }
    focus(v, elementId);
    container.setAttribute('data-ready', 'true');
  }

  // --- a procedure's position -----------------------------------------------------------------------

  function position(container, options) {
    var src = container.getAttribute('data-src');
    var labels = options.labels;

    function load(processId) {
      fetchJson(withParam(src, 'process', processId)).then(function (data) {
        tabs(options.tabs, data.processes, data.process_id, load);
        return render(container, data.xml, labels).then(function (v) {
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
          var present = data.current.filter(function (id) { return registry.get(id); });
          var names = present.map(function (id) { return nameOf(registry, id); });
          options.text.textContent = names.length ? labels.current.replace('{steps}', names.join(', ')) : labels.none;
          show(container, v, present[0]);
        });
      }).catch(function () {
        options.text.textContent = labels.error;
        container.setAttribute('data-ready', 'error');
      });
    }
    load(null);
  }

  // --- the bottleneck heatmap -----------------------------------------------------------------------

  function heatLevel(item, max) {
    if (!item.open) { return 0; }
    return Math.min(4, 1 + Math.floor(3 * item.open / Math.max(1, max)) + (item.overdue ? 1 : 0));
  }

  function fillTable(table, rows, cells) {
    if (!table) { return; }
    var body = table.querySelector('tbody');
    body.textContent = '';
    rows.forEach(function (row) {
      var tr = document.createElement('tr');
      cells(row).forEach(function (value) {
        var td = document.createElement('td');
        td.textContent = value === null || value === undefined ? '–' : String(value);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    table.hidden = rows.length === 0;
  }

  function badge(overlays, elementId, className, text, title, top) {
    var node = document.createElement('div');
    node.className = className;
    node.textContent = text;
    node.title = title;
    overlays.add(elementId, 'wams-badge', { position: { top: top, left: 0 }, html: node });
  }

  function heatmap(container, options) {
    var src = container.getAttribute('data-src');
    var labels = options.labels;

    function load(processId) {
      fetchJson(withParam(src, 'process', processId)).then(function (data) {
        tabs(options.tabs, data.processes.map(function (p) { return { process_id: p.process_id, name: p.name }; }), data.process_id, load);
        return render(container, data.xml, labels).then(function (v) {
          var overlays = v.get('overlays');
          var registry = v.get('elementRegistry');
          var max = data.items.reduce(function (m, i) { return Math.max(m, i.open); }, 0);
          var rows = data.items.filter(function (item) { return registry.get(item.element_id); });
          var busiest = null;
          rows.forEach(function (item) {
            badge(overlays, item.element_id, 'heat heat-' + heatLevel(item, max),
              labels.badge.replace('{open}', item.open).replace('{wait}', item.waiting), item.name, -14);
            if (item.open && (!busiest || item.overdue > busiest.overdue || (item.overdue === busiest.overdue && item.open > busiest.open))) { busiest = item; }
          });
          fillTable(options.table, rows, function (item) { return [item.name, item.open, item.overdue, item.waiting, item.completed_in_period]; });
          options.text.textContent = rows.length ? (busiest ? labels.busiest.replace('{step}', busiest.name) : '') : labels.none;
          show(container, v, busiest && busiest.element_id);
        });
      }).catch(function () {
        options.text.textContent = labels.error;
        container.setAttribute('data-ready', 'error');
      });
    }
    load(null);
  }

  // --- practice against the model -------------------------------------------------------------------

  function percent(share) { return share === null || share === undefined ? '–' : Math.round(share * 100) + '%'; }

  // A label on a sequence flow, near where it leaves the gateway.
  function flowLabel(overlays, flow, text, title) {
    var points = flow.waypoints || [];
    if (points.length < 2) { return; }
    var minX = Math.min.apply(null, points.map(function (p) { return p.x; }));
    var minY = Math.min.apply(null, points.map(function (p) { return p.y; }));
    var x = points[0].x + (points[1].x - points[0].x) * 0.5;
    var y = points[0].y + (points[1].y - points[0].y) * 0.5;
    var node = document.createElement('div');
    node.className = 'split';
    node.textContent = text;
    node.title = title;
    overlays.add(flow.id, 'wams-badge', { position: { left: x - minX + 4, top: y - minY - 22 }, html: node });
  }

  function conformance(container, options) {
    var src = container.getAttribute('data-src');
    var labels = options.labels;

    function load(processId) {
      fetchJson(withParam(src, 'process', processId)).then(function (data) {
        tabs(options.tabs, data.processes.map(function (p) { return { process_id: p.process_id, name: p.name }; }), data.process_id, load);
        return render(container, data.xml, labels).then(function (v) {
          var overlays = v.get('overlays');
          var registry = v.get('elementRegistry');
          var worst = null;
          var rows = data.elements.filter(function (e) { return registry.get(e.element_id) && (e.skipped || e.repeated || e.out_of_order); });
          rows.forEach(function (e) {
            var top = -16;
            [['skipped', 'dev dev-skip'], ['repeated', 'dev dev-repeat'], ['out_of_order', 'dev dev-order']].forEach(function (kind) {
              if (!e[kind[0]]) { return; }
              badge(overlays, e.element_id, kind[1], labels[kind[0]].replace('{n}', e[kind[0]]), e.name, top);
              top -= 20;
            });
            var weight = e.skipped + e.repeated + e.out_of_order;
            if (!worst || weight > worst.weight) { worst = { id: e.element_id, weight: weight }; }
          });
          var splits = [];
          data.gateways.forEach(function (g) {
            if (!registry.get(g.gateway_id)) { return; }
            g.flows.forEach(function (f) {
              var flow = registry.get(f.flow_id);
              if (flow) { flowLabel(overlays, flow, percent(f.share) + ' (' + f.count + ')', f.name); }
              splits.push({ gateway: g.name, flow: f.name, count: f.count, share: percent(f.share) });
            });
          });
          fillTable(options.table, rows, function (e) { return [e.name, e.done, e.skipped, e.repeated + (e.rework_in_model ? ' ' + labels.in_model : ''), e.out_of_order]; });
          fillTable(byId(container.getAttribute('data-splits')), splits, function (s) { return [s.gateway, s.flow, s.count, s.share]; });
          fillTable(byId(container.getAttribute('data-variants')), data.variants, function (variant) {
            return [variant.names.join(' → ') || labels.no_steps, variant.count, percent(variant.share), variant.finished, variant.duration_days_median];
          });
          options.text.textContent = labels.summary
            .replace('{fitting}', data.fitting).replace('{total}', data.procedures).replace('{variants}', data.variant_count)
            + (data.truncated ? ' ' + labels.truncated : '');
          var busiestGateway = data.gateways.filter(function (g) { return registry.get(g.gateway_id); })
            .sort(function (a, b) { return b.passages - a.passages; })[0];
          show(container, v, worst ? worst.id : busiestGateway && busiestGateway.gateway_id);
        });
      }).catch(function () {
        options.text.textContent = labels.error;
        container.setAttribute('data-ready', 'error');
      });
    }
    load(null);
  }

  function byId(id) { return id ? document.getElementById(id) : null; }

  var kinds = { heatmap: heatmap, conformance: conformance, position: position };

  // Pages mark their diagram with data attributes; no inline script is needed.
  document.querySelectorAll('[data-diagram]').forEach(function (container) {
    var options = {
      tabs: byId(container.getAttribute('data-tabs')),
      text: byId(container.getAttribute('data-text')),
      table: byId(container.getAttribute('data-table')),
      labels: Object.assign(
        JSON.parse(container.getAttribute('data-controls') || '{}'),
        JSON.parse(container.getAttribute('data-labels') || '{}')
      ),
    };
    (kinds[container.getAttribute('data-diagram')] || position)(container, options);
  });
  window.WamsDiagram = { position: position, heatmap: heatmap, conformance: conformance, focus: focus };
})();
