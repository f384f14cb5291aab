// The designer's editor: bpmn-js modeler (with bpmnlint when installed) or dmn-js, on the newest
// version's file. "Check" and "Deploy" post the edited XML; the server validates it together with the
// version's other files and answers with issues, which are listed and pinned to their elements.
(function () {
  'use strict';
  var root = document.getElementById('editor');
  if (!root) { return; }
  var kind = root.getAttribute('data-kind');
  var file = root.getAttribute('data-file');
  var labels = JSON.parse(root.getAttribute('data-labels') || '{}');
  var statusBox = document.getElementById('status');
  var issuesBox = document.getElementById('issues-box');
  var issuesList = document.getElementById('issues');
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';
  var buttons = [document.getElementById('validate'), document.getElementById('deploy')];
  var pins = [];

  function say(text) { statusBox.textContent = text; }

  // The modelers and their properties panels are our bundles (api/assets, built by `npm run build`);
  // the panel's catalogues, templates and words come from the page (designer_panel.py).
  var panelData = document.getElementById('wams-panel');
  var panel = panelData ? JSON.parse(panelData.textContent || '{}') : {};
  var propertiesParent = document.getElementById('properties');
  var modeler;
  if (kind === 'bpmn') {
    var options = { container: root, propertiesParent: propertiesParent, wams: panel };
    if (window.WamsLint) {
      // Its labels and messages go through the panel's `translate` (Flask-Babel: designer_panel.py).
      options.additionalModules = [window.WamsLint.module];
      options.linting = { bpmnlint: window.WamsLint.config, active: true };
    }
    modeler = window.WamsBpmnModeler(options);
  } else {
    modeler = window.WamsDmnModeler({ container: root, propertiesParent: propertiesParent });
  }
  window.wamsModeler = modeler;

  // "Preview the form" in the panel: the form as the worker's task page renders it, in a dialog.
  var previewDialog = document.getElementById('form-preview');
  var previewBody = document.getElementById('form-preview-body');
  document.getElementById('form-preview-close').addEventListener('click', function () { previewDialog.close(); });
  document.addEventListener('wams:preview-form', function (event) {
    var url = (panel.previewUrl || '').replace('__key__', encodeURIComponent(event.detail.key));
    fetch(url, { credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
      .then(function (html) {
        previewBody.innerHTML = html;  // our own server-rendered, escaped fragment
        previewDialog.showModal();
      })
      .catch(function () { say(labels.failed); });
  });

  function diagramServices() {
    if (kind === 'bpmn') { return modeler; }
    var viewer = modeler.getActiveViewer && modeler.getActiveViewer();
    return viewer && viewer.get ? viewer : null;
  }

  function clearPins() {
    var services = diagramServices();
    pins.forEach(function (pin) {
      try {
        services.get('overlays').remove(pin.overlay);
        services.get('canvas').removeMarker(pin.element, 'wams-issue');
      } catch (e) { /* the view changed */ }
    });
    pins = [];
  }

  function pin(element, number) {
    var services = diagramServices();
    if (!services || !element) { return false; }
    var registry;
    try { registry = services.get('elementRegistry'); } catch (e) { return false; }
    if (!registry.get(element)) { return false; }
    var badge = document.createElement('span');
    badge.className = 'issue-pin';
    badge.textContent = String(number);
    var overlay = services.get('overlays').add(element, { position: { top: -10, right: 10 }, html: badge });
    services.get('canvas').addMarker(element, 'wams-issue');
    pins.push({ overlay: overlay, element: element });
    return true;
  }

  function showIssues(issues) {
    clearPins();
    issuesList.textContent = '';
    issuesBox.hidden = issues.length === 0;
    issues.forEach(function (issue, index) {
      var li = document.createElement('li');
      li.setAttribute('data-element', issue.element || '');
      var where = issue.file + (issue.line ? ':' + issue.line : '') + (issue.element ? ' [' + issue.element + ']' : '');
      li.textContent = (issue.severity === 'error' ? '' : '(' + issue.severity + ') ') + where + ' — ' + issue.message + (issue.hint ? ' (' + issue.hint + ')' : '');
      var pinned = issue.file === file && pin(issue.element, index + 1);
      if (pinned) {
        var go = document.createElement('button');
        go.type = 'button';
        go.className = 'secondary small';
        go.textContent = labels.show;
        go.addEventListener('click', function () {
          var services = diagramServices();
          var element = services.get('elementRegistry').get(issue.element);
          var canvas = services.get('canvas');
          if (canvas.scrollToElement) { canvas.scrollToElement(element); }
          try { services.get('selection').select(element); } catch (e) { /* no selection in this view */ }
        });
        li.appendChild(document.createTextNode(' '));
        li.appendChild(go);
      }
      issuesList.appendChild(li);
    });
  }

  function post(url) {
    buttons.forEach(function (b) { b.disabled = true; });
    return modeler.saveXML({ format: true }).then(function (saved) {
      return fetch(url, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, Accept: 'application/json' },
        body: JSON.stringify({ file: file, xml: saved.xml }),
      });
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).finally(function () {
      buttons.forEach(function (b) { b.disabled = false; });
    });
  }

  function errorsOf(body) {
    return (body.issues || []).filter(function (i) { return i.severity === 'error'; });
  }

  document.getElementById('validate').addEventListener('click', function () {
    say(labels.checking);
    post(root.getAttribute('data-validate')).then(function (result) {
      var issues = result.body.issues || [];
      showIssues(issues);
      say(errorsOf(result.body).length || issues.length ? labels.problems.replace('{n}', issues.length) : labels.ok);
    }).catch(function () { say(labels.failed); });
  });

  document.getElementById('deploy').addEventListener('click', function () {
    say(labels.deploying);
    post(root.getAttribute('data-deploy')).then(function (result) {
      if (result.status === 200 && result.body.ok) {
        showIssues(result.body.issues || []);
        say((result.body.created ? labels.deployed : labels.same).replace('{version}', result.body.version));
        if (result.body.created) { window.location.assign(result.body.next); }
        return;
      }
      var issues = result.body.issues || [{ file: file, message: result.body.message || String(result.status), severity: 'error' }];
      showIssues(issues);
      say(labels.problems.replace('{n}', issues.length));
    }).catch(function () { say(labels.failed); });
  });

  say(labels.loading);
  fetch(root.getAttribute('data-src'), { credentials: 'same-origin' })
    .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
    .then(function (xml) { return modeler.importXML(xml); })
    .then(function () {
      if (kind === 'bpmn') { modeler.get('canvas').zoom('fit-viewport', 'auto'); }
      if (kind === 'dmn') {
        // Open the (first) decision table: that is what a designer edits; the DRD stays one click away.
        var table = modeler.getViews().filter(function (v) { return v.type === 'decisionTable'; })[0];
        if (table) { return modeler.open(table); }
      }
      return null;
    })
    .then(function () {
      root.setAttribute('data-ready', 'true');
      say(labels.loaded);
    })
    .catch(function () { root.setAttribute('data-ready', 'error'); say(labels.error_load); });
})();
