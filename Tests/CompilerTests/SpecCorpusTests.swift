import CanopySpecs
import Testing

/// Every spec under `specs/` (recursively) checks, compiles and plans: the training,
/// evaluation and deployment plans are lowered and the plan report renders. Serialized,
/// because each case allocates its plans' arenas at the spec's real batch size.
@Suite(.serialized) struct SpecCorpusTests {
    @Test func thereAreSpecs() {
        #expect(allSpecFiles().contains("cifar100/resnet32-peers3.yaml"))
    }

    @Test(arguments: allSpecFiles())
    func specChecksAndPlans(_ file: String) throws {
        let path = specsFolder.appendingPathComponent(file).path
        let diagnostics = DiagnosticEngine()
        let compiled = SpecFrontEnd.compile(path, plugins: builtIns, diagnostics: diagnostics)
        #expect(diagnostics.diagnostics.isEmpty, "\(diagnostics.render())")
        let experiment = try #require(compiled)
        let layout = ExperimentLayout(experiment)
        let report = PlanReport(experiment, layout: layout)
        #expect(report.parameters > 0 && report.forwardMACs > 0)
        #expect(report.deployParameters <= report.parameters && report.deployMACs <= report.forwardMACs)
        #expect(report.trainArenaBytes >= report.evalArenaBytes && report.evalArenaBytes >= report.deployArenaBytes)
        #expect(!layout.train.steps.isEmpty && !layout.deploy.steps.isEmpty)
        #expect(experiment.losses.count >= 1)
        let text = report.render()
        #expect(text.contains("parameters") && text.contains("MACs/image") && text.contains("arena bytes"))
        #expect(!PlanDumps.graph(experiment).isEmpty && !PlanDumps.memory(experiment, layout).isEmpty)
    }
}
