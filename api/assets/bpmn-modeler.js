// The designer's BPMN modeler, bundled at install time (`npm run build`, called by `make`) into
// node_modules/.wams/bpmn-modeler.js (+ .css): bpmn-js with the Camunda 7 moddle (the attributes and
// extension elements this engine reads), the properties panel with our Wams provider
// (./wams-properties.js), and the element templates of workflows/element-templates with the chooser.
// The page (api/templates/web/designer_edit.html) calls `window.WamsBpmnModeler(options)`.
import Modeler from 'bpmn-js/lib/Modeler';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
} from 'bpmn-js-properties-panel';
import { ElementTemplatesPropertiesProviderModule } from 'bpmn-js-element-templates';
import ElementTemplateChooserModule from '@bpmn-io/element-template-chooser';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';

import WamsPropertiesProviderModule from './wams-properties';
import translateModule from './translate';

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import 'bpmn-js-element-templates/dist/assets/element-templates.css';
import '@bpmn-io/element-template-chooser/dist/element-template-chooser.css';

window.WamsBpmnModeler = function (options) {
  var wams = options.wams || {};
  var modules = [
    // Keeps Camunda attributes consistent as Camunda Modeler does (e.g. a form key goes when a user
    // task becomes a gateway).
    CamundaBehaviorsModule,
    BpmnPropertiesPanelModule,
    BpmnPropertiesProviderModule,
    ElementTemplatesPropertiesProviderModule,
    ElementTemplateChooserModule,
    WamsPropertiesProviderModule,
    translateModule,
  ].concat(options.additionalModules || []);
  var config = {
    container: options.container,
    additionalModules: modules,
    moddleExtensions: { camunda: camundaModdle },
    // The Wams group (what makes a step work here) is open from the start.
    propertiesPanel: { parent: options.propertiesParent, layout: { groups: { wams: { open: true } } } },
    elementTemplates: wams.templates || [],
    wams: wams,
  };
  if (options.linting) { config.linting = options.linting; }
  return new Modeler(config);
};
