import CanopyRuntime

/// Expands a spec's top-level `method:` entry with its method plugin: the plugin's
/// sections are the base and the spec as written is merged over them (`Node.merged`:
/// mappings key by key, lists and scalars replaced), so anything the spec writes out
/// overrides the method's choice; a mapping written over a list of named items patches
/// items by name (`losses: {ce_branches: {params: {label_smoothing: 0.1}}}`). The
/// `method` key is removed and the top-level keys are put in `sectionOrder`, so the
/// result reads like a spec written by hand (`canopy plan --dump method`).
///
/// When the method cannot be built (unknown name, bad params) its error is reported and
/// the `method` entry stays in the result: the decoder then knows the sections the
/// method would have written are missing for that reason, and reports nothing more.
public enum MethodExpansion {
    /// The order of a spec's top-level sections in an expanded spec; other keys follow.
    public static let sectionOrder = [
        "schema", "name", "description", "seed", "method", "data", "model", "losses",
        "optimizer", "schedule", "train", "eval", "output",
    ]

    public static func apply(_ root: Node, plugins: PluginSet, diagnostics: DiagnosticEngine) -> Node {
        guard let pairs = root.pairs, let entry = pairs.first(where: { $0.name == "method" }) else { return root }
        let rest = Node(.mapping(pairs.filter { $0.name != "method" }), at: root.mark)
        guard let call = SpecDecoder.pluginCall(entry.value, what: "method", diagnostics) else { return root }
        let method: any MethodPlugin
        do {
            method = try plugins.methods.lookup(call.name).make(call.params)
        } catch let e as RegistryError {
            diagnostics.error(e.description, at: call.nameMark)
            return root
        } catch let e as ParamErrors {
            diagnostics.report(e, in: call.paramsNode)
            return root
        } catch {
            diagnostics.error("\(error)", at: call.nameMark)
            return root
        }
        let expanded = method.expand(rest, context: context(of: rest, plugins), at: entry.value.mark)
        return ordered(Node.merged(expanded, rest, diagnostics: diagnostics))
    }

    /// `root` with its top-level keys in `sectionOrder` (others after them, in their order).
    static func ordered(_ root: Node) -> Node {
        guard let pairs = root.pairs else { return root }
        let rank = { (name: String) in sectionOrder.firstIndex(of: name) ?? sectionOrder.count }
        let sorted = pairs.enumerated().sorted { (rank($0.element.name), $0.offset) < (rank($1.element.name), $1.offset) }
        return Node(.mapping(sorted.map(\.element)), at: root.mark)
    }

    /// The context of the spec `root`: the layer style of its backbone plugin, looked up
    /// without reporting anything (the model's decoder reports a bad backbone).
    static func context(of root: Node, _ plugins: PluginSet) -> MethodContext {
        guard let backbone = root["model"]?["backbone"],
            let call = SpecDecoder.pluginCall(backbone, what: "backbone", DiagnosticEngine()),
            let plugin = try? plugins.backbones.lookup(call.name)
        else { return MethodContext() }
        return MethodContext(backboneStyle: plugin.layerStyle)
    }
}
