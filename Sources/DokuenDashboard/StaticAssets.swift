/// The dashboard's one style sheet and one small script, served from the binary (`/static/…`), so that the pages
/// carry no inline script and the Content-Security-Policy can say `script-src 'self'`.
///
/// The script does three things: asks for confirmation where a form says so (`data-confirm`: what stops something),
/// sends the forms of actions with `fetch` and then refreshes the instance tables from `/status.json` (so a restart
/// shows without reloading the page), and follows a log stream (server-sent events) into `#log`, each line added as
/// text (`textContent`), never as HTML.
enum StaticAssets {
    static let css = """
        body { font-family: system-ui, sans-serif; margin: 0 auto; padding: 0.5rem; max-width: 72rem; line-height: 1.4; }
        header { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: 0.5rem;
          border-bottom: 1px solid; padding-bottom: 0.3rem; }
        nav a { margin-right: 1rem; }
        table { border-collapse: collapse; display: block; overflow-x: auto; max-width: 100%; }
        th, td { text-align: left; padding: 0.25rem 0.5rem; border-bottom: 1px solid #8884; vertical-align: top; }
        form.inline { display: inline; }
        pre, code { white-space: pre-wrap; word-break: break-word; }
        .log { font-family: monospace; white-space: pre-wrap; word-break: break-word; border: 1px solid; padding: 0.3rem;
          max-height: 70vh; overflow-y: auto; }
        .refusal { font-weight: bold; }
        .refusal::before { content: "⚠ "; }
        input, select, button { font-size: 1rem; padding: 0.3rem 0.6rem; margin: 0.15rem 0; }
        label { display: block; }

        """

    static let script = """
        "use strict";
        (function () {
          var csrf = document.body.dataset.csrf;
          function say(text) {
            document.querySelectorAll(".live").forEach(function (p) { p.textContent = text; });
          }
          function refresh() {
            document.querySelectorAll("tbody[data-refresh]").forEach(function (body) {
              fetch(body.dataset.refresh, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
                .then(function (r) { return r.json(); })
                .then(function (rows) {
                  var seen = {};
                  rows.forEach(function (row) {
                    seen[row.key] = true;
                    var tr = body.querySelector('tr[data-key="' + CSS.escape(row.key) + '"]');
                    if (!tr) {
                      tr = document.createElement("tr");
                      tr.dataset.key = row.key;
                      row.cells.forEach(function () { tr.appendChild(document.createElement("td")); });
                      body.appendChild(tr);
                    }
                    row.cells.forEach(function (text, i) { tr.children[i].textContent = text; });
                  });
                  body.querySelectorAll("tr").forEach(function (tr) {
                    if (!seen[tr.dataset.key]) { tr.remove(); }
                  });
                })
                .catch(function () {});
            });
          }
          document.querySelectorAll("form[method=post]").forEach(function (form) {
            var path = new URL(form.action).pathname;
            if (/\\/(signout|signin|reveal)$/.test(path)) { return; }
            form.addEventListener("submit", function (event) {
              event.preventDefault();
              if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) { return; }
              say("Working…");
              fetch(form.action, {
                method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin",
                headers: { "Accept": "application/json", "X-CSRF-Token": csrf }
              })
                .then(function (r) { return r.json(); })
                .then(function (answer) {
                  say(answer.message);
                  if (answer.reload) { window.location.reload(); } else { refresh(); }
                })
                .catch(function (error) { say("Failed: " + error); });
            });
          });
          if (document.querySelector("tbody[data-refresh]")) {
            window.setInterval(function () { if (!document.hidden) { refresh(); } }, 2000);
          }
          var log = document.getElementById("log");
          if (log) {
            var source = new EventSource(log.dataset.stream);
            source.onmessage = function (event) {
              var entry = JSON.parse(event.data);
              var line = document.createElement("div");
              line.textContent = (entry.time ? entry.time + " " : "") + entry.dyno + ": " + entry.line;
              var atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
              log.appendChild(line);
              while (log.childNodes.length > 2000) { log.removeChild(log.firstChild); }
              if (atEnd) { log.scrollTop = log.scrollHeight; }
            };
            source.onerror = function () { say("Reconnecting…"); };
            source.onopen = function () { say("Following."); };
          }
        })();

        """
}
