import CanopyRuntime
import CanopySpecs
import Testing

/// Shape errors at the graph level: the error carries the consumer's origin and the
/// producer's, which the front end turns into an error with a note.
@Suite struct GraphErrorTests {
    @Test func mismatchCarriesConsumerAndProducerOrigins() throws {
        var b = GraphBuilder(kernels: builtIns.kernels)
        b.origin = Origin(0)
        let x = b.input("input", TensorSpec([2, 3, 8, 8]))
        b.origin = Origin(1)
        let y = b.conv2d("conv", x, out: 4, kernel: 3, padding: 1)
        b.origin = Origin(2)
        let z = b.add("sum", x, y)
        #expect(b.isPoisoned(z))
        let error = try #require(b.errors.first)
        #expect(b.errors.count == 1)
        #expect(error.message == "sum: add needs b of the same shape as a [2x3x8x8], got [2x4x8x8] (input 'b' is conv [2x4x8x8])")
        #expect(error.origin == Origin(2))
        #expect(error.producerOrigin == Origin(1))

        // A node fed by the poisoned value is skipped quietly: one mistake, one error.
        b.origin = Origin(3)
        _ = b.unary("relu", "after", z)
        #expect(b.errors.count == 1)
    }

    @Test func detachedCopyKeepsTheProducerOrigin() throws {
        var b = GraphBuilder(kernels: builtIns.kernels)
        b.origin = Origin(0)
        let x = b.input("x", TensorSpec([2, 5]))
        b.origin = Origin(1)
        let copy = b.detach(x, name: "x.detached")
        #expect(b.origin == Origin(1))
        let t = b.input("t", TensorSpec([2, 6]))
        _ = b.apply("kd_kl", name: "kd", inputs: [t, copy])
        let error = try #require(b.errors.first)
        #expect(error.origin == Origin(1))
        #expect(error.producerOrigin == Origin(0))
    }
}
