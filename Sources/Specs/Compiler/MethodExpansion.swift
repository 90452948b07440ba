import CanopyRuntime

/// Expands a spec's top-level `method:` entry with its method plugin: the plugin's
/// sections are the base and the spec as written is merged over them (`Node.merged`:
/// mappings key by key, lists and scalars replaced), so anything the spec writes out
/// overrides the method's choice. The `method` key is removed.
public enum MethodExpansion {
    public static func apply(_ root: Node, plugins: PluginSet, diagnostics: DiagnosticEngine) -> Node {
        guard let pairs = root.pairs, let entry = pairs.first(where: { $0.name == "method" }) else { return root }
        let rest = Node(.mapping(pairs.filter { $0.name != "method" }), at: root.mark)
        guard let call = SpecDecoder.pluginCall(entry.value, what: "method", diagnostics) else { return rest }
        let method: any MethodPlugin
        do {
            method = try plugins.methods.lookup(call.name).make(call.params)
        } catch let e as RegistryError {
            diagnostics.error(e.description, at: call.nameMark)
            return rest
        } catch let e as ParamErrors {
            diagnostics.report(e, in: call.paramsNode)
            return rest
        } catch {
            diagnostics.error("\(error)", at: call.nameMark)
            return rest
        }
        return Node.merged(method.expand(rest, context: context(of: rest, plugins), at: entry.value.mark), rest)
    }

    /// The context of the spec `root`: the layer style of its backbone plugin, looked up
    /// without reporting anything (the model's decoder reports a bad backbone).
    static func context(of root: Node, _ plugins: PluginSet) -> MethodContext {
        guard let backbone = root["model"]?["backbone"],
              let call = SpecDecoder.pluginCall(backbone, what: "backbone", DiagnosticEngine()),
              let plugin = try? plugins.backbones.lookup(call.name) else { return MethodContext() }
        return MethodContext(backboneStyle: plugin.layerStyle)
    }
}
