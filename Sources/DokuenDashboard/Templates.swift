/// The dashboard's pages as Mustache templates, in the binary as string literals so that there is nothing to install
/// beside it. `{{x}}` escapes HTML (`<`, `>`, `&`, both quotes), so a value in an attribute between double quotes is
/// safe too; the triple-stash (`{{{x}}}`), which does not escape, is never used. Pages are laid out by `layout`
/// (Mustache's template inheritance: each page fills its `title` and `body` blocks).
enum Templates {
    static let all: [String: String] = [
        "layout": layout, "signin": signin, "overview": overview, "app": app, "logs": logs, "events": events,
        "message": message, "config": config, "deploy": deploy,
    ]

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{$title}}dokuen{{/title}}</title>
        <link rel="stylesheet" href="/static/dashboard.css">
        <script src="/static/dashboard.js" defer></script>
        </head>
        <body data-csrf="{{csrf}}">
        <header>
        <nav><a href="/">Apps</a> <a href="/events">Events</a></nav>
        {{#csrf}}<form method="post" action="/signout" class="inline">\
        <input type="hidden" name="csrf" value="{{csrf}}"><button id="signout">Sign out</button></form>{{/csrf}}
        </header>
        <main>
        {{$body}}{{/body}}
        </main>
        </body>
        </html>

        """

    static let signin = """
        {{<layout}}{{$title}}Sign in · dokuen{{/title}}{{$body}}
        <h1>Sign in</h1>
        {{#refusal}}<p class="refusal" role="alert">{{refusal}}</p>{{/refusal}}
        <form method="post" action="/signin">
        <label for="token">Token (<code>dokuen dashboard token</code> prints it)</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required>
        <button id="signin">Sign in</button>
        </form>
        {{/body}}{{/layout}}
        """

    static let instanceTable = """
        <table class="instances">
        <thead><tr><th>Instance</th><th>State</th><th>PID</th><th>Up</th><th>Restarts</th><th>Port</th><th>Release</th>\
        <th>CPU</th><th>RSS</th>{{#actions}}<th>Actions</th>{{/actions}}</tr></thead>
        <tbody data-refresh="/status.json{{#app}}?app={{app}}{{/app}}" data-actions="{{#actions}}1{{/actions}}">
        {{#instances}}<tr data-key="{{key}}">{{#cells}}<td>{{.}}</td>{{/cells}}\
        {{#actions}}<td>{{>instanceActions}}</td>{{/actions}}</tr>
        {{/instances}}
        {{^instances}}<tr><td colspan="9">No instances.</td></tr>{{/instances}}
        </tbody>
        </table>
        """

    static let instanceActions = """
        <form method="post" action="/apps/{{appName}}/restart" class="inline"><input type="hidden" name="csrf" \
        value="{{csrf}}"><input type="hidden" name="target" value="{{target}}"><button data-key="{{key}}" \
        class="restart">Restart</button></form> \
        <form method="post" action="/apps/{{appName}}/stop" class="inline" data-confirm="Stop {{key}}?">\
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="target" value="{{target}}">\
        <button class="stop">Stop</button></form> \
        <form method="post" action="/apps/{{appName}}/start" class="inline"><input type="hidden" name="csrf" \
        value="{{csrf}}"><input type="hidden" name="target" value="{{target}}"><button class="start">Start</button>\
        </form>
        """

    static let overview = """
        {{<layout}}{{$title}}Apps · dokuen{{/title}}{{$body}}
        <h1>Apps</h1>
        <p class="live" aria-live="polite"></p>
        """ + instanceTable + """

            <h2>Apps</h2>
            <ul class="apps">
            {{#apps}}<li><a href="/apps/{{name}}">{{name}}</a> {{release}}</li>
            {{/apps}}{{^apps}}<li>No apps yet: <code>dokuen apps create NAME</code>.</li>{{/apps}}
            </ul>
            <h2>Add-ons</h2>
            <table>
            <thead><tr><th>Add-on</th><th>Kind</th><th>State</th><th>Port</th><th>Restarts</th><th>Apps</th></tr></thead>
            <tbody>
            {{#addons}}<tr><td>{{name}}</td><td>{{kind}} {{version}}</td><td>{{state}}</td><td>{{port}}</td>\
            <td>{{restarts}}</td><td>{{links}}</td></tr>
            {{/addons}}{{^addons}}<tr><td colspan="6">No add-ons.</td></tr>{{/addons}}
            </tbody>
            </table>
            {{/body}}{{/layout}}
            """

    static let app = """
        {{<layout}}{{$title}}{{appName}} · dokuen{{/title}}{{$body}}
        <h1>{{appName}}</h1>
        <p><a href="/apps/{{appName}}/logs">Logs</a> · release {{release}}</p>
        <p class="live" aria-live="polite"></p>
        <h2>Instances</h2>
        """ + instanceTable + """

            <div class="actions">
            <form method="post" action="/apps/{{appName}}/restart" class="inline"><input type="hidden" name="csrf" \
            value="{{csrf}}"><button>Restart all</button></form>
            <form method="post" action="/apps/{{appName}}/stop" class="inline" data-confirm="Stop every instance of \
            {{appName}}?"><input type="hidden" name="csrf" value="{{csrf}}"><button>Stop all</button></form>
            <form method="post" action="/apps/{{appName}}/start" class="inline"><input type="hidden" name="csrf" \
            value="{{csrf}}"><button>Start all</button></form>
            </div>
            <h2>Scale</h2>
            <form method="post" action="/apps/{{appName}}/scale" data-confirm="Scale {{appName}}? Fewer instances stop.">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <label for="formation">Formation (stopped: {{stopped}})</label>
            <input id="formation" name="formation" value="{{formation}}" required>
            <button>Scale</button>
            </form>
            <h2>Releases</h2>
            <table>
            <thead><tr><th>Release</th><th>When</th><th>By</th><th>What</th><th></th></tr></thead>
            <tbody>
            {{#releases}}<tr><td>{{version}}{{#current}} (current){{/current}}</td><td>{{when}}</td><td>{{by}}</td>\
            <td>{{description}}</td><td>{{^current}}<form method="post" action="/apps/{{appName}}/rollback" \
            class="inline" data-confirm="Roll {{appName}} back to {{version}}? Its instances restart."><input \
            type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="release" value="{{version}}"><button \
            class="rollback" data-release="{{version}}">Roll back to {{version}}</button></form>{{/current}}</td></tr>
            {{/releases}}{{^releases}}<tr><td colspan="5">No releases yet.</td></tr>{{/releases}}
            </tbody>
            </table>
            <h2>Deploys</h2>
            <table>
            <thead><tr><th>#</th><th>State</th><th>Release</th><th>Source</th><th>Outcome</th></tr></thead>
            <tbody>
            {{#deploys}}<tr><td><a href="/apps/{{appName}}/deploys/{{id}}">{{id}}</a></td><td>{{state}}</td>\
            <td>{{release}}</td><td>{{source}}</td>\
            <td><pre>{{outcome}}</pre></td></tr>
            {{/deploys}}{{^deploys}}<tr><td colspan="5">No deploys yet.</td></tr>{{/deploys}}
            </tbody>
            </table>
            <h2>Config</h2>
            <p>{{configCount}} key(s), values hidden: {{configKeys}}</p>
            <form method="post" action="/apps/{{appName}}/config/reveal"><input type="hidden" name="csrf" \
            value="{{csrf}}"><button>Reveal values</button></form>
            <h2>Maintenance</h2>
            <p>{{maintenance}}</p>
            <form method="post" action="/apps/{{appName}}/maintenance" {{#maintenanceOn}}>{{/maintenanceOn}}\
            {{^maintenanceOn}}data-confirm="Put {{appName}} in maintenance? Visitors get 503.">{{/maintenanceOn}}
            <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="on" \
            value="{{^maintenanceOn}}1{{/maintenanceOn}}{{#maintenanceOn}}0{{/maintenanceOn}}">
            <button>{{^maintenanceOn}}Turn maintenance on{{/maintenanceOn}}\
            {{#maintenanceOn}}Turn maintenance off{{/maintenanceOn}}</button>
            </form>
            <h2>Domains and certificate</h2>
            <ul>{{#domains}}<li>{{.}}</li>{{/domains}}{{^domains}}<li>No custom domains.</li>{{/domains}}</ul>
            <p>{{certificate}}</p>
            <h2>Checks</h2>
            <p>{{checksSummary}}</p>
            <ul>{{#checks}}<li>{{.}}</li>{{/checks}}</ul>
            <h2>Cron</h2>
            <table>
            <thead><tr><th>Job</th><th>Schedule</th><th>Command</th><th>Last run</th><th></th></tr></thead>
            <tbody>
            {{#cron}}<tr><td>{{id}}</td><td>{{schedule}}</td><td><code>{{command}}</code></td><td>{{last}}</td><td>\
            <form method="post" action="/apps/{{appName}}/cron/{{id}}/run" class="inline"><input type="hidden" \
            name="csrf" value="{{csrf}}"><button>Run now</button></form></td></tr>
            {{/cron}}{{^cron}}<tr><td colspan="5">No cron jobs.</td></tr>{{/cron}}
            </tbody>
            </table>
            {{#problems}}<p class="refusal">Not shown: {{.}}</p>{{/problems}}
            {{/body}}{{/layout}}
            """

    static let config = """
        {{<layout}}{{$title}}{{appName}} config · dokuen{{/title}}{{$body}}
        <h1>{{appName}}: config</h1>
        <table>
        <thead><tr><th>Key</th><th>Value</th></tr></thead>
        <tbody>
        {{#config}}<tr><td>{{key}}</td><td><code>{{value}}</code></td></tr>
        {{/config}}{{^config}}<tr><td colspan="2">No config.</td></tr>{{/config}}
        </tbody>
        </table>
        <p><a href="/apps/{{appName}}">Back to {{appName}}</a> (the values are not kept in that page)</p>
        {{/body}}{{/layout}}
        """

    static let deploy = """
        {{<layout}}{{$title}}{{appName}} deploy {{id}} · dokuen{{/title}}{{$body}}
        <h1><a href="/apps/{{appName}}">{{appName}}</a>: deploy {{id}}</h1>
        <p>{{state}} · release {{release}} · {{source}}</p>
        {{#error}}<p class="refusal">{{#phase}}{{phase}}: {{/phase}}{{error}}</p>{{/error}}
        <h2>Output</h2>
        {{#output}}<pre class="log">{{output}}</pre>{{/output}}\
        {{^output}}<p>No output was kept for this deploy (only the newest 50 of an app are).</p>{{/output}}
        {{/body}}{{/layout}}
        """

    static let logs = """
        {{<layout}}{{$title}}{{appName}} logs · dokuen{{/title}}{{$body}}
        <h1><a href="/apps/{{appName}}">{{appName}}</a>: logs</h1>
        <form method="get" action="/apps/{{appName}}/logs">
        <label for="type">Type</label>
        <select id="type" name="type"><option value="">every type</option>\
        {{#types}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/types}}</select>
        <button>Show</button>
        </form>
        <p class="live" aria-live="polite">Following…</p>
        <div id="log" class="log" data-stream="/apps/{{appName}}/logs/stream{{#type}}?type={{type}}{{/type}}"></div>
        {{/body}}{{/layout}}
        """

    static let events = """
        {{<layout}}{{$title}}Events · dokuen{{/title}}{{$body}}
        <h1>Events</h1>
        <table>
        <thead><tr><th>When (UTC)</th><th>Who</th><th>App</th><th>What</th><th>Detail</th></tr></thead>
        <tbody>
        {{#events}}<tr><td>{{when}}</td><td>{{actor}}</td><td>{{app}}</td><td>{{action}}</td><td>{{detail}}</td></tr>
        {{/events}}{{^events}}<tr><td colspan="5">No events.</td></tr>{{/events}}
        </tbody>
        </table>
        {{/body}}{{/layout}}
        """

    static let message = """
        {{<layout}}{{$title}}{{heading}} · dokuen{{/title}}{{$body}}
        <h1>{{heading}}</h1>
        <p class="{{kind}}" role="status">{{text}}</p>
        {{#output}}<pre>{{output}}</pre>{{/output}}
        <p><a href="{{back}}">Back</a></p>
        {{/body}}{{/layout}}
        """
}
