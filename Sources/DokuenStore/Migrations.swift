/// The schema's history, oldest first, and the code that applies it.
///
/// Rules for a new migration:
/// - append it with the next version; never edit, reorder or remove a shipped one (a test pins their text);
/// - write plain SQL; to change a table, follow SQLite's 12-step rebuild (https://www.sqlite.org/lang_altertable.html
///   "Making Other Kinds Of Table Schema Changes"): foreign keys are off while migrations run, and
///   `PRAGMA foreign_key_check` must be clean before each one commits;
/// - add a row for the new version to the fixtures of MigrationTests, so the upgrade test covers it.
enum Migrations {
    static let all: [Migration] = [v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14]

    /// The version a fully migrated database has.
    static var latestVersion: Int { all.last?.version ?? 0 }

    /// Applies, in order and each in its own transaction, every migration in `migrations` above the database's
    /// `user_version` and up to `target` (default: all). A database newer than the last known migration is
    /// refused: this build cannot know what the newer schema means.
    static func migrate(_ database: Database, to target: Int? = nil, using migrations: [Migration] = all)
        throws(StoreError)
    {
        let known = migrations.last?.version ?? 0
        let current = try database.userVersion()
        guard current <= known else { throw .schemaTooNew(path: database.path, found: current, known: known) }
        let pending = migrations.filter { $0.version > current && $0.version <= (target ?? known) }
        if pending.isEmpty { return }
        // PRAGMA foreign_keys cannot change inside a transaction, and a table rebuild needs it off.
        try database.execute("PRAGMA foreign_keys = OFF")
        do {
            for migration in pending {
                try database.transaction { () throws(StoreError) in
                    try database.execute(migration.sql)
                    try checkForeignKeys(database, after: migration)
                    // user_version lives in the file header, so it commits or rolls back with the migration.
                    try database.execute("PRAGMA user_version = \(migration.version)")
                }
            }
        } catch {
            try? database.execute("PRAGMA foreign_keys = ON")
            throw error
        }
        try database.execute("PRAGMA foreign_keys = ON")
    }

    private static func checkForeignKeys(_ database: Database, after migration: Migration) throws(StoreError) {
        let violations = try database.query("PRAGMA foreign_key_check")
        guard let first = violations.first else { return }
        let table = (try? first.text("table")) ?? "?"
        throw .sql(
            SQLiteFailure(
                sql: "PRAGMA foreign_key_check", extendedCode: SQLiteFailure.constraintForeignKey,
                message: "migration v\(migration.version) (\(migration.name)) leaves \(violations.count) rows "
                    + "breaking foreign keys, the first in table \(table)"))
    }

    // MARK: - v1

