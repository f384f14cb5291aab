// Dutch for the designer's modeler: the lint panel's labels and bpmnlint's messages, through bpmn-js's
// `translate` service (bpmn-js-bpmnlint passes every label and message through it). What this table
// lacks stays as bpmn-js writes it. Bundled with lint-entry.js (`npm run build`).
export const dutch = {
  'No Issues': 'Geen problemen',
  '{errors} Errors, {warnings} Warnings': '{errors} fouten, {warnings} waarschuwingen',
  'Issues for child elements': 'Problemen in onderliggende elementen',
  'Toggle linting overlays': 'Controlemarkeringen aan/uit',
  'Element is missing label/name': 'Element heeft geen label/naam',
  'Element is missing name': 'Element heeft geen naam',
  'Element is not connected': 'Element is niet verbonden',
  'Element is an implicit end': 'Element is een impliciet einde (geen uitgaande stroom)',
  'Element is an implicit start': 'Element is een impliciet begin (geen inkomende stroom)',
  'Element is missing bpmndi': 'Element heeft geen diagramgegevens (bpmndi)',
  'Element is outside of parent boundary': 'Element ligt buiten zijn ouder',
  'Element is unused': 'Element wordt niet gebruikt',
  'Element name is not unique': 'Elementnaam is niet uniek',
  'Element overlaps with other element': 'Element overlapt een ander element',
  'Event has multiple event definitions': 'Gebeurtenis heeft meerdere gebeurtenisdefinities',
  'Flow splits implicitly': 'Stroom splitst impliciet',
  'Gateway forks and joins': 'Gateway splitst én voegt samen',
  'Gateway is superfluous. It only has one source and target.': 'Gateway is overbodig: één bron en één doel.',
  'Incoming flows do not join': 'Inkomende stromen worden niet samengevoegd',
  'Link event is missing link name': 'Koppelgebeurtenis heeft geen koppelnaam',
  'Sequence flow has superfluous label': 'Volgordestroom heeft een overbodig label',
  'Sequence flow is missing condition': 'Volgordestroom heeft geen voorwaarde',
  'SequenceFlow is a duplicate': 'Volgordestroom is dubbel',
  'Duplicate incoming sequence flows': 'Dubbele inkomende volgordestromen',
  'Duplicate outgoing sequence flows': 'Dubbele uitgaande volgordestromen',
  'Start event is missing event definition': 'Startgebeurtenis heeft geen gebeurtenisdefinitie',
  'Start event must be blank': 'Startgebeurtenis moet leeg zijn',
  'Termination is superfluous.': 'Beëindiging is overbodig.',
  'Conditional event is missing a condition': 'Voorwaardelijke gebeurtenis heeft geen voorwaarde',
  'A <Sequence Flow> outgoing from an <Event-based Gateway> must not be conditional':
    'Een volgordestroom uit een gebeurtenisgestuurde gateway mag geen voorwaarde hebben',
  'An <Event-based Gateway> must have at least 2 outgoing <Sequence Flows>':
    'Een gebeurtenisgestuurde gateway heeft minstens 2 uitgaande volgordestromen',
  'A <Start Event> is not allowed in <Ad Hoc Sub Process>': 'Een startgebeurtenis mag niet in een ad-hocsubproces',
  'An <End Event> is not allowed in <Ad Hoc Sub Process>': 'Een eindgebeurtenis mag niet in een ad-hocsubproces',
};

// bpmnlint words a few messages around an element type (`Process is missing end event`).
const PATTERNS = [
  [/^(.*) is missing end event$/, '$1 heeft geen eindgebeurtenis'],
  [/^(.*) is missing start event$/, '$1 heeft geen startgebeurtenis'],
  [/^(.*) has multiple blank start events$/, '$1 heeft meerdere lege startgebeurtenissen'],
];

export function translateNl(template, replacements) {
  let text = dutch[template];
  if (text === undefined) {
    text = template;
    for (const [pattern, replacement] of PATTERNS) {
      if (pattern.test(template)) { text = template.replace(pattern, replacement); break; }
    }
  }
  return text.replace(/{([^}]+)}/g, (all, key) => (replacements && key in replacements ? replacements[key] : all));
}

// A bpmn-js module that replaces the `translate` service.
export const dutchModule = { translate: ['value', translateNl] };
