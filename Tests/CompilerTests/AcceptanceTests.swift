import CanopySpecs
import Testing

/// The acceptance figures: ResNet-32 with 3 peer branches forked after stage 2
/// on CIFAR-100 plans with its parameters, MACs and arena bytes, and its deployed model
/// (branch 0) costs exactly what a plain ResNet-32 costs.
@Suite(.serialized) struct AcceptanceTests {
    static let peersSpec = specsFolder.appendingPathComponent("cifar100/resnet32-peers3.yaml").path

    /// The plain ResNet-32 on CIFAR-100, for comparison.
    static let plain = """
        schema: canopy/1
        data: {dataset: cifar100, batch_size: 128}
        model:
          backbone: {name: resnet_cifar, depth: 32}
        losses:
          - name: ce
            plugin: cross_entropy
            inputs: {logits: trunk.logits, target: target}
        optimizer: {name: sgd, lr: 0.1}

        """

    /// ResNet-32 for 100 classes: 472,756 parameters (torchvision-style count: convs,
    /// BN affine, option-B shortcuts, fc) and 69,130,496 MACs per image.
    static let resnet32Parameters = 472_756
    static let resnet32MACs = 69_130_496
    /// Stage 3 plus fc of one peer: 353,664 + 6,500 parameters; 22,544,384 + 6,400 MACs.
    static let peerParameters = 360_164
    static let peerMACs = 22_550_784

    func report(_ path: String? = nil, text: String? = nil) throws -> PlanReport {
        let experiment: CompiledExperiment
        if let text {
            let r = check(text)
            #expect(r.messages == [])
            experiment = try #require(r.compiled)
        } else {
            let diagnostics = DiagnosticEngine()
            experiment = try #require(SpecFrontEnd.compile(path!, plugins: builtIns, diagnostics: diagnostics))
            #expect(diagnostics.diagnostics.isEmpty)
        }
        return PlanReport(ExperimentPlans(experiment))
    }

    @Test func plainResNet32() throws {
        let r = try report(text: Self.plain)
        #expect(r.parameters == Self.resnet32Parameters && r.trainableParameters == Self.resnet32Parameters)
        #expect(r.forwardMACs == Self.resnet32MACs)
        #expect(r.deployParameters == Self.resnet32Parameters && r.deployMACs == Self.resnet32MACs)
    }

    @Test func resnet32WithThreePeers() throws {
        let r = try report(Self.peersSpec)
        // The trunk (stem, stages 1-2) once, stage 3 and fc three times.
        #expect(r.parameters == Self.resnet32Parameters + 2 * Self.peerParameters)
        #expect(r.parameters == 1_193_084)
        #expect(r.forwardMACs == Self.resnet32MACs + 2 * Self.peerMACs)
        #expect(r.forwardMACs == 114_232_064)
        // The deployed model is branch 0 alone: a plain ResNet-32.
        #expect(r.deployParameters == Self.resnet32Parameters)
        #expect(r.deployMACs == Self.resnet32MACs)
        // Backward products: dX and dW of every conv and fc except the stem's dX.
        #expect(r.trainingMACs > 2 * r.forwardMACs && r.trainingMACs < 3 * r.forwardMACs)
        #expect(r.batch == 128)
        // Arena figures at batch 128 (per-thread workspaces make them depend slightly on
        // the configured thread count): the deployed model's activations are a fraction
        // of the training step's, which keeps every branch's activations for backward.
        #expect(r.trainArenaBytes > 300 << 20 && r.trainArenaBytes < 450 << 20)
        #expect(r.deployArenaBytes > 20 << 20 && r.deployArenaBytes < 32 << 20)
        #expect(r.evalArenaBytes >= r.deployArenaBytes && r.trainArenaBytes > r.evalArenaBytes)

        let text = r.render()
        #expect(text.contains("params            1193084               472756\n"))
        #expect(text.contains("MACs/image fwd    114.23M               69.13M\n"))
        #expect(text.contains("arena bytes       \(r.trainArenaBytes) ("))
    }
}