    // Conventions of the schema:
    // - Tables are STRICT (SQLite 3.37+), so a column holds only its declared type.
    // - The CHECKs on names repeat DokuenCore's rules (AppName, ProcessType, EnvKey, BuildStamp), so a row
    //   written by any path, a hand-run sqlite3 included, still names safe paths (docs/DESIGN.md invariant 4).
    //   `length(CAST(x AS BLOB)) = length(x)` means ASCII only and no NUL: length() stops at a NUL, and a
    //   non-ASCII character takes more than one byte.
    // - Times are INTEGER unix seconds, supplied by the caller's clock.
    // - The SQL comments of shipped migrations cite `DESIGN.md`: that is docs/DESIGN.md (a shipped migration is
    //   never edited, not even its comments: they are part of its hash).
    // - Surrogate ids are AUTOINCREMENT, so an id is never reused: a deploy or build number quoted in a log
    //   can never come to name a different row.
    // - Child tables cascade from apps, so destroying an app is one DELETE; events keep the app's name, not its
    //   id, so the audit log outlives the app.
    static let v1 = Migration(
        version: 1, name: "initial schema",
        sql: """
            CREATE TABLE apps (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT NOT NULL UNIQUE
                    CHECK (length(name) BETWEEN 1 AND 63 AND length(CAST(name AS BLOB)) = length(name)
                        AND name NOT GLOB '*[^a-z0-9-]*' AND name NOT GLOB '-*' AND name NOT GLOB '*-'),
                created_at INTEGER NOT NULL CHECK (created_at >= 0)
            ) STRICT;

            CREATE TABLE builds (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                app_id INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
                stamp TEXT NOT NULL
                    CHECK (length(stamp) = 23 AND stamp GLOB
                        '[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'),
                buildpack TEXT CHECK (buildpack IS NULL OR length(buildpack) > 0),
                commit_sha TEXT
                    CHECK (commit_sha IS NULL OR (length(commit_sha) BETWEEN 7 AND 64
                        AND length(CAST(commit_sha AS BLOB)) = length(commit_sha)
                        AND commit_sha NOT GLOB '*[^0-9a-f]*')),
                created_at INTEGER NOT NULL CHECK (created_at >= 0),
                UNIQUE (app_id, stamp),
                -- The parent key of releases' (build_id, app_id): a release can only use a build of its own app.
                UNIQUE (id, app_id)
            ) STRICT;

            CREATE TABLE build_processes (
                build_id INTEGER NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
                type TEXT NOT NULL
                    CHECK (length(type) BETWEEN 1 AND 63 AND length(CAST(type AS BLOB)) = length(type)
                        AND type NOT GLOB '*[^A-Za-z0-9_-]*'),
                command TEXT NOT NULL CHECK (length(command) > 0),
                PRIMARY KEY (build_id, type)
            ) STRICT;

            CREATE TABLE releases (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                app_id INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
                version INTEGER NOT NULL CHECK (version BETWEEN 1 AND 999999999),
                build_id INTEGER NOT NULL,
                description TEXT NOT NULL,
                created_by TEXT NOT NULL CHECK (length(created_by) > 0),
                created_at INTEGER NOT NULL CHECK (created_at >= 0),
                UNIQUE (app_id, version),
                -- NO ACTION rather than RESTRICT: a build a release uses cannot be deleted on its own (pruning
                -- keeps it), but NO ACTION checks at the end of the statement, so the cascade from apps, which
                -- deletes the release and the build in one DELETE, goes through.
                FOREIGN KEY (build_id, app_id) REFERENCES builds (id, app_id) ON DELETE NO ACTION
            ) STRICT;
            CREATE INDEX releases_build ON releases (build_id, app_id);

            CREATE TABLE release_env (
                release_id INTEGER NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
                key TEXT NOT NULL
                    CHECK (length(key) BETWEEN 1 AND 200 AND length(CAST(key AS BLOB)) = length(key)
                        AND key NOT GLOB '*[^A-Za-z0-9_]*' AND key NOT GLOB '[0-9]*'),
                value TEXT NOT NULL,
                PRIMARY KEY (release_id, key)
            ) STRICT;

            CREATE TABLE release_formation (
                release_id INTEGER NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
                type TEXT NOT NULL
                    CHECK (length(type) BETWEEN 1 AND 63 AND length(CAST(type AS BLOB)) = length(type)
                        AND type NOT GLOB '*[^A-Za-z0-9_-]*'),
                count INTEGER NOT NULL CHECK (count BETWEEN 0 AND 100),
                PRIMARY KEY (release_id, type)
            ) STRICT;

            -- The desired state the reconciler drives towards. `stopped` survives reboots until a start.
            CREATE TABLE formation (
                app_id INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
                type TEXT NOT NULL
                    CHECK (length(type) BETWEEN 1 AND 63 AND length(CAST(type AS BLOB)) = length(type)
                        AND type NOT GLOB '*[^A-Za-z0-9_-]*'),
                count INTEGER NOT NULL CHECK (count BETWEEN 0 AND 100),
                stopped INTEGER NOT NULL DEFAULT 0 CHECK (stopped IN (0, 1)),
                PRIMARY KEY (app_id, type)
            ) STRICT;

            -- The primary key on port is what enforces DESIGN.md invariant 5: a port is leased to at most one
            -- instance. `release` is the number N of vN, not a reference: the new instances of a deploy take
            -- their ports before the deploy succeeds and its release row exists.
            CREATE TABLE port_leases (
                port INTEGER PRIMARY KEY CHECK (port BETWEEN 1 AND 65535),
                app_id INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
                type TEXT NOT NULL
                    CHECK (length(type) BETWEEN 1 AND 63 AND length(CAST(type AS BLOB)) = length(type)
                        AND type NOT GLOB '*[^A-Za-z0-9_-]*'),
                idx INTEGER NOT NULL CHECK (idx BETWEEN 1 AND 100),
                release INTEGER NOT NULL CHECK (release BETWEEN 1 AND 999999999),
                leased_at INTEGER NOT NULL CHECK (leased_at >= 0),
                UNIQUE (app_id, type, idx, release)
            ) STRICT;

            CREATE TABLE domains (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                app_id INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
                hostname TEXT NOT NULL UNIQUE
                    CHECK (length(hostname) BETWEEN 1 AND 253 AND length(CAST(hostname AS BLOB)) = length(hostname)
                        AND hostname NOT GLOB '*[^a-z0-9.-]*' AND hostname NOT GLOB '.*'
                        AND hostname NOT GLOB '*.' AND hostname NOT GLOB '*..*'),
                created_at INTEGER NOT NULL CHECK (created_at >= 0)
            ) STRICT;
            CREATE INDEX domains_app ON domains (app_id);

            -- A failed deploy is a deploy, not a release (DESIGN.md §2). Its build and release are SET NULL when
            -- pruned, so the history of deploys outlives them.
            CREATE TABLE deploys (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                app_id INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
                state TEXT NOT NULL CHECK (state IN ('running', 'succeeded', 'failed')),
                source TEXT NOT NULL CHECK (length(source) > 0),
                build_id INTEGER REFERENCES builds (id) ON DELETE SET NULL,
                release_id INTEGER REFERENCES releases (id) ON DELETE SET NULL,
                error TEXT,
                started_by TEXT NOT NULL CHECK (length(started_by) > 0),
                started_at INTEGER NOT NULL CHECK (started_at >= 0),
                finished_at INTEGER CHECK (finished_at >= started_at),
                CHECK ((state = 'running') = (finished_at IS NULL)),
                CHECK ((state = 'failed') = (error IS NOT NULL))
            ) STRICT;
            CREATE INDEX deploys_app ON deploys (app_id, id);
            CREATE INDEX deploys_build ON deploys (build_id);
            CREATE INDEX deploys_release ON deploys (release_id);
            -- Deploys are serialized per app (DESIGN.md §2): at most one is running. The writer lock makes this
            -- lock die with its holder; a restarted dokuend finishes what it finds running.
            CREATE UNIQUE INDEX deploys_one_running ON deploys (app_id) WHERE state = 'running';

            -- The audit log (DESIGN.md invariant 6): who, what, when. Append-only, enforced by the triggers.
            CREATE TABLE events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                at INTEGER NOT NULL CHECK (at >= 0),
                actor TEXT NOT NULL CHECK (length(actor) > 0),
                app TEXT
                    CHECK (app IS NULL OR (length(app) BETWEEN 1 AND 63 AND length(CAST(app AS BLOB)) = length(app)
                        AND app NOT GLOB '*[^a-z0-9-]*' AND app NOT GLOB '-*' AND app NOT GLOB '*-')),
                action TEXT NOT NULL CHECK (length(action) > 0),
                detail TEXT NOT NULL DEFAULT ''
            ) STRICT;
            CREATE INDEX events_app ON events (app, id);
            CREATE TRIGGER events_no_update BEFORE UPDATE ON events
            BEGIN
                SELECT RAISE(ABORT, 'events are append-only');
            END;
            CREATE TRIGGER events_no_delete BEFORE DELETE ON events
            BEGIN
                SELECT RAISE(ABORT, 'events are append-only');
            END;
            """)

