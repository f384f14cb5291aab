// The "Wams" group of the properties panel: what this engine reads from a model (docs/modelling.md),
// edited with pickers over the version's catalogues instead of typed into XML. Attributes are written
// as Camunda 7 writes them (camunda:candidateGroups, camunda:formKey, camunda:dueDate) and the rest
// as camunda:properties, so Camunda Modeler desktop reads the same file.
//
// The catalogues (roles, forms, legal grounds, settings, phases, processes) and the labels come from
// the page (`config.wams`, rendered by the designer view through Flask-Babel); the server's check
// stays the judge of what deploys, the panel only checks as you type.
import { h } from '@bpmn-io/properties-panel/preact';
import {
  SelectEntry,
  TextFieldEntry,
  isSelectEntryEdited,
  isTextFieldEntryEdited,
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { is, getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';

var DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;
var DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
var VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;
var MONITOR_PAIR = /^[A-Za-z_][A-Za-z0-9_]*=[A-Za-z_][A-Za-z0-9_.]*$/;

// --- reading and writing -------------------------------------------------------------------------

function propertiesOf(bo) {
  var ext = bo.get('extensionElements');
  return ext ? ext.get('values').filter(function (v) { return is(v, 'camunda:Properties'); }) : [];
}

export function getProperty(element, name) {
  var found = '';
  propertiesOf(getBusinessObject(element)).forEach(function (props) {
    (props.get('values') || []).forEach(function (p) {
      if (p.get('name') === name && !found) { found = p.get('value') || ''; }
    });
  });
  return found;
}

export function setProperty(injector, element, name, value) {
  var bpmnFactory = injector.get('bpmnFactory');
  var commandStack = injector.get('commandStack');
  var bo = getBusinessObject(element);
  var commands = [];
  value = (value || '').trim();

  function update(moddleElement, properties) {
    commands.push({ cmd: 'element.updateModdleProperties', context: { element: element, moddleElement: moddleElement, properties: properties } });
  }

  var ext = bo.get('extensionElements');
  if (!ext) {
    if (!value) { return; }
    ext = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    ext.$parent = bo;
    update(bo, { extensionElements: ext });
  }
  var props = propertiesOf(bo)[0];
  if (!props) {
    if (!value) { return; }
    props = bpmnFactory.create('camunda:Properties', { values: [] });
    props.$parent = ext;
    update(ext, { values: ext.get('values').concat([props]) });
  }
  var existing = (props.get('values') || []).filter(function (p) { return p.get('name') === name; })[0];
  if (!value) {
    if (!existing) { return; }
    update(props, { values: props.get('values').filter(function (p) { return p !== existing; }) });
  } else if (existing) {
    update(existing, { value: value });
  } else {
    var property = bpmnFactory.create('camunda:Property', { name: name, value: value });
    property.$parent = props;
    update(props, { values: (props.get('values') || []).concat([property]) });
  }
  commandStack.execute('properties-panel.multi-command-executor', commands);
}

function getAttribute(element, name) {
  return getBusinessObject(element).get(name) || '';
}

function setAttribute(injector, element, name, value) {
  var properties = {};
  properties[name] = (value || '').trim() || undefined;
  injector.get('modeling').updateProperties(element, properties);
}

// --- checks as you type (the server checks again on "Controleren") ---------------------------------

export function checkDue(value, settings, labels) {
  var due = (value || '').trim();
  if (!due) { return null; }
  if (due.indexOf('config:') === 0) {
    var key = due.slice('config:'.length);
    return Object.prototype.hasOwnProperty.call(settings, key) ? null : labels.dueUnknownSetting.replace('{key}', key);
  }
  if (DURATION.test(due)) { return null; }
  if (DATE_TIME.test(due) && !isNaN(Date.parse(due))) { return null; }
  return labels.dueInvalid;
}

function checkVariable(labels) {
  return function (value) {
    return !value || VARIABLE.test(value.trim()) ? null : labels.variableInvalid;
  };
}

function checkMonitor(labels) {
  return function (value) {
    if (!value || !value.trim()) { return null; }
    var bad = value.split(',').map(function (s) { return s.trim(); }).filter(function (s) { return s && !MONITOR_PAIR.test(s); });
    return bad.length ? labels.monitorInvalid.replace('{pair}', bad[0]) : null;
  };
}

// --- entries ---------------------------------------------------------------------------------------

function useWams() {
  return useService('config.wams') || {};
}

function propertyText(name, labelKey, options) {
  options = options || {};
  return function (props) {
    var injector = useService('injector');
    var wams = useWams();
    var labels = wams.labels || {};
    return h(TextFieldEntry, {
      element: props.element,
      id: props.id,
      label: labels[labelKey],
      description: options.description ? labels[options.description] : undefined,
      getValue: function (el) { return getProperty(el, name); },
      setValue: function (value) { setProperty(injector, props.element, name, value); },
      validate: options.validate ? options.validate(labels, wams.catalogue || {}) : undefined,
      debounce: useService('debounceInput'),
    });
  };
}

function RoleEntry(props) {
  var injector = useService('injector');
  var wams = useWams();
  var labels = wams.labels || {};
  var roles = (wams.catalogue || {}).roles || [];
  return h(SelectEntry, {
    element: props.element,
    id: props.id,
    label: labels.role,
    description: labels.roleHelp,
    getValue: function (el) { return getAttribute(el, 'camunda:candidateGroups'); },
    setValue: function (value) { setAttribute(injector, props.element, 'camunda:candidateGroups', value); },
    getOptions: function (el) {
      var current = getAttribute(el, 'camunda:candidateGroups');
      var options = [{ value: '', label: labels.roleFromLane }].concat(roles.map(function (r) {
        return { value: r.key, label: r.name + ' (' + r.key + ')' };
      }));
      if (current && !roles.some(function (r) { return r.key === current; })) {
        options.push({ value: current, label: current + ' — ' + labels.ownGroup });
      }
      return options;
    },
  });
}

function FormEntry(props) {
  var injector = useService('injector');
  var wams = useWams();
  var labels = wams.labels || {};
  var forms = (wams.catalogue || {}).forms || [];
  return h(SelectEntry, {
    element: props.element,
    id: props.id,
    label: labels.form,
    description: labels.formHelp,
    getValue: function (el) { return getAttribute(el, 'camunda:formKey'); },
    setValue: function (value) { setAttribute(injector, props.element, 'camunda:formKey', value); },
    getOptions: function (el) {
      var current = getAttribute(el, 'camunda:formKey');
      var options = [{ value: '', label: labels.none }].concat(forms.map(function (f) {
        return { value: f.key, label: f.title + ' (' + f.key + ')' };
      }));
      if (current && !forms.some(function (f) { return f.key === current; })) {
        options.push({ value: current, label: current + ' — ' + labels.formMissing });
      }
      return options;
    },
  });
}

function FormPreviewEntry(props) {
  var wams = useWams();
  var labels = wams.labels || {};
  var key = getAttribute(props.element, 'camunda:formKey');
  var known = ((wams.catalogue || {}).forms || []).some(function (f) { return f.key === key; });
  if (!key || !known) { return null; }
  return h('div', { class: 'bio-properties-panel-entry', 'data-entry-id': props.id },
    h('button', {
      type: 'button',
      class: 'secondary small wams-preview-button',
      onClick: function () { document.dispatchEvent(new CustomEvent('wams:preview-form', { detail: { key: key } })); },
    }, labels.preview));
}

function DueEntry(props) {
  var injector = useService('injector');
  var wams = useWams();
  var labels = wams.labels || {};
  var settings = (wams.catalogue || {}).settings || {};
  var due = getAttribute(props.element, 'camunda:dueDate');
  var key = due.indexOf('config:') === 0 ? due.slice('config:'.length) : null;
  var description = labels.dueHelp + (key && settings[key] ? ' ' + labels.dueSettingValue.replace('{value}', settings[key]) : '');
  return h(TextFieldEntry, {
    element: props.element,
    id: props.id,
    label: labels.due,
    description: description,
    getValue: function (el) { return getAttribute(el, 'camunda:dueDate'); },
    setValue: function (value) { setAttribute(injector, props.element, 'camunda:dueDate', value); },
    validate: function (value) { return checkDue(value, settings, labels); },
    debounce: useService('debounceInput'),
  });
}

function groundLabel(ground, labels) {
  var article = ground.article ? ' ' + labels.article + ' ' + ground.article : '';
  return ground.law + article + ' (' + ground.key + ')';
}

function LegalGroundEntry(props) {
  var injector = useService('injector');
  var wams = useWams();
  var labels = wams.labels || {};
  var grounds = (wams.catalogue || {}).legalGrounds || [];
  var current = getProperty(props.element, 'legalGround');
  var chosen = grounds.filter(function (g) { return g.key === current; })[0];
  return h(SelectEntry, {
    element: props.element,
    id: props.id,
    label: labels.legalGround,
    description: chosen ? chosen.description : labels.legalGroundHelp,
    getValue: function (el) { return getProperty(el, 'legalGround'); },
    setValue: function (value) { setProperty(injector, props.element, 'legalGround', value); },
    getOptions: function () {
      var options = [{ value: '', label: labels.none }].concat(grounds.map(function (g) {
        return { value: g.key, label: groundLabel(g, labels) };
      }));
      if (current && !chosen) { options.push({ value: current, label: current + ' — ' + labels.groundMissing }); }
      return options;
    },
  });
}

function PhaseEntry(props) {
  var injector = useService('injector');
  var wams = useWams();
  var labels = wams.labels || {};
  var phases = (wams.catalogue || {}).phases || [];
  return h(SelectEntry, {
    element: props.element,
    id: props.id,
    label: labels.phase,
    getValue: function (el) { return getProperty(el, 'phase'); },
    setValue: function (value) { setProperty(injector, props.element, 'phase', value); },
    getOptions: function (el) {
      var current = getProperty(el, 'phase');
      var options = [{ value: '', label: labels.none }].concat(phases.map(function (p) {
        return { value: p.key, label: p.name + ' (' + p.key + ')' };
      }));
      if (current && !phases.some(function (p) { return p.key === current; })) {
        options.push({ value: current, label: current });
      }
      return options;
    },
  });
}

function ContinueAsEntry(props) {
  var injector = useService('injector');
  var wams = useWams();
  var labels = wams.labels || {};
  var processes = (wams.catalogue || {}).processes || [];
  return h(SelectEntry, {
    element: props.element,
    id: props.id,
    label: labels.continueAs,
    description: labels.continueAsHelp,
    getValue: function (el) { return getProperty(el, 'continueAs'); },
    setValue: function (value) { setProperty(injector, props.element, 'continueAs', value); },
    getOptions: function (el) {
      var current = getProperty(el, 'continueAs');
      var options = [{ value: '', label: labels.none }].concat(processes.map(function (p) { return { value: p, label: p }; }));
      if (current && processes.indexOf(current) < 0) { options.push({ value: current, label: current }); }
      return options;
    },
  });
}

var PartyEntry = propertyText('partyVariable', 'party', { description: 'partyHelp', validate: checkVariable });
var SubjectEntry = propertyText('subjectVariable', 'subject', { description: 'subjectHelp', validate: checkVariable });
var AboutPartyEntry = propertyText('aboutPartyVariable', 'aboutParty', { description: 'aboutPartyHelp', validate: checkVariable });
var PurposeEntry = propertyText('purpose', 'purpose', { description: 'purposeHelp' });
var PurposeVariableEntry = propertyText('purposeVariable', 'purposeVariable', { validate: checkVariable });
var MonitorEntry = propertyText('monitor', 'monitor', { description: 'monitorHelp', validate: checkMonitor });

function entry(id, component, isEdited) {
  return { id: 'wams-' + id, component: component, isEdited: isEdited };
}

// Which entries an element gets: user tasks all of them, a start event its form, an end event
// continue-as, every other task or event or gateway the legal ground (and tasks their phase).
export function wamsEntries(element) {
  var entries = [];
  if (is(element, 'bpmn:UserTask')) {
    entries.push(
      entry('role', RoleEntry, isSelectEntryEdited),
      entry('form', FormEntry, isSelectEntryEdited),
      entry('form-preview', FormPreviewEntry, function () { return false; }),
      entry('due', DueEntry, isTextFieldEntryEdited),
      entry('legal-ground', LegalGroundEntry, isSelectEntryEdited),
      entry('phase', PhaseEntry, isSelectEntryEdited),
      entry('party', PartyEntry, isTextFieldEntryEdited),
      entry('subject', SubjectEntry, isTextFieldEntryEdited),
      entry('about-party', AboutPartyEntry, isTextFieldEntryEdited),
      entry('purpose', PurposeEntry, isTextFieldEntryEdited),
      entry('purpose-variable', PurposeVariableEntry, isTextFieldEntryEdited),
      entry('monitor', MonitorEntry, isTextFieldEntryEdited)
    );
  } else if (is(element, 'bpmn:StartEvent') && !(element.parent && is(element.parent, 'bpmn:SubProcess'))) {
    entries.push(
      entry('form', FormEntry, isSelectEntryEdited),
      entry('form-preview', FormPreviewEntry, function () { return false; })
    );
  } else if (is(element, 'bpmn:EndEvent')) {
    entries.push(
      entry('continue-as', ContinueAsEntry, isSelectEntryEdited),
      entry('legal-ground', LegalGroundEntry, isSelectEntryEdited)
    );
  } else if (is(element, 'bpmn:Activity') || is(element, 'bpmn:Event') || is(element, 'bpmn:Gateway')) {
    entries.push(entry('legal-ground', LegalGroundEntry, isSelectEntryEdited));
    if (is(element, 'bpmn:Task') || is(element, 'bpmn:CallActivity')) {
      entries.push(entry('phase', PhaseEntry, isSelectEntryEdited));
    }
  }
  return entries;
}

function WamsPropertiesProvider(propertiesPanel, config) {
  var labels = (config && config.labels) || {};
  this.getGroups = function (element) {
    return function (groups) {
      var entries = wamsEntries(element);
      if (entries.length) {
        // Right after "General" (name and id): what makes the step work here comes first.
        groups.splice(Math.min(1, groups.length), 0, { id: 'wams', label: labels.group, entries: entries });
      }
      return groups;
    };
  };
  propertiesPanel.registerProvider(400, this);
}
WamsPropertiesProvider.$inject = ['propertiesPanel', 'config.wams'];

export default {
  __init__: ['wamsPropertiesProvider'],
  wamsPropertiesProvider: ['type', WamsPropertiesProvider],
};
