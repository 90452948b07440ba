import ArgumentParser
import CanopySpecs

/// `canopy plugins`: every registered plugin with its params, types and defaults.
struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List every registered plugin (kernels, backbones, losses, metrics, modules, methods, optimizers, "
            + "schedules, datasets) with its params.")

    @Option(help: "Only this kind: kernel, backbone, loss, metric, module, method, optimizer, schedule, dataset.")
    var kind: String?

    func run() throws {
        let set = try Canopy.pluginSet()
        var current = ""
        for p in set.descriptions where kind == nil || p.kind == kind {
            if p.kind != current {
                print((current.isEmpty ? "" : "\n") + (p.kind.hasSuffix("s") ? "\(p.kind)es:" : "\(p.kind)s:"))
                current = p.kind
            }
            print("  \(p.name) - \(p.summary)")
            for (k, v) in p.facts.sorted(by: { $0.key < $1.key }) { print("      \(k): \(v)") }
            for param in p.parameters {
                print("      \(param.name): \(param.type)" + (param.defaultValue.map { " = \($0)" } ?? " (required)") + "  \(param.doc)")
            }
        }
    }
}
