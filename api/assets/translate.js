// The modeler's and properties panel's own strings in the reader's language: the page renders the
// dictionary through Flask-Babel (config `wams.labels.panelStrings`, English → shown text); what it
// lacks stays as bpmn-js writes it. Placeholders `{name}` are filled as bpmn-js's default does.
function translateFactory(config) {
  var strings = ((config && config.labels) || {}).panelStrings || {};
  return function translate(template, replacements) {
    var text = strings[template] || template;
    replacements = replacements || {};
    return text.replace(/{([^}]+)}/g, function (_, key) {
      return replacements[key] !== undefined ? replacements[key] : '{' + key + '}';
    });
  };
}
translateFactory.$inject = ['config.wams'];

export default { translate: ['factory', translateFactory] };