    // MARK: - v2

    // Per-type process settings (`dokuen ps set`, docs/DESIGN.md §5) and per-slot stops (`dokuen stop blog:web.2`).
    // - A setting's value is checked by DokuenCore's ProcessSettings on its way in and out. The schema checks only
    //   the shape, so that a key app.json adds later needs no table rebuild: a snake_case key, a short ASCII value.
    // - A stopped slot is desired state like formation.stopped: it survives reboots and `ps scale` until a start
    //   of the slot, its type or its app. It may name an index above the count (scaled down since); it then
    //   applies again if the type is scaled back up.
    static let v2 = Migration(
        version: 2, name: "process settings and stopped slots",
        sql: """
            CREATE TABLE process_settings (
                app_id INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
                type TEXT NOT NULL
                    CHECK (length(type) BETWEEN 1 AND 63 AND length(CAST(type AS BLOB)) = length(type)
                        AND type NOT GLOB '*[^A-Za-z0-9_-]*'),
                key TEXT NOT NULL
                    CHECK (length(key) BETWEEN 1 AND 63 AND length(CAST(key AS BLOB)) = length(key)
                        AND key NOT GLOB '*[^a-z0-9_]*' AND key GLOB '[a-z]*'),
                value TEXT NOT NULL
                    CHECK (length(value) BETWEEN 1 AND 64 AND length(CAST(value AS BLOB)) = length(value)
                        AND value NOT GLOB '*[^A-Za-z0-9_-]*'),
                PRIMARY KEY (app_id, type, key)
            ) STRICT;

            CREATE TABLE stopped_slots (
                app_id INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
                type TEXT NOT NULL
                    CHECK (length(type) BETWEEN 1 AND 63 AND length(CAST(type AS BLOB)) = length(type)
                        AND type NOT GLOB '*[^A-Za-z0-9_-]*'),
                idx INTEGER NOT NULL CHECK (idx BETWEEN 1 AND 100),
                PRIMARY KEY (app_id, type, idx)
            ) STRICT;
            """)

