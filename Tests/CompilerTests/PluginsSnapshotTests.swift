import CanopyTestSupport
import Foundation
import Testing

/// `canopy plugins` prints every plugin's name, summary, inputs and params with their
/// types and defaults; moving the declarations (issue 11) must not change a line of it.
/// The snapshot was taken before that change. It changes only on purpose: a new plugin or
/// param, or (once) the optimizer, schedule and top_k types gaining their checked ranges.
@Suite struct PluginsSnapshotTests {
    static let snapshot = GoldenFiles.packageRoot.appendingPathComponent("Tests/Fixtures/plugins-snapshot.txt")

    @Test func pluginsPrintsTheSnapshot() throws {
        let r = try CLITests().canopy("plugins")
        #expect(r.status == 0)
        let expected = try String(contentsOf: Self.snapshot, encoding: .utf8)
        let (got, want) = (r.stdout.split(separator: "\n"), expected.split(separator: "\n"))
        for (i, line) in want.enumerated() where i >= got.count || got[i] != line {
            Issue.record("line \(i + 1): expected '\(line)', got '\(i < got.count ? String(got[i]) : "<end>")'")
            break
        }
        #expect(got.count == want.count)
    }
}
