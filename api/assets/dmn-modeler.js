// The designer's DMN editor, bundled at install time (`npm run build`) into
// node_modules/.wams/dmn-modeler.js (+ .css): dmn-js with the properties panel of
// dmn-js-properties-panel in the decision requirements view (id and name of decisions, inputs, ...).
// The page calls `window.WamsDmnModeler(options)`.
import DmnModeler from 'dmn-js/lib/Modeler';
import { DmnPropertiesPanelModule, DmnPropertiesProviderModule } from 'dmn-js-properties-panel';

import 'dmn-js/dist/assets/diagram-js.css';
import 'dmn-js/dist/assets/dmn-js-shared.css';
import 'dmn-js/dist/assets/dmn-js-drd.css';
import 'dmn-js/dist/assets/dmn-js-decision-table.css';
import 'dmn-js/dist/assets/dmn-js-decision-table-controls.css';
import 'dmn-js/dist/assets/dmn-js-literal-expression.css';
import 'dmn-js/dist/assets/dmn-js-boxed-expression.css';
import 'dmn-js/dist/assets/dmn-js-boxed-expression-controls.css';
import 'dmn-js/dist/assets/dmn-font/css/dmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';

window.WamsDmnModeler = function (options) {
  return new DmnModeler({
    container: options.container,
    drd: { additionalModules: [DmnPropertiesPanelModule, DmnPropertiesProviderModule] },
    common: { propertiesPanel: { parent: options.propertiesParent } },
  });
};