    // MARK: - v3

    // A build's `config_vars` from its buildpacks' `bin/release` (docs/DESIGN.md §2, instance environment layer 2):
    // defaults below the app's own env, fixed with the build, so a rollback to it brings them back too. Keys
    // follow release_env's rule.
    static let v3 = Migration(
        version: 3, name: "build config vars",
        sql: """
            CREATE TABLE build_config_vars (
                build_id INTEGER NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
                key TEXT NOT NULL
                    CHECK (length(key) BETWEEN 1 AND 200 AND length(CAST(key AS BLOB)) = length(key)
                        AND key NOT GLOB '*[^A-Za-z0-9_]*' AND key NOT GLOB '[0-9]*'),
                value TEXT NOT NULL,
                PRIMARY KEY (build_id, key)
            ) STRICT;
            """)

    // MARK: - v4

    // The branch a push deploys (`dokuen git set-branch`); NULL means the default: main, or master while the
    // repository has no main. The CHECK repeats BranchName's rules.
    static let v4 = Migration(
        version: 4, name: "deploy branch",
        sql: """
            ALTER TABLE apps ADD COLUMN deploy_branch TEXT
                CHECK (deploy_branch IS NULL OR (length(deploy_branch) BETWEEN 1 AND 100
                    AND length(CAST(deploy_branch AS BLOB)) = length(deploy_branch)
                    AND deploy_branch NOT GLOB '*[^A-Za-z0-9._/-]*' AND deploy_branch NOT GLOB '[-/.]*'
                    AND deploy_branch NOT GLOB '*..*' AND deploy_branch NOT GLOB '*//*'
                    AND deploy_branch NOT GLOB '*/.*' AND deploy_branch NOT GLOB '*[/.]'
                    AND deploy_branch NOT GLOB '*.lock'));
            """)

    // MARK: - v5

