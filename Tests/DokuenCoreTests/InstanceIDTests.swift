import Testing

@testable import DokuenCore

@Suite struct InstanceIDTests {
    @Test func namesAndDirectory() throws {
        let id = try InstanceID(app: AppName("blog"), type: ProcessType("web"), index: 2, release: ReleaseID("v3"))
        #expect(id.dyno == "web.2")
        #expect(id.slot == "blog:web.2")
        #expect(id.description == "blog:web.2@v3")
        #expect(id.directoryName == "web.2@v3")
        #expect(RootLayout(root: "/r").serviceDirectory(id) == "/r/run/svc/blog/web.2@v3")
        #expect(try InstanceID(app: AppName("blog"), directoryName: "web.2@v3") == id)
    }

    @Test(arguments: ["web.2@v3", "my-worker.100@v1", "a_b.1@v999999999", "X-Y.1@v2"])
    func directoryNamesRoundTrip(_ name: String) throws {
        #expect(try InstanceID(app: AppName("a"), directoryName: name).directoryName == name)
    }

    @Test(arguments: [
        "web.2", "web@v3", "web.0@v3", "web.01@v3", "web.101@v3", "web.2@3", "web.2@v0", ".2@v3", "we/b.2@v3",
        "web.-1@v3", "", "lock", "web.2@v3/..",
    ])
    func rejectsOtherDirectoryNames(_ name: String) {
        #expect(throws: CoreError.self) { try InstanceID(app: AppName("a"), directoryName: name) }
    }
}

@Suite struct TargetTests {
    @Test(arguments: [
        ("all", "all"), ("blog", "blog"), ("blog:web", "blog:web"), ("blog:web.2", "blog:web.2"),
        ("blog:my-type_2.3", "blog:my-type_2.3"),
    ])
    func parses(_ text: String, _ canonical: String) throws {
        #expect(try Target(text).description == canonical)
    }

    @Test(arguments: [
        ("Blog", "app name \"Blog\" is invalid"), ("blog:", "process type \"\" is invalid"),
        ("blog:web.0", "instance number must be 1 to 100"), ("blog:web.x", "instance number"),
        ("blog:web.", "instance number"), (":web", "app name \"\" is invalid"), ("../x", "app name \"../x\""),
        ("blog:we b", "process type \"we b\" is invalid"), ("", "app name \"\" is invalid"),
        ("blog:web.101", "instance number"),
    ])
    func rejects(_ text: String, _ why: String) {
        do {
            let target = try Target(text)
            Issue.record("accepted \(target)")
        } catch {
            #expect(error.description.hasPrefix("invalid target \(Quoting.quoted(text)): "), "\(error.description)")
            #expect(error.description.contains(why), "\(error.description)")
        }
    }

    @Test func matchesInstances() throws {
        let blog = try AppName("blog")
        let web2 = try InstanceID(app: blog, type: ProcessType("web"), index: 2, release: ReleaseID("v1"))
        let worker = try InstanceID(app: blog, type: ProcessType("worker"), index: 1, release: ReleaseID("v1"))
        let other = try InstanceID(app: AppName("shop"), type: ProcessType("web"), index: 2, release: ReleaseID("v1"))
        let cases: [(String, [Bool])] = [
            ("all", [true, true, true]), ("blog", [true, true, false]), ("blog:web", [true, false, false]),
            ("blog:web.2", [true, false, false]), ("blog:web.1", [false, false, false]),
            ("shop", [false, false, true]),
        ]
        for (text, expected) in cases {
            let target = try Target(text)
            #expect([web2, worker, other].map(target.matches) == expected, "\(text)")
        }
        #expect(try Target("all").app == nil)
        #expect(try Target("blog:web.2").app == blog)
    }
}

@Suite struct InstanceEnvironmentTests {
    @Test func layersInPrecedenceOrder() throws {
        let id = try InstanceID(app: AppName("blog"), type: ProcessType("web"), index: 1, release: ReleaseID("v2"))
        let environment = InstanceEnvironment.make(
            instance: id, port: 5001, buildDirectory: "/r/apps/blog/releases/x", dataDirectory: "/r/apps/blog/data",
            buildpackDefaults: ["LANG": "C.UTF-8", "PATH": "/app/bin:/usr/bin", "PORT": "1", "bad key": "x"],
            appEnvironment: [
                try EnvKey("LANG"): "en_US.UTF-8", try EnvKey("DATABASE_URL"): "postgres://x", try EnvKey("DYNO"): "no",
            ],
            singleInstancePorts: [try ProcessType("web"): 5001, try ProcessType("api-v2"): 5003])
        #expect(
            environment == [
                "PATH": "/app/bin:/usr/bin", "HOME": "/r/apps/blog/releases/x", "BIND_ADDRESS": "127.0.0.1",
                "HOST": "127.0.0.1", "DOKUEN_APP": "blog", "DOKUEN_DATA_DIR": "/r/apps/blog/data",
                "LANG": "en_US.UTF-8",
                "DATABASE_URL": "postgres://x", "DYNO": "web.1", "PORT": "5001", "WEB_PORT": "5001",
                "API_V2_PORT": "5003",
            ])
    }

    @Test func aWorkerHasNoPort() throws {
        let id = try InstanceID(app: AppName("blog"), type: ProcessType("worker"), index: 1, release: ReleaseID("v2"))
        let environment = InstanceEnvironment.make(
            instance: id, port: nil, buildDirectory: "/b", dataDirectory: "/d", buildpackDefaults: [:],
            appEnvironment: [:], singleInstancePorts: [:])
        #expect(environment["PORT"] == nil)
        #expect(environment["DYNO"] == "worker.1")
        #expect(environment["PATH"] == InstanceEnvironment.defaultPath)
    }
}
