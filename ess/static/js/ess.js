// Enhancements only: every page works without this file.
// JSON calls from a signed-in browser carry the CSRF token from <meta name="csrf-token"> as X-CSRFToken.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  window.ess = {
    fetch: function (url, options) {
      options = options || {};
      options.headers = new Headers(options.headers || {});
      if (meta && !/^(GET|HEAD|OPTIONS)$/i.test(options.method || "GET")) {
        options.headers.set("X-CSRFToken", meta.content);
      }
      options.credentials = "same-origin";
      return window.fetch(url, options);
    }
  };
})();
