import DokuenCore
import Testing

@testable import DokuenStore

/// Migrations are append-only SQL, and a database of any earlier version upgrades to today's schema.
@Suite(.timeLimit(.minutes(2))) struct MigrationTests {
    @Test func versionsRunFromOneWithoutGaps() {
        #expect(Migrations.all.map(\.version) == Array(1...Migrations.latestVersion))
        #expect(Migrations.all.allSatisfy { !$0.name.isEmpty && !$0.sql.isEmpty })
        #expect(Store.schemaVersion == Migrations.latestVersion)
    }

    /// FNV-1a of each shipped migration's SQL. A shipped migration is never edited: databases in the field have
    /// run it as it was. If this fails, put the change in a new migration instead; add its hash here only for
    /// a migration that has not shipped yet.
    static let shippedHashes: [Int: UInt64] = [
        1: 7_895_995_627_058_270_413,
        2: 16_423_316_007_385_871_987,
        3: 4_712_243_967_710_777_609,
        4: 15_283_115_393_070_641_661,
        5: 7_108_381_751_158_185_417,
        6: 9_251_291_081_812_483_442,
        7: 7_848_250_510_169_765_379,
        8: 2_439_515_136_143_273_080,
        9: 1_823_318_267_194_798_394,
        10: 7_757_804_683_233_049_608,
        11: 9_615_449_593_498_783_871,
        12: 15_114_479_105_476_081_442,
        13: 15_107_202_462_784_535_832,
        14: 16_150_241_548_014_652_219,
    ]

    @Test func shippedMigrationsAreNeverEdited() {
        for migration in Migrations.all {
            let hash = migration.sql.utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
            #expect(
                Self.shippedHashes[migration.version] == hash,
                "migration v\(migration.version) hashes to \(hash); shipped migrations are append-only")
        }
    }

    /// Rows that a database at `version` holds, written with that version's SQL, and what today's Store must
    /// read back from them after the upgrade. Every version needs one: when you add migration vN, add fixture
    /// vN, so the upgrade from vN is tested with data in it.
    struct Fixture: Sendable {
        let insert: @Sendable (Database) throws -> Void
        let verify: @Sendable (Store) async throws -> Void
    }

    static let fixtures: [Int: Fixture] = [
        1: Fixture(
            insert: { database in
                try database.execute(
                    """
                    INSERT INTO apps (id, name, created_at) VALUES (1, 'blog', 100);
                    INSERT INTO builds (id, app_id, stamp, buildpack, commit_sha, created_at)
                        VALUES (1, 1, '20250101T000000.000000Z', 'python', 'abcdef0', 110);
                    INSERT INTO build_processes (build_id, type, command) VALUES (1, 'web', 'gunicorn app:app');
                    INSERT INTO releases (id, app_id, version, build_id, description, created_by, created_at)
                        VALUES (1, 1, 1, 1, 'Deploy abcdef0', 'alice', 120);
                    INSERT INTO release_env (release_id, key, value) VALUES (1, 'SECRET', 's3cret');
                    INSERT INTO release_formation (release_id, type, count) VALUES (1, 'web', 2);
                    INSERT INTO formation (app_id, type, count, stopped) VALUES (1, 'web', 2, 1);
                    INSERT INTO port_leases (port, app_id, type, idx, release, leased_at)
                        VALUES (5000, 1, 'web', 1, 1, 130);
                    INSERT INTO domains (id, app_id, hostname, created_at) VALUES (1, 1, 'blog.example.com', 140);
                    INSERT INTO deploys (id, app_id, state, source, build_id, release_id, error, started_by,
                            started_at, finished_at)
                        VALUES (1, 1, 'succeeded', 'git push abcdef0', 1, 1, NULL, 'alice', 105, 125),
                            (2, 1, 'running', 'git push 1234567', NULL, NULL, NULL, 'bob', 150, NULL);
                    INSERT INTO events (id, at, actor, app, action, detail)
                        VALUES (1, 100, 'alice', 'blog', 'app.create', ''),
                            (2, 160, 'alice', 'gone', 'app.destroy', '');
                    """)
            },
            verify: { store in
                let blog = appName("blog")
                #expect(try await store.apps() == [AppRecord(id: 1, name: blog, createdAt: 100)])
                let build = try await store.build(app: blog, id: 1)
                #expect(build.stamp.description == "20250101T000000.000000Z")
                #expect(build.buildpack == "python" && build.commit == "abcdef0")
                #expect(build.processes == [processType("web"): "gunicorn app:app"])
                let release = try await store.release(app: blog, releaseID(1))
                #expect(release.env == [envKey("SECRET"): "s3cret"])
                #expect(release.formation == Formation(scales: [.init(type: processType("web"), count: 2)]))
                #expect(release.summary == "Deploy abcdef0" && release.createdBy == "alice")
                #expect(
                    try await store.formation(app: blog)
                        == [FormationRecord(app: blog, type: processType("web"), count: 2, stopped: true)])
                #expect(
                    try await store.portLeases()
                        == [
                            PortLease(
                                port: 5000, app: blog, type: processType("web"), index: 1, release: releaseID(1),
                                leasedAt: 130)
                        ])
                #expect(try await store.domains().map(\.hostname) == ["blog.example.com"])
                #expect(try await store.deploys(app: blog).map(\.release) == [nil, releaseID(1)])
                #expect(try await store.runningDeploys().map(\.id) == [2])
                #expect(try await store.events(app: appName("gone")).map(\.action) == ["app.destroy"])
                // New rows continue the old numbering.
                let next = try await store.createRelease(
                    app: blog, buildID: 1, env: [:], formation: Formation(scales: []), summary: "Rollback to v1",
                    actor: "alice")
                #expect(next == releaseID(2))
                #expect(try await store.events().map(\.id) == [3, 2, 1])
            }),
        2: Fixture(
            insert: { database in
                try database.execute(
                    """
                    INSERT INTO apps (id, name, created_at) VALUES (1, 'blog', 100), (2, 'shop', 101);
                    INSERT INTO formation (app_id, type, count, stopped) VALUES (1, 'web', 3, 0), (1, 'worker', 1, 1);
                    INSERT INTO process_settings (app_id, type, key, value)
                        VALUES (1, 'web', 'stop_signal', 'INT'), (1, 'web', 'stop_timeout', '2'),
                            (2, 'worker', 'restart', 'on-failure');
                    INSERT INTO stopped_slots (app_id, type, idx) VALUES (1, 'web', 2), (1, 'web', 5);
                    """)
            },
            verify: { store in
                let blog = appName("blog")
                let web = try await store.processSettings(app: blog, type: processType("web"))
                #expect(web.explicitValues == ["stop_signal": "INT", "stop_timeout": "2"])
                #expect(web.stopSignal == 2 && web.stopTimeout == 2)
                #expect(
                    try await store.processSettings(app: appName("shop"))
                        == [processType("worker"): try ProcessSettings(values: ["restart": "on-failure"])])
                #expect(
                    try await store.formation(app: blog) == [
                        FormationRecord(
                            app: blog, type: processType("web"), count: 3, stopped: false, stoppedIndexes: [2, 5]),
                        FormationRecord(app: blog, type: processType("worker"), count: 1, stopped: true),
                    ])
                #expect(try await store.formation(app: blog).map(\.runningCount) == [2, 0])
            }),
        3: Fixture(
            insert: { database in
                try database.execute(
                    """
                    INSERT INTO apps (id, name, created_at) VALUES (1, 'blog', 100);
                    INSERT INTO builds (id, app_id, stamp, buildpack, commit_sha, created_at)
                        VALUES (1, 1, '20250101T000000.000000Z', 'python', NULL, 110);
                    INSERT INTO build_config_vars (build_id, key, value)
                        VALUES (1, 'PYTHONUNBUFFERED', '1'), (1, 'LANG', 'C.UTF-8');
                    """)
            },
            verify: { store in
                let build = try await store.build(app: appName("blog"), id: 1)
                #expect(build.configVars == [envKey("PYTHONUNBUFFERED"): "1", envKey("LANG"): "C.UTF-8"])
            }),
        4: Fixture(
            insert: { database in
                try database.execute(
                    """
                    INSERT INTO apps (id, name, created_at, deploy_branch)
                        VALUES (1, 'blog', 100, 'release/v2'), (2, 'shop', 101, NULL);
                    """)
            },
            verify: { store in
                let blog = try await store.app(named: appName("blog"))
                let shop = try await store.app(named: appName("shop"))
                #expect(blog?.deployBranch?.rawValue == "release/v2")
                #expect(shop != nil && shop?.deployBranch == nil)
            }),
        5: Fixture(
            insert: { database in
                try database.execute(
                    """
                    INSERT INTO apps (id, name, created_at, zero_downtime) VALUES (1, 'blog', 100, 0), (2, 'shop', 101, 1);
                    INSERT INTO app_checks (app_id, key, value) VALUES (1, 'path', '/health'), (1, 'attempts', '3');
                    INSERT INTO builds (id, app_id, stamp, buildpack, commit_sha, static_root, created_at)
                        VALUES (1, 1, '20250101T000000.000000Z', 'static', NULL, 'public', 110);
                    """)
            },
            verify: { store in
                let check = try await store.healthCheck(app: appName("blog"))
                #expect(check?.explicitValues == ["path": "/health", "attempts": "3"])
                #expect(try await store.healthCheck(app: appName("shop")) == nil)
                #expect(try await store.zeroDowntime(app: appName("blog")) == false)
                #expect(try await store.zeroDowntime(app: appName("shop")) == true)
                #expect(try await store.build(app: appName("blog"), id: 1).staticRoot?.rawValue == "public")
            }),
        6: Fixture(
            insert: { database in
                try database.execute(
                    """
                    INSERT INTO apps (id, name, created_at) VALUES (1, 'blog', 100);
                    INSERT INTO deploys (id, app_id, state, source, started_by, started_at, phase, build_stamp,
                            candidate_version)
                        VALUES (1, 1, 'running', 'git push 1234567', 'bob', 150, 'starting',
                            '20250101T000000.000000Z', 3);
                    """)
            },
            verify: { store in
                let deploy = try await store.deploy(1)
                #expect(deploy.phase == "starting")
                #expect(deploy.buildStamp?.description == "20250101T000000.000000Z")
                #expect(deploy.candidate == releaseID(3))
            }),
        7: Fixture(
            insert: { database in
                try database.execute(
                    """
                    INSERT INTO apps (id, name, created_at, buildpack) VALUES (1, 'blog', 100, 'null'),
                        (2, 'shop', 101, 'https://example.com/pack.git#v1'), (3, 'wiki', 102, NULL);
                    """)
            },
            verify: { store in
                let blog = try await store.appBuildpack(appName("blog"))
                let shop = try await store.appBuildpack(appName("shop"))
                let wiki = try await store.appBuildpack(appName("wiki"))
                #expect(blog == "null" && shop == "https://example.com/pack.git#v1" && wiki == nil)
                // v8: apps from before it are not stopped as a whole.
                #expect(try await store.app(named: appName("blog"))?.stopped == false)
            }),
        8: Fixture(
            insert: { database in
                try database.execute(
                    """
                    INSERT INTO apps (id, name, created_at, stopped) VALUES (1, 'blog', 100, 1), (2, 'shop', 101, 0);
                    """)
            },
            verify: { store in
                #expect(try await store.app(named: appName("blog"))?.stopped == true)
                #expect(try await store.app(named: appName("shop"))?.stopped == false)
                // A type a release adds to a stopped app comes stopped (docs/DESIGN.md §2, "Verbs during a deploy").
                try await store.setFormation(
                    app: appName("blog"), Formation(scales: [.init(type: try ProcessType("web"), count: 1)]),
                    actor: "test")
                #expect(try await store.formation(app: appName("blog")).first?.stopped == true)
            }),
        9: Fixture(
            insert: { database in
                try database.execute(
                    """
                    INSERT INTO apps (id, name, created_at) VALUES (1, 'blog', 100);
                    INSERT INTO addons (id, name, kind, port, version, created_at) VALUES (1, 'db', 'postgres', 5100, '15', 101);
                    INSERT INTO addon_links (addon_id, app_id, alias, follow, created_at) VALUES (1, 1, 'DATABASE', 0, 102);
                    """)
            },
            verify: { store in
                let addon = try #require(try await store.addon(named: appName("db")))
                #expect(addon.kind == .postgres && addon.port == 5100 && addon.version == "15")
                let links = try await store.addonLinks(addon: appName("db"))
                #expect(links.map(\.app.rawValue) == ["blog"] && links.first?.follow == false)
                #expect(links.first?.alias.key.rawValue == "DATABASE_URL")
                // An add-on's port is never leased to an instance.
                let lease = try await store.leasePort(
                    app: appName("blog"), type: try ProcessType("web"), index: 1, release: releaseID(1),
                    range: 5100...5101, actor: "test")
                #expect(lease.port == 5101)
            }),
        10: Fixture(
            insert: { database in
                try database.execute(
                    """
                    INSERT INTO apps (id, name, created_at) VALUES (1, 'blog', 100);
                    INSERT INTO cron_runs (app_id, job, trigger, started_at, duration_ms, exit_code)
                        VALUES (1, '0a1b2c3d', 'schedule', 110, 250, 0);
                    INSERT INTO cron_runs (app_id, job, trigger, started_at) VALUES (1, '0a1b2c3d', 'skipped', 120);
                    INSERT INTO cron_suspensions (app_id, job, created_at) VALUES (1, '*', 130);
                    """)
            },
            verify: { store in
                let runs = try await store.cronRuns(app: appName("blog"))
                #expect(runs.map(\.trigger) == [.skipped, .schedule])
                #expect(runs.last?.exitCode == 0 && runs.last?.durationMilliseconds == 250)
                #expect(try await store.cronSuspensions(app: appName("blog")) == ["*"])
            }),
        11: Fixture(
            insert: { database in
                try database.execute(
                    """
                    INSERT INTO backup_schedule (id, schedule, keep_daily, keep_weekly, prune, created_at)
                        VALUES (1, 'daily 03:00', 7, 4, 1, 100);
                    INSERT INTO backup_runs (trigger, started_at, duration_ms, outcome, snapshot_id, total_bytes,
                        data_added) VALUES ('schedule', 110, 2500, 'ok',
                        '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 4096, 1024);
                    INSERT INTO backup_runs (trigger, started_at, duration_ms, outcome, error)
                        VALUES ('manual', 120, 10, 'failed', 'wrong password for repository /srv/backup');
                    """)
            },
            verify: { store in
                let schedule = try #require(try await store.backupSchedule())
                #expect(schedule.schedule == "daily 03:00" && schedule.prune)
                #expect(schedule.retention == RetentionPolicy(daily: 7, weekly: 4))
                let runs = try await store.backupRuns()
                #expect(runs.map(\.outcome) == ["failed", "ok"])
                #expect(runs.last?.totalBytes == 4096 && runs.last?.dataAdded == 1024)
                #expect(try await store.backupRuns(trigger: "schedule").count == 1)
            }),
        12: Fixture(
            insert: { database in
                try database.execute(
                    """
                    INSERT INTO apps (id, name, created_at) VALUES (1, 'blog', 100), (2, 'shop', 100);
                    INSERT INTO app_maintenance (app_id, created_at) VALUES (1, 140);
                    INSERT INTO app_access (app_id, rule, cidr, created_at) VALUES (1, 'allow', '10.0.0.0/8', 141);
                    INSERT INTO app_basic_auth (app_id, user, hash, created_at)
                        VALUES (1, 'alice', '$6$salt$hash', 142);
                    INSERT INTO proxies (name, upstream, hostname, created_at)
                        VALUES ('nas', 'http://192.168.1.10:8080', 'nas.localhost', 143);
                    """)
            },
            verify: { store in
                let blog = try await store.inMaintenance(app: appName("blog"))
                let shop = try await store.inMaintenance(app: appName("shop"))
                #expect(blog && !shop)
                let access = try await store.access(app: appName("blog"))
                #expect(access.allow == ["10.0.0.0/8"] && access.users.map(\.user) == ["alice"])
                let proxies = try await store.proxies()
                #expect(
                    proxies.map(\.hostname) == ["nas.localhost"]
                        && proxies.first?.upstream == "http://192.168.1.10:8080")
            }),
        13: Fixture(
            insert: { database in
                try database.execute(
                    """
                    INSERT INTO apps (id, name, created_at) VALUES (1, 'blog', 100);
                    INSERT INTO acme_certificates (app_id, challenge, failures, last_attempt_at, last_error,
                        next_attempt_at, created_at)
                        VALUES (1, 'http-01', 2, 150, 'lego: connection refused', 270, 140);
                    INSERT INTO acme_certificates (app_id, challenge, created_at) VALUES (NULL, 'dns-01', 141);
                    """)
            },
            verify: { store in
                let blog = try #require(try await store.acmeCertificate(app: appName("blog")))
                #expect(blog.challenge == "http-01" && blog.failures == 2 && blog.nextAttemptAt == 270)
                #expect(blog.lastError == "lego: connection refused")
                let wildcard = try #require(try await store.acmeCertificate(app: nil))
                #expect(wildcard.challenge == "dns-01" && wildcard.app == nil)
                #expect(try await store.acmeCertificates().count == 2)
            }),
        14: Fixture(
            insert: { database in
                try database.execute(
                    """
                    INSERT INTO notify_channels (id, kind, target, failures, failing_since, last_error,
                        next_retry_at, created_at)
                        VALUES (1, 'webhook', 'https://hooks.example.com/x?t=1', 2, 150, 'curl exited 7', 390, 140),
                            (2, 'email', 'ops@example.com', 0, NULL, NULL, NULL, 141);
                    INSERT INTO alert_episodes (key, alert, app, summary, action, opened_at)
                        VALUES ('deploy.failed:blog', 'deploy.failed', 'blog', 'A deploy of blog failed', 'fix', 160),
                            ('disk.full', 'disk.full', NULL, 'The disk of / is 95 % full.', 'free space', 170);
                    """)
            },
            verify: { store in
                let channels = try await store.notifyChannels()
                #expect(channels.map(\.kind) == ["webhook", "email"])
                #expect(channels[0].failures == 2 && channels[0].failingSince == 150 && channels[0].nextRetryAt == 390)
                #expect(channels[0].lastError == "curl exited 7" && channels[1].failures == 0)
                let episodes = try await store.alertEpisodes()
                #expect(episodes.map(\.key) == ["deploy.failed:blog", "disk.full"])
                #expect(episodes[0].app == appName("blog") && episodes[1].app == nil)
            }),
    ]

    @Test func everyVersionHasAFixture() {
        #expect(Set(Self.fixtures.keys) == Set(1...Migrations.latestVersion))
    }

    @Test(arguments: Array(0..<Migrations.latestVersion))
    func upgradesFromEveryEarlierVersion(_ version: Int) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/dokuen.sqlite"
            let old = try Database.open(path: path)
            try Migrations.migrate(old, to: version)
            #expect(try old.userVersion() == version)
            try Self.fixtures[version]?.insert(old)
            old.close()

            let store = try Store.open(path: path, clock: { testNow })
            try await Self.fixtures[version]?.verify(store)
            await store.close()

            try Self.expectSound(path)
            #expect(try Self.schema(path) == Self.schema(Self.freshDatabase(in: directory)))
        }
    }

    /// The latest fixture is not upgraded by anything yet; this keeps it honest until the next migration does.
    @Test func theLatestFixtureReadsBackThroughTheStore() async throws {
        try await withTemporaryDirectory { directory in
            let path = try Self.freshDatabase(in: directory)
            try withRawDatabase(path) { database in try Self.fixtures[Migrations.latestVersion]?.insert(database) }
            let store = try Store.open(path: path, clock: { testNow })
            try await Self.fixtures[Migrations.latestVersion]?.verify(store)
            await store.close()
            try Self.expectSound(path)
        }
    }

    /// The runner itself, past the real list: a database at the latest version takes one more migration.
    @Test func aNewMigrationAppliesOnTopOfTheLatestVersion() async throws {
        try await withTemporaryDirectory { directory in
            let path = try Self.freshDatabase(in: directory)
            let next = Migration(
                version: Migrations.latestVersion + 1, name: "app notes",
                sql: "ALTER TABLE apps ADD COLUMN note TEXT NOT NULL DEFAULT ''")
            try withRawDatabase(path) { database in
                try database.run("INSERT INTO apps (name, created_at) VALUES ('blog', 1)")
                try Migrations.migrate(database, using: Migrations.all + [next])
                #expect(try database.userVersion() == next.version)
                #expect(try scalar(database, "SELECT name || '/' || note FROM apps") == .text("blog/"))
                #expect(try scalar(database, "PRAGMA foreign_keys") == .integer(1))
            }
        }
    }

    @Test func aFailingMigrationLeavesTheDatabaseAsItWas() async throws {
        try await withTemporaryDirectory { directory in
            let path = try Self.freshDatabase(in: directory)
            let broken = Migration(
                version: Migrations.latestVersion + 1, name: "broken",
                sql: "CREATE TABLE half (x INTEGER) STRICT; INSERT INTO nowhere VALUES (1);")
            try withRawDatabase(path) { (database) throws in
                #expect {
                    try Migrations.migrate(database, using: Migrations.all + [broken])
                } throws: { error in
                    guard case .sql(let failure) = error as? StoreError else { return false }
                    return failure.sql == "INSERT INTO nowhere VALUES (1);"
                        && failure.message == "no such table: nowhere"
                }
                #expect(try database.userVersion() == Migrations.latestVersion)
                #expect(try scalar(database, "SELECT count(*) FROM sqlite_master WHERE name = 'half'") == .integer(0))
                #expect(try scalar(database, "PRAGMA foreign_keys") == .integer(1))
            }
        }
    }

    @Test func aMigrationThatBreaksForeignKeysIsRefused() async throws {
        try await withTemporaryDirectory { directory in
            let path = try Self.freshDatabase(in: directory)
            // Foreign keys are off while migrating (for table rebuilds), so only the check catches this.
            let orphan = Migration(
                version: Migrations.latestVersion + 1, name: "orphan",
                sql: "INSERT INTO builds (app_id, stamp, created_at) VALUES (99, '20250101T000000.000000Z', 0)")
            try withRawDatabase(path) { (database) throws in
                #expect {
                    try Migrations.migrate(database, using: Migrations.all + [orphan])
                } throws: { error in
                    guard case .sql(let failure) = error as? StoreError else { return false }
                    return failure.sql == "PRAGMA foreign_key_check" && failure.message.contains("table builds")
                }
                #expect(try database.userVersion() == Migrations.latestVersion)
                #expect(try scalar(database, "SELECT count(*) FROM builds") == .integer(0))
            }
        }
    }

    @Test func aDatabaseFromANewerDokuenIsRefusedAndLeftAlone() async throws {
        try await withTemporaryDirectory { directory in
            let path = try Self.freshDatabase(in: directory)
            let newer = Migrations.latestVersion + 1
            try withRawDatabase(path) { try $0.execute("PRAGMA user_version = \(newer)") }
            #expect(throws: StoreError.schemaTooNew(path: path, found: newer, known: Migrations.latestVersion)) {
                try Store.open(path: path)
            }
            #expect(throws: StoreError.schemaTooNew(path: path, found: newer, known: Migrations.latestVersion)) {
                try Store.openReadOnly(path: path)
            }
            #expect(try withRawDatabase(path) { try $0.userVersion() } == newer)
            #expect(
                StoreError.schemaTooNew(path: path, found: newer, known: Migrations.latestVersion).description
                    == "unable to open database \(path): its schema is v\(newer), newer than "
                    + "v\(Migrations.latestVersion), the newest this dokuend knows; run a newer dokuend")
        }
    }

    // MARK: - Helpers

    /// A database migrated to the latest version, with no rows; returns its path.
    static func freshDatabase(in directory: String) throws -> String {
        let path = directory + "/fresh-\(UInt64.random(in: 0...UInt64.max)).sqlite"
        try withRawDatabase(path) { try Migrations.migrate($0) }
        return path
    }

    /// Every schema object as SQLite stores its definition.
    static func schema(_ path: String) throws -> [[SQLValue]] {
        try withRawDatabase(path) { database in
            try database.query("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").map(\.values)
        }
    }

    static func expectSound(_ path: String) throws {
        try withRawDatabase(path) { (database) throws in
            #expect(try database.query("PRAGMA foreign_key_check").isEmpty)
            #expect(try scalar(database, "PRAGMA integrity_check") == .text("ok"))
        }
    }
}
