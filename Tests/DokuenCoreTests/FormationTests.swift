import Testing

@testable import DokuenCore

@Suite struct FormationTests {
    @Test(arguments: [
        (["web=2", "worker=1"], "web=2 worker=1"),
        (["web=2,worker=1"], "web=2 worker=1"),
        (["web=2,worker=1", "clock=0"], "web=2 worker=1 clock=0"),
        (["web = 3"], "web=3"),
        (["web=100"], "web=100"),
        (["Api-v2=1"], "Api-v2=1"),
    ])
    func parses(_ arguments: [String], _ canonical: String) throws {
        #expect(try Formation.parse(arguments).description == canonical)
    }

    @Test(arguments: [
        (["web"], "expected type=count"),
        (["web=x"], "count \"x\" is not a whole number from 0 to 100"),
        (["web=-1"], "not a whole number"),
        (["web=101"], "not a whole number"),
        (["web=1.5"], "not a whole number"),
        (["web="], "count \"\""),
        (["web=99999999999999999999"], "not a whole number"),
        (["=2"], "process type \"\" is invalid"),
        (["we/b=2"], "process type \"we/b\" is invalid"),
        (["web=1,web=2"], "process type 'web' is given twice"),
        (["web=1", "web=2"], "given twice"),
        (["web=1,"], "empty item"),
        ([], "nothing to scale"),
    ])
    func rejects(_ arguments: [String], _ why: String) {
        do {
            let formation = try Formation.parse(arguments)
            Issue.record("accepted: \(formation)")
        } catch {
            #expect(error.description.contains(why), "\(error.description)")
            #expect(error.description.hasPrefix("invalid formation"))
        }
    }

    @Test func lookup() throws {
        let formation = try Formation.parse(["web=2,worker=0"])
        #expect(formation[try ProcessType("worker")] == 0)
        #expect(formation[try ProcessType("clock")] == nil)
    }
}
