// The modeler's "Show the changes": the edited diagram against the newest version, before deploying.
// The server compares it (engine/definitions/drafts.py) and answers with an HTML fragment it rendered
// (escaped by its templates), shown above the diagram.
(function () {
  'use strict';
  var button = document.getElementById('show-changes');
  var box = document.getElementById('changes-box');
  var target = document.getElementById('changes');
  var root = document.getElementById('editor');
  if (!button || !box || !target || !root) { return; }
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';
  button.addEventListener('click', function () {
    if (!window.wamsModeler) { return; }
    button.disabled = true;
    window.wamsModeler.saveXML({ format: true }).then(function (saved) {
      return fetch(button.getAttribute('data-url'), {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, Accept: 'text/html' },
        body: JSON.stringify({ file: root.getAttribute('data-file'), xml: saved.xml }),
      });
    }).then(function (response) { return response.text(); }).then(function (html) {
      target.innerHTML = html;
      box.hidden = false;
      box.scrollIntoView({ block: 'nearest' });
    }).finally(function () { button.disabled = false; });
  });
})();
