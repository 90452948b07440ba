import CanopyRuntime
import Testing

private func sortParams(descending: Bool? = nil) -> ParamValue {
    .object(descending.map { [("descending", .bool($0))] } ?? [])
}

/// Runs `sort` on `values` as one row [n] (or rows [values.count / n, n]) and returns the
/// sorted values and the indices.
private func sorted(_ values: [Float], columns: Int? = nil, descending: Bool? = nil, threads: Int = 1)
    throws -> (y: [Float], indices: [Int32])
{
    let n = columns ?? values.count
    let spec = TensorSpec([values.count / n, n])
    let k = try BuiltInKernels.registry().make("sort", params: sortParams(descending: descending), inputs: [spec], threads: threads)
    let run = StandaloneKernel(k, inputs: [spec])
    _ = run.inputs[0].tensor.floats.update(from: values)
    run.forward()
    return (run.outputs[0].tensor.toArray(), Array(run.outputs[1].tensor.ints))
}

/// The stable order of each row by a plain comparison sort: what torch.sort(stable=True) gives.
private func reference(_ values: [Float], columns n: Int, descending: Bool) -> [Int32] {
    stride(from: 0, to: values.count, by: n).flatMap { start -> [Int32] in
        let row = Array(values[start..<start + n])
        let order = (0..<n).sorted { a, b in
            row[a] == row[b] ? a < b : (descending ? row[a] > row[b] : row[a] < row[b])
        }
        return order.map(Int32.init)
    }
}

@Suite struct SortTests {
    @Test func tiesKeepTheLowerInputIndexFirst() throws {
        let up = try sorted([3, 1, 3, 2])
        #expect(up.y == [1, 2, 3, 3])
        #expect(up.indices == [1, 3, 0, 2])
        let down = try sorted([3, 1, 3, 2], descending: true)
        #expect(down.y == [3, 3, 2, 1])
        #expect(down.indices == [0, 2, 3, 1])
    }

