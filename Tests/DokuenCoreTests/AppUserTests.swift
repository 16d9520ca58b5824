import Testing

@testable import DokuenCore

@Suite struct AppUserTests {
    @Test func shortNamesAreKeptWhole() throws {
        #expect(AppUser(try AppName("blog")).name == "dk-blog")
        let limit = String(repeating: "a", count: 29)
        #expect(AppUser(try AppName(limit)).name == "dk-" + limit)
    }

    @Test func longNamesAreCutAndHashedWithinLinuxLimit() throws {
        let long = try AppName(String(repeating: "b", count: 30))
        let user = AppUser(long)
        #expect(user.name.utf8.count == 32)
        #expect(user.name.hasPrefix("dk-" + String(repeating: "b", count: 20) + "_"))
        let longest = AppUser(try AppName(String(repeating: "c", count: 63)))
        #expect(longest.name.utf8.count == 32)
    }

    @Test func theRuleIsStable() throws {
        // Pinned: a change of rule would orphan every long-named app's user on upgrade.
        let name = try AppName("a-very-long-application-name-for-testing")
        #expect(AppUser(name).name == "dk-a-very-long-applicat_" + AppUser.hex(AppUser.fnv1a(name.rawValue)))
        #expect(AppUser.fnv1a("") == 0x811c_9dc5)
        #expect(AppUser.fnv1a("a") == 0xe40c_292c)
    }

    @Test func longNamesSharingAPrefixDiffer() throws {
        let first = try AppName("shared-prefix-of-twenty-one")
        let a = AppUser(try AppName(first.rawValue + "-alpha"))
        let b = AppUser(try AppName(first.rawValue + "-beta"))
        #expect(a.name != b.name)
    }

    @Test func shortAndLongFormsNeverMeet() throws {
        // A 29-character name shaped like a hashed one still has no '_': app names cannot contain it.
        #expect(throws: CoreError.self) { try AppName("abcdefghijklmnopqrst_1a2b3c4d") }
    }

    @Test func theCommentNamesTheApp() throws {
        let user = AppUser(try AppName("blog"))
        #expect(user.comment == "dokuen app blog")
        #expect(AppUser.isAppComment(user.comment))
        #expect(!AppUser.isAppComment("Debian-exim"))
    }
}

/// The add-on user rule (docs/ADDONS.md): never an app user's name, at most 32 characters, stable.
@Suite struct AddonUserTests {
    @Test func namesAreShortAndApartFromAppUsers() throws {
        #expect(AddonUser(try AppName("db")).name == "dka-db")
        let long = try AppName(String(repeating: "a", count: 40))
        let user = AddonUser(long)
        #expect(user.name.count == 32 && user.name.hasPrefix("dka-aaaaaaaaaaaaaaaaaaa_"))
        #expect(AddonUser(try AppName(String(repeating: "a", count: 28))).name.count == 32)
        #expect(!AppUser.isAppComment(AddonUser(long).comment) && AddonUser.isAddonComment(user.comment))
    }

    @Test func kindsAndAliasesAreChecked() throws {
        #expect(try AddonKind(parsing: "postgresql") == .postgres)
        #expect(throws: CoreError.invalidAddonKind("mysql", reason: "the kinds are postgres and redis")) {
            try AddonKind(parsing: "mysql")
        }
        #expect(try AddonAlias("CACHE_2").key.rawValue == "CACHE_2_URL")
        for bad in ["", "lower", "2X", "A-B", String(repeating: "A", count: 61)] {
            #expect(throws: CoreError.self) { try AddonAlias(bad) }
        }
    }
}

@Suite struct SecretMaskTests {
    @Test(arguments: [
        ("postgres://blog:abc123@127.0.0.1:5001/blog", "postgres://blog:****@127.0.0.1:5001/blog"),
        ("redis://default:pw@127.0.0.1:6000/0", "redis://default:****@127.0.0.1:6000/0"),
        ("https://example.com/a:b@c", "https://example.com/a:b@c"),
        ("postgres://blog@host/db", "postgres://blog@host/db"),
        ("plain value", "plain value"),
        ("x://u:p:q@h?x=@", "x://u:****@h?x=@"),
    ])
    func passwordsInURLsAreMasked(_ value: String, _ shown: String) {
        #expect(SecretMask.masked(value) == shown)
    }
}
