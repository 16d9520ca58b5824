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
