import Testing

@testable import DokuenDaemon

/// dokuend's `--backup-*` options: what is refused at start, with the line that says why.
struct BackupSettingsTests {
    @Test(
        arguments: [
            ("sftp.command=ssh -i /root/.ssh/backup host -s sftp", nil),
            ("s3.storage-class=STANDARD_IA", nil),
            ("sftp.command", "invalid --backup-option \"sftp.command\": it takes KEY=VALUE"),
            ("Sftp.command=x", "invalid --backup-option \"Sftp.command=x\": it takes KEY=VALUE"),
            ("command=x", "invalid --backup-option \"command=x\": it takes KEY=VALUE"),
            (
                "sftp.command=",
                "invalid --backup-option \"sftp.command=\": its value is empty or has control characters"
            ),
        ] as [(String, String?)])
    func options(_ option: String, _ refusal: String?) {
        let found = BackupSettings.optionRefusal(option)
        if let refusal {
            #expect(found?.hasPrefix(refusal) == true, "\(found ?? "nil")")
        } else {
            #expect(found == nil)
        }
    }

    @Test func passwordFileModes() {
        // Root: owned by root, nothing for group or others.
        #expect(BackupSettings.passwordFileRefusal("/p", owner: 0, permissions: 0o600, euid: 0) == nil)
        #expect(BackupSettings.passwordFileRefusal("/p", owner: 0, permissions: 0o400, euid: 0) == nil)
        #expect(
            BackupSettings.passwordFileRefusal("/p", owner: 0, permissions: 0o640, euid: 0)
                == "unable to use the backup password file /p: its mode 640 lets the group or others read it; "
                + "chmod 600 /p")
        #expect(
            BackupSettings.passwordFileRefusal("/p", owner: 1000, permissions: 0o600, euid: 0)
                == "unable to use the backup password file /p: it is owned by uid 1000, not root; chown root /p")
        // A user: their own file, 600.
        #expect(BackupSettings.passwordFileRefusal("/p", owner: 1000, permissions: 0o600, euid: 1000) == nil)
        #expect(BackupSettings.passwordFileRefusal("/p", owner: 1000, permissions: 0o644, euid: 1000) != nil)
        #expect(BackupSettings.passwordFileRefusal("/p", owner: 0, permissions: 0o600, euid: 1000) != nil)
    }

    @Test func localRepositories() {
        #expect(BackupSettings.localDirectory("/srv/backup") == "/srv/backup")
        #expect(BackupSettings.localDirectory("local:/srv/backup") == "/srv/backup")
        #expect(BackupSettings.localDirectory("sftp:backup@nas:/dokuen") == nil)
        #expect(BackupSettings.localDirectory("rest:http://nas:8000/") == nil)
    }

    @Test func repositoryInsideTheRootIsRefused() {
        #expect(throws: BackupSettingsRefusal.self) {
            try BackupSettings(
                repository: "/var/lib/dokuen/backups", passwordFile: "/p", options: [], root: "/var/lib/dokuen",
                euid: 0)
        }
        #expect(throws: BackupSettingsRefusal.self) {
            try BackupSettings(repository: "backups", passwordFile: "/p", options: [], root: "/r", euid: 0)
        }
    }

    @Test func sqliteExcludesEscapeGlobs() {
        #expect(
            BackupStaging.excludePatterns("/r/apps/a/data/x[1]*.db")
                == [
                    #"/r/apps/a/data/x\[1\]\*.db"#, #"/r/apps/a/data/x\[1\]\*.db-wal"#,
                    #"/r/apps/a/data/x\[1\]\*.db-shm"#, #"/r/apps/a/data/x\[1\]\*.db-journal"#,
                ])
        #expect(BackupStaging.excludePatterns("/r/apps/a/data/new\nline") == nil)
    }
}