    // Health checks and static builds (issue 7, docs/DESIGN.md §2 step 5 and §3):
    // - app_checks: the HTTP check of `dokuen checks set`, KEY=VALUE as DokuenCore's HealthCheck parses them
    //   (checked there on the way in and out; here only the shape). No row: app.json's checks, if any, apply.
    // - apps.zero_downtime: 0 after `dokuen checks disable`: a cutover stops the old instances first.
    // - builds.static_root: a Procfile's `static: DIR`, the directory nginx serves for the build with no process;
    //   the CHECK repeats StaticRoot's rules (relative, no `..`, a plain character set).
    static let v5 = Migration(
        version: 5, name: "health checks and static builds",
        sql: """
            CREATE TABLE app_checks (
                app_id INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
                key TEXT NOT NULL
                    CHECK (length(key) BETWEEN 1 AND 63 AND length(CAST(key AS BLOB)) = length(key)
                        AND key NOT GLOB '*[^a-z_]*'),
                value TEXT NOT NULL
                    CHECK (length(value) BETWEEN 1 AND 1024 AND length(CAST(value AS BLOB)) = length(value)),
                PRIMARY KEY (app_id, key)
            ) STRICT;

            ALTER TABLE apps ADD COLUMN zero_downtime INTEGER NOT NULL DEFAULT 1 CHECK (zero_downtime IN (0, 1));

            ALTER TABLE builds ADD COLUMN static_root TEXT
                CHECK (static_root IS NULL OR (length(static_root) BETWEEN 1 AND 200
                    AND length(CAST(static_root AS BLOB)) = length(static_root)
                    AND static_root NOT GLOB '*[^A-Za-z0-9._/-]*' AND static_root NOT GLOB '/*'
                    AND static_root NOT GLOB '*..*' AND static_root NOT GLOB '*//*'));
            """)

    // MARK: - v6

    // The cutover's phase, written before each of its steps (docs/FAULTS.md), so that a restarted dokuend finishes
    // or rolls back what a running deploy was doing:
    // - phase: DokuenReconciliation's CutoverPhase, NULL before the cutover's first step;
    // - build_stamp: the build directory the deploy makes, from before its first file is unpacked, so that a build
    //   cut short is found, its processes killed and its directory removed (the CHECK repeats BuildStamp's);
    // - candidate_version: the release number the cutover makes; it is recorded exactly when the app's latest
    //   release has that number (deploys of an app are serialized).
    static let v6 = Migration(
        version: 6, name: "cutover phases",
        sql: """
            ALTER TABLE deploys ADD COLUMN phase TEXT
                CHECK (phase IS NULL OR phase IN ('building', 'built', 'starting', 'checking', 'routing', 'recording',
                    'recorded', 'stopping-old', 'pruning', 'done', 'withdrawn'));

            ALTER TABLE deploys ADD COLUMN build_stamp TEXT
                CHECK (build_stamp IS NULL OR (length(build_stamp) = 23 AND build_stamp GLOB
                    '[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'));

            ALTER TABLE deploys ADD COLUMN candidate_version INTEGER
                CHECK (candidate_version IS NULL OR candidate_version >= 1);
            """)

    // MARK: - v7

    // The buildpack an app is pinned to (`dokuen buildpacks set`, docs/DESIGN.md §5): a buildpack name, Heroku's
    // `heroku/NAME`, or the source (`URL#ref` or an absolute path) of an installed buildpack, as DokuenBuild's
    // BuildpackSelection parses it (checked there on the way in and when a build reads it; here only the shape:
    // printable ASCII without spaces). NULL: none; BUILDPACK_URL, `.buildpacks` or detection decide.
    static let v7 = Migration(
        version: 7, name: "app buildpack",
        sql: """
            ALTER TABLE apps ADD COLUMN buildpack TEXT
                CHECK (buildpack IS NULL OR (length(buildpack) BETWEEN 1 AND 1000
                    AND length(CAST(buildpack AS BLOB)) = length(buildpack) AND buildpack NOT GLOB '*[^!-~]*'));
            """)

    // MARK: - v8

