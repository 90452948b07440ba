import ArgumentParser
import CBLAS
import CanopyRuntime
import Foundation

/// `canopy bench`: micro-benchmarks of the runtime on this machine.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure runtime throughput on this machine.",
        subcommands: [ConvBench.self, TrainBench.self])
}

/// Times conv2d forward+backward for every distinct ResNet-32 layer shape and the
/// bare cblas_sgemm of the same product, side by side.
struct ConvBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conv",
        abstract: "GFLOP/s of conv2d forward+backward for each ResNet-32 layer shape, next to cblas_sgemm.")

    @Option(help: "Batch size.") var batch = 128
    @Option(help: "Worker threads (the runtime's; OpenBLAS runs on one).") var threads = 2
    @Option(help: "Timed repetitions per layer (the median is reported).") var repeats = 5
    @Flag(help: "Print one JSON object per layer instead of a table.") var json = false
    @Option(
        help: "Convolution algorithm: im2col, winograd or depthwiseDirect (default: what a plan picks; layers it cannot run keep that).")
    var method: Conv2D.Method?

    func run() throws {
        Parallel.pinBLASToOneThread()
        let layers = ConvLayerShape.resnet32
        if !json {
            print("conv2d forward+backward, batch \(batch), \(threads) threads (runtime), OpenBLAS on 1 thread per chunk")
            print("| layer | in -> out | map | k/s | algorithm | GFLOP | ms fwd+bwd | GFLOP/s | sgemm GFLOP/s (same M x N x K, \(threads) chunks) |")
            print("|---|---|---|---|---|---|---|---|---|")
        }
        for layer in layers {
            let r = try measure(layer)
            if json {
                let fields = "\"gflop\":\(r.gflop),\"ms\":\(r.ms),\"gflops\":\(r.gflops),\"sgemm_gflops\":\(r.sgemmGflops)"
                print("{\"layer\":\"\(layer.name)\",\"algorithm\":\"\(r.method)\",\(fields)}")
            } else {
                print(
                    String(
                        format: "| %@ | %d -> %d | %dx%d | %dx%d/%d | %@ | %.2f | %.1f | %.1f | %.1f |",
                        layer.name, layer.cin, layer.cout, layer.size, layer.size, layer.kernel, layer.kernel,
                        layer.stride, r.method.rawValue, r.gflop, r.ms, r.gflops, r.sgemmGflops))
            }
        }
    }

    struct Result {
        var method: Conv2D.Method
        var gflop, ms, gflops, sgemmGflops: Double
    }

    func measure(_ l: ConvLayerShape) throws -> Result {
        let x = TensorSpec([batch, l.cin, l.size, l.size])
        let w = TensorSpec([l.cout, l.cin, l.kernel, l.kernel])
        let params = Conv2D.Params(stride: SpatialPair(l.stride), padding: SpatialPair(l.kernel / 2))
        let requested = try? Conv2D(params: params, inputs: [x, w], method: method, threads: threads)
        let kernel = try requested ?? Conv2D(params: params, inputs: [x, w], method: nil, threads: threads)
        // The network input needs no gradient: the stem skips dX, as a plan would.
        let run = StandaloneKernel(kernel, inputs: [x, w], gradientInputs: l.isStem ? [1] : [0, 1])
        var rng = SystemRandomNumberGenerator()
        for t in run.inputs + run.outputGrads { for i in 0..<t.tensor.count { t.tensor.f[i] = Float.random(in: -1...1, using: &rng) } }
        let out = kernel.outputs[0].shape
        let macs = Double(batch * l.cout * out[2] * out[3] * l.cin * l.kernel * l.kernel)
        let gflop = 2 * macs * (l.isStem ? 2 : 3) / 1e9
        let ms = medianMilliseconds {
            run.forward()
            run.backward()
        }

        // The same product as one sgemm per chunk: M = Cout, N = samples * Hout * Wout, K = Cin * k * k.
        let m = l.cout, k = l.cin * l.kernel * l.kernel, n = batch * out[2] * out[3]
        let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        let sgemmMs = a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    let (pa, pb, pc) = (a.baseAddress!, b.baseAddress!, c.baseAddress!)
                    return medianMilliseconds {
                        Parallel.chunks(n, threads: threads) { _, r in
                            cblas_sgemm(
                                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(r.count), Int32(k), 1,
                                pa, Int32(k), pb + r.lowerBound, Int32(n), 0, pc + r.lowerBound, Int32(n))
                        }
                    }
                }
            }
        }
        return Result(method: kernel.method, gflop: gflop, ms: ms, gflops: gflop / ms * 1e3, sgemmGflops: 2 * macs / 1e9 / sgemmMs * 1e3)
    }

    func medianMilliseconds(_ body: () -> Void) -> Double {
        body()
        var times: [Double] = []
        for _ in 0..<repeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        return times.sorted()[times.count / 2]
    }
}

/// One distinct convolution of CIFAR ResNet-32 (option-B shortcuts), at 32x32 input.
struct ConvLayerShape {
    var name: String
    var cin, cout, size, kernel, stride: Int
    var isStem = false

    static let resnet32: [ConvLayerShape] = [
        ConvLayerShape(name: "stem", cin: 3, cout: 16, size: 32, kernel: 3, stride: 1, isStem: true),
        ConvLayerShape(name: "stage1 conv", cin: 16, cout: 16, size: 32, kernel: 3, stride: 1),
        ConvLayerShape(name: "stage2 conv1", cin: 16, cout: 32, size: 32, kernel: 3, stride: 2),
        ConvLayerShape(name: "stage2 shortcut", cin: 16, cout: 32, size: 32, kernel: 1, stride: 2),
        ConvLayerShape(name: "stage2 conv", cin: 32, cout: 32, size: 16, kernel: 3, stride: 1),
        ConvLayerShape(name: "stage3 conv1", cin: 32, cout: 64, size: 16, kernel: 3, stride: 2),
        ConvLayerShape(name: "stage3 shortcut", cin: 32, cout: 64, size: 16, kernel: 1, stride: 2),
        ConvLayerShape(name: "stage3 conv", cin: 64, cout: 64, size: 8, kernel: 3, stride: 1),
    ]
}

extension Conv2D.Method: ExpressibleByArgument {}
