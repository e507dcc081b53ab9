/*
 * csrfx.js: sends the CSRF token with same-origin fetch() and XMLHttpRequest requests
 * that change state, the way Django's documentation tells pages to. Served by
 * csrfx.Middleware.JSHandler with the cookie and header names of that middleware.
 *
 * The token comes from <meta name="csrf-token" content="..."> when the page has one
 * (needed with session storage or an HttpOnly cookie), else from the CSRF cookie.
 * It is never sent to another origin.
 */
(function () {
  "use strict";
  var COOKIE = "__CSRFX_COOKIE__";
  var HEADER = "__CSRFX_HEADER__";
  var SAFE = /^(GET|HEAD|OPTIONS|TRACE)$/i;

  function readCookie(name) {
    var parts = document.cookie ? document.cookie.split(";") : [];
    for (var i = 0; i < parts.length; i++) {
      var p = parts[i].replace(/^\s+/, "");
      if (p.slice(0, name.length + 1) === name + "=") {
        return decodeURIComponent(p.slice(name.length + 1));
      }
    }
    return "";
  }

  function token() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) {
      return meta.content;
    }
    return readCookie(COOKIE);
  }

  function sameOrigin(url) {
    try {
      return new URL(url, window.location.href).origin === window.location.origin;
    } catch (e) {
      return false;
    }
  }

  if (window.fetch) {
    var fetch0 = window.fetch;
    window.fetch = function (input, init) {
      var isRequest = typeof Request !== "undefined" && input instanceof Request;
      var method = (init && init.method) || (isRequest ? input.method : "GET");
      var url = isRequest ? input.url : String(input);
      if (!SAFE.test(method) && sameOrigin(url)) {
        var t = token();
        if (t) {
          var headers = new Headers((init && init.headers) || (isRequest ? input.headers : undefined));
          if (!headers.has(HEADER)) {
            headers.set(HEADER, t);
          }
          init = Object.assign({}, init, { headers: headers });
        }
      }
      return fetch0.call(this, input, init);
    };
  }

  if (window.XMLHttpRequest) {
    var open0 = XMLHttpRequest.prototype.open;
    var send0 = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.open = function (method, url) {
      this.__csrfx = !SAFE.test(method) && sameOrigin(url);
      return open0.apply(this, arguments);
    };
    XMLHttpRequest.prototype.send = function () {
      if (this.__csrfx) {
        var t = token();
        if (t) {
          this.setRequestHeader(HEADER, t);
        }
      }
      return send0.apply(this, arguments);
    };
  }

  window.csrfx = {
    header: HEADER,
    token: token,
    headers: function () {
      var h = {};
      h[HEADER] = token();
      return h;
    }
  };
})();
