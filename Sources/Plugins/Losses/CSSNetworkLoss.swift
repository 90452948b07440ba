import CanopyRuntime
import CanopySpecs

/// Loss plugin `css_network`: one network's part of the CSS objective (Fan et al. 2022,
/// docs/methods.md#css), a composite of primitive kernels. Inputs are lists on an entry
/// WITHOUT `foreach`: `logits` = this network's n branch logits z_i over n * C augmented
/// classes (`net_t.branch[*].logits`), `peer` = the other network's (same branch order).
///
///     CE   = (1/n) sum_i CE(z_i, y n + i)          (intermediates ce, ce_branch{i})
///     KD   = (1/n) sum_i KL(softmax(p_i/T) || softmax(z_i/T))   (batch mean, no T^2: kd)
///     a    = CE / CE_peer                          (ratio)
///     L    = CE + a T^2 KD
///
/// With `detach: false` (the official code) the targets p_i and both CEs of the ratio carry
/// gradient; `detach: true` stops the gradient through p_i and through a.
public struct CSSNetworkLoss: LossPlugin {
    public struct Params: PluginParams {
        @Param("softmax temperature T of the cross-network KL", .greaterThan(0))
        public var temperature = 3.0
        @Param("stop the gradient through the peer's KL targets and the CE-ratio weight (false: the official code)")
        public var detach = false
        public init() {}
    }

    public static let name = "css_network"
    public static let summary = "CSS one network: mean augmented-label CE + (CE / CE_peer) T^2 mean KL(peer branch i || branch i)"
    public static let inputNames = ["logits", "peer", "target"]
    public static let listInputs = ["logits", "peer"]

    public let params: Params

    public init(params: Params) throws(ParamError) {
        self.params = params
    }

    public func emit(_ b: inout GraphBuilder, name: String, inputs: [ValueID]) -> ValueID {
        emit(&b, name: name, inputLists: [[inputs[0]], [inputs[1]], [inputs[2]]])
    }

    public func emit(_ b: inout GraphBuilder, name: String, inputLists: [[ValueID]]) -> ValueID {
        let (own, peer) = (inputLists[0], inputLists[1])
        guard own.count >= 1, own.count == peer.count, let target = inputLists[2].first else {
            b.error(
                "\(name): css_network needs the same number (at least 1) of branch logits in 'logits' and 'peer' "
                    + "(give them as net_t.branch[*].logits without foreach), found \(own.count) and \(peer.count)")
            return b.poisonedValue(name)
        }
        let n = own.count, t = params.temperature, detached = params.detach
        let labels = (0..<n).map { i in
            b.apply(AugmentLabels.self, name: "\(name).target\(i)", params: .init(factor: n, offset: i), inputs: [target])[0]
        }
        return b.expression(name, own + peer + labels) { x in
            let (z, p, y) = (Array(x[0..<n]), Array(x[n..<2 * n]), Array(x[2 * n..<3 * n]))
            for (k, v) in (z + p).enumerated() where !v.isPoisoned && (v.shape != z[0].shape || v.shape.rank != 2) {
                v.graph.error("branch logits \(k) \(v.shape) must be [B, n C] like the first \(z[0].shape)")
            }
            let ceBranches = (0..<n).map { i in
                kernel(CrossEntropy.self, .init(labelSmoothing: 0), z[i], y[i]).named("ce_branch\(i)")
            }
            let ce = (sum(ceBranches) / Double(n)).named("ce")
            let cePeer = sum((0..<n).map { kernel(CrossEntropy.self, .init(labelSmoothing: 0), p[$0], y[$0]) }) / Double(n)
            // KD_KL carries T^2: the mean of the n terms is T^2 KD.
            let kdScaled =
                sum(
                    (0..<n).map { i in
                        kernel(KDKL.self, .init(temperature: Float(t), teacherEps: 0), z[i], detached ? detach(p[i]) : p[i])
                    }) / Double(n)
            _ = (kdScaled / (t * t)).named("kd")
            let ratio = kernel(Divide.self, .init(), ce, cePeer).named("ratio")
            return ce + (detached ? detach(ratio) : ratio) * kdScaled
        }
    }
}
