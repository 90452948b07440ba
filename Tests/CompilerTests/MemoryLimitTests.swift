import CanopySpecs
import Foundation
import Testing

/// A legal but absurd spec is refused at compile time, with an error at the line to
/// change, before any plan allocates memory.
@Suite(.serialized) struct MemoryLimitTests {
    static let peersSpec = specsFolder.appendingPathComponent("cifar100/resnet32-peers3.yaml").path

    @Test func theLayoutIsWhatThePlansAllocate() throws {
        let diagnostics = DiagnosticEngine()
        let experiment = try #require(
            SpecFrontEnd.compile(
                Self.peersSpec, overrides: ["data.batch_size=16"], plugins: builtIns,
                diagnostics: diagnostics))
        let layout = ExperimentLayout(experiment)
        let plans = ExperimentPlans(experiment)
        #expect(layout.train.transientBytes == plans.train.transientBytes)
        #expect(layout.eval.transientBytes == plans.eval.transientBytes)
        #expect(layout.deploy.transientBytes == plans.deploy.transientBytes)
        #expect(
            layout.persistentBytes
                == plans.memory.parameters.byteCount + plans.memory.gradients.byteCount + plans.memory.states.byteCount)
        #expect(ExperimentLayout.upperBound(experiment.graph) >= Double(layout.totalBytes))
        #expect(PlanReport(experiment, layout: layout).render() == PlanReport(plans).render())
        #expect(layout.train.steps.count == plans.train.steps.count)
    }

    @Test func hugeBatchIsRefusedAtTheBatchSize() {
        let diagnostics = DiagnosticEngine()
        // 40000: a batch CIFAR-100's 50000 training images can fill.
        let compiled = SpecFrontEnd.compile(
            Self.peersSpec, overrides: ["data.batch_size=40000"], plugins: builtIns,
            diagnostics: diagnostics)
        #expect(compiled == nil)
        #expect(diagnostics.diagnostics.count == 1)
        let d = diagnostics.diagnostics[0]
        #expect("\(d.mark)" == "<command line>:1:17")
        #expect(d.message.hasPrefix("the plans need "))
        #expect(d.message.contains(" GiB at batch size 40000 (training arena "))
        #expect(d.message.hasSuffix("more than the 16.0 GiB memory limit; lower data.batch_size"))
    }

    @Test func inputBatchOverTheLimitIsRefusedBeforeTheNetworkIsBuilt() {
        let r = check(
            """
            schema: canopy/1
            data:
              dataset: synthetic
              synthetic: {channels: 64, size: 512, train: 100000}
              batch_size: 65536
            model:
              backbone: {name: resnet_cifar, depth: 8, widths: [4096, 4096, 4096]}
            losses:
              - name: ce
                plugin: cross_entropy
                inputs: {logits: trunk.logits, target: target}
            optimizer: {name: sgd, lr: 0.1}

            """)
        #expect(
            r.messages == [
                "t.yaml:5:15: error: a batch of 65536 images of [64x512x512] takes 4096.0 GiB, more than the 16.0 GiB memory "
                    + "limit; lower data.batch_size"
            ])
    }

    @Test func hugeModelIsRefusedAtTheBackbone() {
        let r = check(
            """
            schema: canopy/1
            data: {dataset: cifar10, batch_size: 1}
            model:
              backbone: {name: resnet_cifar, depth: 8, blocks_per_stage: 3, widths: [4096, 4096, 4096]}
            losses:
              - name: ce
                plugin: cross_entropy
                inputs: {logits: trunk.logits, target: target}
            optimizer: {name: sgd, lr: 0.1}

            """)
        #expect(r.messages.count == 1)
        #expect(r.messages.first?.hasPrefix("t.yaml:4:20: error: the model needs ") == true)
        #expect(r.messages.first?.hasSuffix("more than the 16.0 GiB memory limit") == true)
    }

    @Test func depthAndWidthsAreBounded() {
        func backbone(_ params: String) -> [String] {
            check(DiagnosticsTests.spec(replacing: "depth: 8}", with: params + "}")).messages
        }
        #expect(backbone("depth: 1208") == ["t.yaml:4:41: error: depth 1208 is more than 200 blocks per stage (at most 1202 for basic blocks)"])
        #expect(backbone("depth: -9223372036854775808") == ["t.yaml:4:41: error: depth -9223372036854775808 is not 6n+2 for basic blocks"])
        #expect(backbone("depth: 8, blocks_per_stage: 201") == ["t.yaml:4:62: error: must be between 1 and 200, found 201"])
        #expect(
            backbone("depth: 8, widths: [16, 32, 5000]")
                == ["t.yaml:4:52: error: expected three stage widths between 1 and 4096, found [16, 32, 5000]"])
    }
}

/// `canopy check` and `canopy plan` work on the plans' layouts: a spec whose training
/// arena alone is 11 GiB checks and plans in a fraction of that memory.
@Suite struct LayoutOnlyCommandTests {
    static let resnet1202 = """
        schema: canopy/1
        data: {dataset: cifar100, batch_size: 128}
        model:
          backbone: {name: resnet_cifar, depth: 1202}
        losses:
          - name: ce
            plugin: cross_entropy
            inputs: {logits: trunk.logits, target: target}
        optimizer: {name: sgd, lr: 0.1}

        """

    /// Runs canopy with its address space limited to 1 GiB.
    func canopyWithin1GiB(_ arguments: String) throws -> (status: Int32, output: String) {
        let executable = try #require(CLITests.executable, "canopy is not built: run swift build first")
        let directory = temporaryDirectory()
        write(Self.resnet1202, to: directory + "/r1202.yaml")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c", "ulimit -v 1048576 && exec \"$0\" \(arguments) \"$1\" > \"$2\" 2>&1",
            executable, directory + "/r1202.yaml", directory + "/out",
        ]
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOfFile: directory + "/out", encoding: .utf8)) ?? "")
    }

    @Test func checkOfResNet1202FitsInASmallMemoryBound() throws {
        let r = try canopyWithin1GiB("check")
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output == "")
    }

    @Test func planOfResNet1202FitsInASmallMemoryBound() throws {
        let r = try canopyWithin1GiB("plan")
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("arena bytes       11775978496 (11230.4 MiB)  27936768 (26.6 MiB)"), "\(r.output)")
    }
}