    // An app stopped as a whole (`dokuen stop APP`): every formation row is stopped, and so is a type that a release
    // adds later (a deploy in progress when the stop came, or any after it), until `dokuen start APP` clears it
    // (docs/DESIGN.md §2, "Verbs during a deploy").
    static let v8 = Migration(
        version: 8, name: "app stopped",
        sql: """
            ALTER TABLE apps ADD COLUMN stopped INTEGER NOT NULL DEFAULT 0 CHECK (stopped IN (0, 1));
            """)

    // MARK: - v9

    // Add-ons (docs/ADDONS.md): a PostgreSQL or Redis server per row, named by the app-name rules, on a port of the
    // same range as the instances' (a port is either an add-on's or leased to an instance, never both: the lease
    // skips add-on ports), with the server's major version recorded at create. A link puts `<alias>_URL` in an
    // app's config; `follow` restarts the app after its add-on restarted. Links go with their app. `stopped`: `dokuen
    // stop addon:NAME` (or `stop all`), kept across restarts until `dokuen start`.
    static let v9 = Migration(
        version: 9, name: "add-ons",
        sql: """
            CREATE TABLE addons (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE
                    CHECK (length(name) BETWEEN 1 AND 63 AND name NOT GLOB '*[^a-z0-9-]*'),
                kind TEXT NOT NULL CHECK (kind IN ('postgres', 'redis')),
                port INTEGER NOT NULL UNIQUE CHECK (port BETWEEN 1 AND 65535),
                version TEXT NOT NULL CHECK (length(version) BETWEEN 1 AND 20 AND version NOT GLOB '*[^0-9.]*'),
                stopped INTEGER NOT NULL DEFAULT 0 CHECK (stopped IN (0, 1)),
                created_at INTEGER NOT NULL
            ) STRICT;

            CREATE TABLE addon_links (
                addon_id INTEGER NOT NULL REFERENCES addons (id) ON DELETE CASCADE,
                app_id INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
                alias TEXT NOT NULL
                    CHECK (length(alias) BETWEEN 1 AND 60 AND alias NOT GLOB '*[^A-Z0-9_]*'),
                follow INTEGER NOT NULL DEFAULT 1 CHECK (follow IN (0, 1)),
                created_at INTEGER NOT NULL,
                PRIMARY KEY (addon_id, app_id)
            ) STRICT;
            """)

    // MARK: - v10

    // Cron (docs/CRON.md): one row per run of a job (its id is CronJob's: 8 hex digits), started by its schedule,
    // by `dokuen cron run`, by `@reboot`, or a fire skipped because the job was still running (no duration, no exit).
    // `exit_code`/`signal` stay NULL while it runs. Runs go with their app; the store keeps the newest 50 per job.
    // A suspension stops a job (or, with job '*', every job of the app) from firing until `cron resume`.
    static let v10 = Migration(
        version: 10, name: "cron",
        sql: """
            CREATE TABLE cron_runs (
                id INTEGER PRIMARY KEY,
                app_id INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
                job TEXT NOT NULL CHECK (length(job) = 8 AND job NOT GLOB '*[^0-9a-f]*'),
                trigger TEXT NOT NULL CHECK (trigger IN ('schedule', 'run', 'reboot', 'skipped')),
                started_at INTEGER NOT NULL,
                duration_ms INTEGER CHECK (duration_ms IS NULL OR duration_ms >= 0),
                exit_code INTEGER,
                signal INTEGER
            ) STRICT;
            CREATE INDEX cron_runs_by_job ON cron_runs (app_id, job, id);

            CREATE TABLE cron_suspensions (
                app_id INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
                job TEXT NOT NULL CHECK (job = '*' OR (length(job) = 8 AND job NOT GLOB '*[^0-9a-f]*')),
                created_at INTEGER NOT NULL,
                PRIMARY KEY (app_id, job)
            ) STRICT;
            """)

    // MARK: - v11