    /// PyTorch's order: -0 ties with +0 (input order kept), NaN above +inf.
    @Test func signedZerosTieAndNaNSortsAboveInfinity() throws {
        let x: [Float] = [.nan, 0, -0.0, -.infinity, 1, .infinity]
        let up = try sorted(x)
        #expect(up.indices == [3, 1, 2, 4, 5, 0])
        #expect(
            up.y[0] == -.infinity && up.y[1] == 0 && up.y[1].sign == .plus && up.y[2].sign == .minus
                && up.y[3] == 1 && up.y[4] == .infinity && up.y[5].isNaN)
        #expect(try sorted(x, descending: true).indices == [0, 5, 4, 1, 2, 3])
    }

    /// Rows longer than one insertion run (16) go through the merge passes; many ties
    /// (values from 7 levels) test stability there too. Each row is sorted on its own.
    @Test(arguments: [1, 5, 16, 17, 37, 100, 257])
    func matchesAStableReferenceSort(_ n: Int) throws {
        var rng = TestRandom(seed: UInt64(n))
        let x = (0..<3 * n).map { _ in Float(rng.index(7)) - 3 }
        for descending in [false, true] {
            let got = try sorted(x, columns: n, descending: descending)
            let want = reference(x, columns: n, descending: descending)
            #expect(got.indices == want, "n \(n) descending \(descending)")
            let rowStart = (0..<3 * n).map { $0 / n * n }
            #expect(got.y == want.enumerated().map { x[rowStart[$0.offset] + Int($0.element)] })
        }
    }

    /// dx[indices[j]] += dy[j], onto a gradient that starts at 1; backward reads only indices.
    @Test func backwardScattersThroughTheIndices() throws {
        let spec = TensorSpec([1, 4])
        let run = StandaloneKernel(try BuiltInKernels.registry().make("sort", params: .empty, inputs: [spec]), inputs: [spec])
        _ = run.inputs[0].tensor.floats.update(from: [3, 1, 3, 2])
        _ = run.outputGrads[0].tensor.floats.update(from: [10, 20, 30, 40])
        run.inputGrads[0]!.tensor.floats.update(repeating: 1)
        run.forward()
        run.inputs[0].tensor.floats.update(repeating: .nan)
        run.outputs[0].tensor.floats.update(repeating: .nan)
        run.backward()
        #expect(run.inputGrads[0]!.tensor.toArray() == [31, 11, 41, 21])
    }

    /// Distinct values 0.01 apart and a step of 1e-3 never reorder a row: the central
    /// difference is exact up to rounding. Rows of 21 (merge passes) and 4.
    @Test(arguments: [Shape([3, 4, 21]), Shape([5, 4])])
    func gradientMatchesFiniteDifferences(_ shape: Shape) throws {
        let spec = TensorSpec(shape)
        for descending in [false, true] {
            let k = try BuiltInKernels.registry().make("sort", params: sortParams(descending: descending), inputs: [spec])
            GradientCheck(step: 1e-3, tolerance: 1e-3).check(k, inputs: [spec]) { _, t, rng in
                var values = (0..<t.count).map { Float($0) * 0.01 - Float(t.count) * 0.005 }
                for j in stride(from: values.count - 1, to: 0, by: -1) { values.swapAt(j, rng.index(j + 1)) }
                _ = t.floats.update(from: values)
            }
        }
    }

    /// Above the split threshold, two threads (each sorting in its own scratch) give the
    /// one-thread result.
    @Test func twoThreadsEqualOne() throws {
        var rng = TestRandom(seed: 3)
        let x = (0..<300 * 61).map { _ in Float(rng.index(50)) }
        let one = try sorted(x, columns: 61, threads: 1), two = try sorted(x, columns: 61, threads: 2)
        #expect(one.indices == two.indices && one.y == two.y)
        #expect(one.indices == reference(x, columns: 61, descending: false))
    }

    /// In a training plan (int32 indices in the arena, scratch in the workspace):
    /// loss = sum(sort(x, descending) * w) with x = [[3, 1, 2], [0, 5, 5]], w = [[1, 2, 3], [4, 5, 6]].
    /// Sorted: [[3, 2, 1], [5, 5, 0]], indices [[0, 2, 1], [1, 2, 0]]; loss 3 + 4 + 3 + 20 + 25 = 55;
    /// dx[indices[j]] = w[j]: [[1, 3, 2], [6, 4, 5]]; dw = the sorted values.
    @Test func trainsInAPlan() throws {
        var b = GraphBuilder(kernels: BuiltInKernels.registry())
        let x = b.parameter("x", [2, 3], .zeros), w = b.parameter("w", [2, 3], .zeros)
        let out = b.apply(Sort.self, name: "sort", params: .init(descending: true), inputs: [x])
        let loss = b.expression("loss", [out[0], w]) { v in sum(v[0] * v[1]) }
        b.addLoss("loss", loss)
        #expect(b.errors.isEmpty, "\(b.errors)")
        let memory = ModelMemory(graph: b.graph)
        _ = memory.parameter(x).floats.update(from: [3, 1, 2, 0, 5, 5])
        _ = memory.parameter(w).floats.update(from: [1, 2, 3, 4, 5, 6])
        let plan = PlanLowering.lower(memory, purpose: .train, outputs: [loss, out[1]])
        plan.run()
        #expect(try #require(plan.output(loss)).f[0] == 55)
        #expect(Array(try #require(plan.output(out[1])).ints) == [0, 2, 1, 1, 2, 0])
        #expect(try #require(memory.gradient(x)).toArray() == [1, 3, 2, 6, 4, 5])
        #expect(try #require(memory.gradient(w)).toArray() == [3, 2, 1, 5, 5, 0])
    }

    @Test func outputsAndSetupErrors() throws {
        let k = try BuiltInKernels.registry().make("sort", params: .empty, inputs: [TensorSpec([2, 3, 5])])
        #expect(k.outputs == [TensorSpec([2, 3, 5]), TensorSpec([2, 3, 5], .int32)])
        #expect(Sort.outputNames == ["y", "indices"])
        #expect(setupFailure("sort", inputs: [TensorSpec([3], .int32)])?.blamedInput == 0)
        #expect(setupFailure("sort", inputs: [TensorSpec([3, 0])])?.blamedInput == 0)
        #expect(setupFailure("sort", .object([("descending", .string("yes"))]), inputs: [TensorSpec([3])]) != nil)
        #expect(setupFailure("sort", .object([("dim", .int(0))]), inputs: [TensorSpec([3])]) != nil)
    }
}
