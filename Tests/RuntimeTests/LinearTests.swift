import CanopyRuntime
import Testing

@Suite struct LinearTests {
    static let shapes: [(x: Shape, out: Int, bias: Bool)] = [
        ([3, 5], 4, true),
        ([2, 3, 7], 5, false),
        ([1, 1], 3, true),
        ([6], 2, true),
    ]

    private static func inputs(_ x: Shape, _ out: Int, _ bias: Bool) -> [TensorSpec] {
        [TensorSpec(x), TensorSpec([out, x[-1]])] + (bias ? [TensorSpec([out])] : [])
    }

    /// Linear in each input: step 1e-2, tolerance 1e-3.
    @Test(arguments: shapes)
    func gradientMatchesFiniteDifferences(_ x: Shape, _ out: Int, _ bias: Bool) throws {
        let specs = Self.inputs(x, out, bias)
        let k = try KernelRegistry.make(Linear.self, params: .empty, inputs: specs)
        #expect(k.outputs == [TensorSpec(Shape(x.dims.dropLast() + [out]))])
        GradientCheck(step: 1e-2, tolerance: 1e-3).check(k, inputs: specs)
    }

    @Test func forwardComputesXWTransposePlusBias() throws {
        let specs = Self.inputs([2, 3], 2, true)
        let k = try KernelRegistry.make(Linear.self, params: .empty, inputs: specs)
        let run = StandaloneKernel(k, inputs: specs)
        _ = run.inputs[0].tensor.floats.update(from: [1, 2, 3, 4, 5, 6])
        _ = run.inputs[1].tensor.floats.update(from: [1, 0, -1, 0.5, 0.5, 0.5])
        _ = run.inputs[2].tensor.floats.update(from: [10, 20])
        run.forward()
        #expect(run.outputs[0].tensor.toArray() == [8, 23, 8, 27.5])
    }

    @Test func shapeErrorsNameTheirInput() {
        func input(_ specs: [TensorSpec]) -> Int?? {
            do {
                _ = try KernelRegistry.make(Linear.self, params: .empty, inputs: specs)
                return nil
            } catch {
                if case let .kernel(e) = error { return e.input }
                return nil
            }
        }
        #expect(input([TensorSpec([3, 5]), TensorSpec([4, 6])]) == 1)
        #expect(input([TensorSpec([3, 5]), TensorSpec([4, 5]), TensorSpec([5])]) == 2)
        #expect(input([TensorSpec([3, 5]), TensorSpec([20])]) == 1)
    }
}

/// The Linear kernel built for two threads against one.
@Suite struct LinearThreadTests {
    /// Rows split into chunks. OpenBLAS blocks a product by its row count, so y and dx
    /// agree with one thread to rounding (not bit for bit), as does the weight gradient,
    /// which sums chunk partials; the bias gradient is summed serially and is identical.
    @Test func twoThreadsEqualOne() throws {
        let specs = [TensorSpec([67, 64]), TensorSpec([80, 64]), TensorSpec([80])]
        func run(threads: Int) throws -> [[Float]] {
            let k = try KernelRegistry.make(Linear.self, params: .empty, inputs: specs, threads: threads)
            let run = StandaloneKernel(k, inputs: specs)
            randomize(run, seed: 7)
            run.forward()
            run.backward()
            return [run.outputs[0].tensor.toArray()] + run.inputGrads.map { $0!.tensor.toArray() }
        }
        let one = try run(threads: 1), two = try run(threads: 2)
        for i in 0..<3 { #expect(relativeError(two[i], one[i]) < 1e-6, "output/gradient \(i)") }
        #expect(one[3] == two[3], "bias gradient")
    }
}