    // Backups (docs/BACKUP.md): the one schedule dokuend keeps (a single row, id 1; its text is BackupSchedule's,
    // its keep counts RetentionPolicy's, 0 meaning off), and one row per `backup create`, manual or scheduled:
    // `outcome` stays NULL while it runs (or when dokuend died during it), the snapshot id is restic's full id.
    static let v11 = Migration(
        version: 11, name: "backups",
        sql: """
            CREATE TABLE backup_schedule (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                schedule TEXT NOT NULL CHECK (length(schedule) BETWEEN 1 AND 200),
                keep_last INTEGER NOT NULL DEFAULT 0 CHECK (keep_last >= 0),
                keep_daily INTEGER NOT NULL DEFAULT 0 CHECK (keep_daily >= 0),
                keep_weekly INTEGER NOT NULL DEFAULT 0 CHECK (keep_weekly >= 0),
                keep_monthly INTEGER NOT NULL DEFAULT 0 CHECK (keep_monthly >= 0),
                prune INTEGER NOT NULL DEFAULT 0 CHECK (prune IN (0, 1)),
                created_at INTEGER NOT NULL
            ) STRICT;

            CREATE TABLE backup_runs (
                id INTEGER PRIMARY KEY,
                trigger TEXT NOT NULL CHECK (trigger IN ('manual', 'schedule')),
                started_at INTEGER NOT NULL,
                duration_ms INTEGER CHECK (duration_ms IS NULL OR duration_ms >= 0),
                outcome TEXT CHECK (outcome IS NULL OR outcome IN ('ok', 'failed')),
                snapshot_id TEXT
                    CHECK (snapshot_id IS NULL OR (length(snapshot_id) = 64 AND snapshot_id NOT GLOB '*[^0-9a-f]*')),
                total_bytes INTEGER CHECK (total_bytes IS NULL OR total_bytes >= 0),
                data_added INTEGER CHECK (data_added IS NULL OR data_added >= 0),
                error TEXT
            ) STRICT;
            """)

    // MARK: - v12

    // Maintenance and access (docs/ROUTING.md): an app with a row in app_maintenance is in maintenance (`dokuen
    // maintenance on APP`): nginx answers 503 with its page while its processes keep running. app_access holds its
    // allow/deny rules (a CIDR in DokuenRouting's canonical form, one rule per network), app_basic_auth its htpasswd
    // entries (a SHA-crypt or bcrypt hash, never a password); each row belongs to an app or to a proxy, and goes
    // with it. A proxy routes a host name to an address Dokuen does not run (`dokuen proxies add`); its name follows
    // the app-name rules.
    static let v12 = Migration(
        version: 12, name: "maintenance, access and proxies",
        sql: """
            CREATE TABLE app_maintenance (
                app_id INTEGER PRIMARY KEY REFERENCES apps (id) ON DELETE CASCADE,
                created_at INTEGER NOT NULL
            ) STRICT;

            CREATE TABLE proxies (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE
                    CHECK (length(name) BETWEEN 1 AND 63 AND name NOT GLOB '*[^a-z0-9-]*'),
                upstream TEXT NOT NULL CHECK (length(upstream) BETWEEN 8 AND 2048
                    AND (upstream GLOB 'http://*' OR upstream GLOB 'https://*')
                    AND upstream NOT GLOB '*[^!-~]*' AND upstream NOT GLOB '*[;{}$"''\\]*'),
                hostname TEXT NOT NULL UNIQUE
                    CHECK (length(hostname) BETWEEN 1 AND 253 AND hostname NOT GLOB '*[^a-z0-9.-]*'),
                created_at INTEGER NOT NULL
            ) STRICT;

            CREATE TABLE app_access (
                app_id INTEGER REFERENCES apps (id) ON DELETE CASCADE,
                proxy_id INTEGER REFERENCES proxies (id) ON DELETE CASCADE,
                rule TEXT NOT NULL CHECK (rule IN ('allow', 'deny')),
                cidr TEXT NOT NULL CHECK (length(cidr) BETWEEN 9 AND 43 AND cidr NOT GLOB '*[^0-9a-f.:/]*'),
                created_at INTEGER NOT NULL,
                CHECK ((app_id IS NULL) != (proxy_id IS NULL))
            ) STRICT;
            CREATE UNIQUE INDEX app_access_by_owner ON app_access (coalesce(app_id, -proxy_id), cidr);

            CREATE TABLE app_basic_auth (
                app_id INTEGER REFERENCES apps (id) ON DELETE CASCADE,
                proxy_id INTEGER REFERENCES proxies (id) ON DELETE CASCADE,
                user TEXT NOT NULL CHECK (length(user) BETWEEN 1 AND 64 AND user NOT GLOB '*[^!-~]*'
                    AND user NOT GLOB '*[:"''\\]*'),
                hash TEXT NOT NULL CHECK (hash GLOB '$6$*' OR hash GLOB '$2[aby]$*'),
                created_at INTEGER NOT NULL,
                CHECK ((app_id IS NULL) != (proxy_id IS NULL))
            ) STRICT;
            CREATE UNIQUE INDEX app_basic_auth_by_owner ON app_basic_auth (coalesce(app_id, -proxy_id), user);
            """)

