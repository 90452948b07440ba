import CanopyRuntime
import CanopyTestSupport
import Foundation
import Testing

/// The optimizer update of every whole-step golden case, checked on its own: the
/// stored parameters, gradients and optimizer state before the step go in, the
/// stored parameters and state after it must come out (the README's pass rule).
@Suite struct OptimizerGoldenTests {
    /// The whole-step cases: `resnet8_sgd_step` and everything under `models/`.
    static var cases: [String] {
        GoldenFiles.allPaths.filter { $0.hasSuffix("/resnet8_sgd_step.safetensors") || $0.contains("/models/") }
    }

    @Test func everyWholeStepCase() throws {
        let cases = Self.cases
        #expect(cases.count >= 5)
        for path in cases {
            let worst = try Self.check(path)
            print("optimizer golden \(URL(fileURLWithPath: path).lastPathComponent): max relative L2 error \(worst)")
        }
    }

    /// Runs the case's optimizer step and returns the largest relative L2 error.
    static func check(_ path: String) throws -> Double {
        let file = try SafetensorsFile(contentsOf: path)
        let tolerance = try #require(Double(file.metadata["tolerance"] ?? ""))
        let attrs = try JSON.parse(try #require(file.metadata["attrs"]))
        var config: [(key: String, value: ParamValue)]
        switch attrs["optimizer"] {
        case let .object(pairs)?:
            config = pairs
        default:
            // resnet8_sgd_step states its optimizer in prose: SGD lr 0.1, momentum 0.9, Nesterov, weight decay 5e-4.
            config = [
                ("name", .string("sgd")), ("lr", .double(0.1)), ("momentum", .double(0.9)),
                ("nesterov", .bool(true)), ("weight_decay", .double(5e-4)),
            ]
        }
        func take(_ key: String) -> ParamValue? {
            guard let i = config.firstIndex(where: { $0.key == key }) else { return nil }
            return config.remove(at: i).value
        }
        guard case let .string(name)? = take("name") else { throw GoldenError("\(path): optimizer without a name") }
        let stepsBefore: Int
        switch take("step_before") {
        case let .int(n)?: stepsBefore = n
        default: stepsBefore = 0
        }
        var prefix = name
        if case let .string(p)? = take("state_prefix") { prefix = p }
        _ = take("doc")
        let zeroGrads: Set<String>
        if case let .array(items)? = attrs["identically_zero_grads"] {
            zeroGrads = Set(items.compactMap { if case let .string(s) = $0 { s } else { nil } })
        } else {
            zeroGrads = []
        }

        let type = try #require(BuiltInOptimizers.all.first { $0.name == name }, "unknown optimizer \(name)")
        let optimizer = try type.make(.object(config))

        let names = file.names.filter { $0.hasPrefix("param.") }.map { String($0.dropFirst("param.".count)) }.sorted()
        let shapes = try names.map { try file.tensor("param." + $0).shape }
        let values = try names.flatMap { try file.tensor("param." + $0).floats() }
        let grads = try names.flatMap { n -> [Float] in
            let count = try file.tensor("param." + n).count
            if file["grad." + n] == nil, zeroGrads.contains("grad." + n) || zeroGrads.contains(n) {
                return [Float](repeating: 0, count: count)
            }
            return try file.tensor("grad." + n).floats()
        }
        let scale = optimizer.weightDecayScope.scales(for: shapes.map(Shape.init))
        let h = OptimizerHarness(values: values, stateBuffers: optimizer.stateNames.count, decayScale: scale)
        for (s, stateName) in optimizer.stateNames.enumerated() {
            var offset = 0
            for (n, shape) in zip(names, shapes) {
                if let before = file["state.\(prefix).\(stateName).\(n)"] {
                    (h.state.buffers[s] + offset).update(from: before.floats(), count: before.count)
                }
                offset += shape.reduce(1, *)
            }
        }
        h.state.steps = stepsBefore
        h.step(optimizer, grads: grads, lr: optimizer.learningRate)

        var worst = 0.0
        func compare(_ expected: SafetensorsTensor, _ actual: ArraySlice<Float>) {
            let e = expected.floats()
            var diff = 0.0, norm = 0.0
            for (a, b) in zip(actual, e) {
                diff += (Double(a) - Double(b)) * (Double(a) - Double(b))
                norm += Double(b) * Double(b)
            }
            let error = diff.squareRoot() / max(norm.squareRoot(), 1e-12)
            worst = max(worst, error)
            #expect(error <= tolerance && !actual.contains { $0.isNaN }, "\(path): \(expected.name) error \(error)")
        }
        let after = h.currentValues
        var offset = 0
        var checked = 0
        for (n, shape) in zip(names, shapes) {
            let count = shape.reduce(1, *)
            compare(try file.tensor("out." + n), after[offset..<(offset + count)])
            for (s, stateName) in optimizer.stateNames.enumerated() {
                if let expected = file["out.\(prefix).\(stateName).\(n)"] {
                    compare(expected, h.buffer(s)[offset..<(offset + count)])
                    checked += 1
                }
            }
            offset += count
        }
        // The AdamW cases store both moments of every parameter.
        if name == "adamw" { #expect(checked == 2 * names.count, "\(path)") }
        return worst
    }
}
