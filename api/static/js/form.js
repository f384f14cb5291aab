// Rows of an array of objects (e.g. household members): add and remove without a round trip.
// Field names carry the row index (gezinsleden.0.naam); new rows take the next free index, and the
// server drops empty rows and renumbers, so gaps after a removal do no harm.
(function () {
  'use strict';

  function renumber(list) {
    list.querySelectorAll(':scope > [data-row]').forEach(function (row, i) {
      row.querySelectorAll('[data-row-number]').forEach(function (el) { el.textContent = String(i + 1); });
    });
  }

  function nextIndex(list, path) {
    var highest = -1;
    var pattern = new RegExp('^' + path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '\\.(\\d+)\\.');
    list.querySelectorAll('[name]').forEach(function (input) {
      var match = pattern.exec(input.getAttribute('name'));
      if (match) { highest = Math.max(highest, parseInt(match[1], 10)); }
    });
    return highest + 1;
  }

  function setup(fieldset) {
    var list = fieldset.querySelector('.row-list');
    var template = fieldset.querySelector(':scope > template');
    var add = fieldset.querySelector('[data-add-row]');
    var max = parseInt(fieldset.getAttribute('data-max') || '0', 10);
    var path = fieldset.getAttribute('data-rows');

    function update() {
      renumber(list);
      if (max) { add.disabled = list.querySelectorAll(':scope > [data-row]').length >= max; }
    }

    add.addEventListener('click', function () {
      var index = nextIndex(list, path);
      var count = list.querySelectorAll(':scope > [data-row]').length + 1;
      var html = template.innerHTML.split('__index__').join(String(index)).split('__number__').join(String(count));
      list.insertAdjacentHTML('beforeend', html);
      var row = list.lastElementChild;
      update();
      var first = row.querySelector('input, select, textarea');
      if (first) { first.focus(); }
    });

    list.addEventListener('click', function (event) {
      var button = event.target.closest('[data-remove-row]');
      if (!button) { return; }
      var row = button.closest('[data-row]');
      row.remove();
      update();
      add.focus();
    });
    update();
  }

  document.querySelectorAll('fieldset[data-rows]').forEach(setup);

  var summary = document.getElementById('error-summary');
  if (summary) { summary.focus(); }
})();
