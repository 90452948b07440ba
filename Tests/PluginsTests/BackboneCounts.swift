import CanopyRuntime

/// Parameter and MAC totals of a graph, split into the part under a name prefix (a
/// peer branch) and the rest (the network it was copied from).
enum BackboneCounts {
    /// (parameters outside `prefix`, parameters under it), in values.
    static func parameters(_ g: Graph, prefix: String) -> (Int, Int) {
        var outside = 0, inside = 0
        for v in g.parameters {
            if g[v].name.hasPrefix(prefix) { inside += g[v].spec.shape.count } else { outside += g[v].spec.shape.count }
        }
        return (outside, inside)
    }

    /// (MACs of nodes outside `prefix`, MACs of nodes under it), per forward call.
    static func macs(_ g: Graph, prefix: String) -> (Int, Int) {
        var outside = 0, inside = 0
        for node in g.nodes {
            if node.name.hasPrefix(prefix) { inside += node.kernel.macs } else { outside += node.kernel.macs }
        }
        return (outside, inside)
    }
}