    // Automatic certificates (docs/CERTS.md): a row asks dokuend to obtain and renew a certificate from the ACME CA,
    // for an app (app_id) or, with app_id NULL, for the wildcard of the base domain (at most one such row).
    // challenge is how the CA checks control of the names; failures counts failed attempts in a row (the backoff),
    // last_error is the last failure's one line, next_attempt_at when the scheduler tries again.
    static let v13 = Migration(
        version: 13, name: "automatic certificates",
        sql: """
            CREATE TABLE acme_certificates (
                id INTEGER PRIMARY KEY,
                app_id INTEGER UNIQUE REFERENCES apps (id) ON DELETE CASCADE,
                challenge TEXT NOT NULL CHECK (challenge IN ('http-01', 'dns-01')),
                failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
                last_attempt_at INTEGER,
                last_success_at INTEGER,
                last_error TEXT CHECK (last_error IS NULL OR length(last_error) <= 2000),
                next_attempt_at INTEGER,
                created_at INTEGER NOT NULL,
                CHECK (app_id IS NOT NULL OR challenge = 'dns-01')
            ) STRICT;
            CREATE UNIQUE INDEX acme_certificates_one_wildcard ON acme_certificates (coalesce(app_id, 0));
            """)

    // Alerts (docs/ALERTS.md): the channels messages go to, with each one's failing state (failures in a row, since
    // when, the last error's one line, when the next retry is due), and the open alert episodes, so that a restart of
    // dokuend neither sends an open episode's alert again nor forgets to send its "resolved". The CHECK on target
    // repeats the boundary's rules: printable ASCII, no quotes, backslash or ';' (an e-mail address or an http(s) URL).
    static let v14 = Migration(
        version: 14, name: "alert channels and episodes",
        sql: """
            CREATE TABLE notify_channels (
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL CHECK (kind IN ('webhook', 'email', 'ntfy')),
                target TEXT NOT NULL CHECK (length(target) BETWEEN 3 AND 2048 AND target NOT GLOB '*[^!-~]*'
                    AND target NOT GLOB '*[;"''\\]*'),
                failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
                failing_since INTEGER,
                last_error TEXT CHECK (last_error IS NULL OR length(last_error) <= 2000),
                next_retry_at INTEGER,
                created_at INTEGER NOT NULL,
                UNIQUE (kind, target)
            ) STRICT;

            CREATE TABLE alert_episodes (
                key TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 300),
                alert TEXT NOT NULL CHECK (length(alert) BETWEEN 1 AND 64),
                app TEXT CHECK (app IS NULL OR (length(app) BETWEEN 1 AND 63 AND app NOT GLOB '*[^a-z0-9-]*')),
                summary TEXT NOT NULL CHECK (length(summary) <= 2000),
                action TEXT NOT NULL CHECK (length(action) <= 2000),
                opened_at INTEGER NOT NULL
            ) STRICT;
            """)
}
