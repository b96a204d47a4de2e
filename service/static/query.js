// The SPARQL page: YASGUI bound to this service's /sparql, with the example queries.
// Everything is served by coprod itself; the editor's remote autocompleters are switched off
// so that the page makes no request to another host.
(function () {
  "use strict";
  function start() {
    var root = document.getElementById("yasgui");
    if (!root || typeof Yasgui === "undefined") { return; }
    var examples = JSON.parse(document.getElementById("example-queries").textContent);
    var endpoint = new URL(root.getAttribute("data-endpoint"), window.location.href).href;
    var yasgui = new Yasgui(root, {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: true,
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
      persistenceId: null,
      populateFromUrl: false,
      autofocus: false,
      yasqe: { autocompleters: ["prefixes", "variables"], value: examples.length ? examples[0].query : "" },
      yasr: { prefixes: {} }
    });
    window.coprodYasgui = yasgui;  // for the browser tests and the console
    var picker = document.getElementById("example");
    document.getElementById("load-example").addEventListener("click", function () {
      var chosen = examples.filter(function (e) { return e.name === picker.value; })[0];
      var tab = yasgui.getTab();
      if (chosen && tab) { tab.getYasqe().setValue(chosen.query); tab.getYasqe().focus(); }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
