import CanopyRuntime

/// A whole experiment, decoded from a `schema: canopy/1` document. Every part keeps
/// the node it came from, so later passes report problems at the YAML line.
public struct ExperimentSpec: Sendable {
    public var name: String
    public var description: String
    /// Fixes data order, augmentation and initialisation.
    public var seed: UInt64
    public var data: DataSpec
    public var model: ModelSpec
    public var losses: [LossSpec]
    public var optimizer: PluginCall
    public var schedule: PluginCall?
    public var train: TrainSpec
    public var eval: EvalSpec
    public var output: OutputSpec
    /// The document after `extends` and `--set`, as decoded.
    public var root: Node
}

/// A plugin named in the spec with its params: `{name: sgd, lr: 0.1}` or `name` plus `params:`.
public struct PluginCall: Sendable {
    public var name: String
    public var params: ParamValue
    /// The node the params were read from (to locate param errors).
    public var paramsNode: Node
    /// Where the plugin's name is written.
    public var nameMark: SourceMark
}

/// `data:` what to train and evaluate on, and how batches are made.
public struct DataSpec: Sendable {
    /// The dataset plugin's name (`data.dataset`, or its `name:`).
    public var dataset: String
    /// Where the name is written (the `data:` mapping when it is the default).
    public var datasetMark: SourceMark
    /// The dataset plugin's params: the `dataset:` mapping without `name`, plus
    /// `data.path` and (for `synthetic`) the keys of `data.synthetic`.
    public var datasetParams: ParamValue
    /// The node the params were read from (to locate param errors).
    public var datasetParamsNode: Node
    public var batchSize: Int
    public var evalBatchSize: Int
    /// Train on this many training images only (a seeded subset), or all when nil.
    public var trainSubset: Int?
    /// Evaluate on a seeded, class-stratified subset of this many test images, or all when nil.
    public var testSubset: Int? = nil
    /// Hold this many training images out as a validation split (0: none).
    public var validation: Int
    /// Zero-pad images to this size before anything else (28 -> 32), or nil.
    public var padTo: Int?
    /// Random-crop padding in pixels (0: no random crop).
    public var cropPadding: Int
    public var flip: Bool
    /// torchvision's RandomResizedCrop to the image's size, in place of the padded crop.
    public var randomResizedCrop = false
    /// Skip the last training batch of an epoch when it would be partial (default true);
    /// a plan with step state (`step_memory`) needs it.
    public var dropLast: Bool = true
    /// Where `drop_last` is written, when it is.
    public var dropLastMark: SourceMark? = nil
    /// Normalise with the dataset's per-channel mean and std.
    public var normalize: Bool
    /// The dataset plugin built from `datasetParams`; set by the compiler (nil before
    /// compiling, or when the name or params are wrong).
    public var plugin: (any DatasetPlugin)? = nil

    /// What the dataset plugin states about its images, once compiled.
    public var facts: DatasetFacts? { plugin?.facts }

    /// Per-sample image shape the model sees, [C, H, W], and the class count.
    public var modelInput: (shape: Shape, classes: Int)? {
        guard let f = facts else { return nil }
        return (Shape([f.channels, max(padTo ?? f.height, f.height), max(padTo ?? f.width, f.width)]), f.classes)
    }
}

/// `model:` the backbone, where peer branches fork and what they are, the ensemble
/// and which output is the deployed model.
public struct ModelSpec: Sendable {
    /// The backbone (with `networks`: the first network's, for positions and reports).
    public var backbone: PluginCall
    public var branches: BranchSpec?
    /// `model.networks:` several whole networks, each its own backbone and branches (CSS's
    /// two); empty for the usual single network.
    public var networks: [NetworkSpec] = []
    /// `ensemble: mean` adds `ensemble.logits`, the mean of the branch logits.
    public var ensemble: (kind: String, mark: SourceMark)?
    /// The logits the deployed model outputs (`trunk.logits` or `branch[0].logits`, ...).
    public var deploy: ValueRef?
    /// Parameter-name prefixes that do not train.
    public var freeze: [ValueRef]
    /// Extra modules (gates, attention, fusion, custom branches), emitted in order.
    public var nodes: [NodeSpec] = []
    /// A frozen teacher network for classic distillation, with its weights' file.
    public var teacher: TeacherSpec?
}

/// One entry of `model.nodes`: a module plugin instance (or `count` instances).
public struct NodeSpec: Sendable {
    public var name: String
    public var module: PluginCall
    /// Input name of the module -> value reference (`branch[*].logits` gives every branch's value).
    public var inputs: [(name: String, ref: ValueRef)]
    /// Instances `name[0]`...`name[count-1]` with parameters under `name.k.`, or one instance when nil.
    public var count: Int?
    public var mark: SourceMark
}

/// `model.teacher`: a whole network under the parameter prefix `teacher.`, frozen and
/// in evaluation mode, its weights read from `checkpoint` (PyTorch state_dict names of
/// the plain network, as `canopy export` writes them) when training starts.
public struct TeacherSpec: Sendable {
    public var backbone: PluginCall
    public var checkpoint: ValueRef
    public var mark: SourceMark
}

/// One entry of `model.networks`: a whole network under the name `name`; its values are
/// `<name>.trunk.<tap>` and `<name>.branch[k].<tap>`, its parameters `<name>.<state_dict name>`.
public struct NetworkSpec: Sendable {
    public var name: String
    public var backbone: PluginCall
    public var branches: BranchSpec?
    public var mark: SourceMark
}

/// `model.branches:` K peer branches forking after a backbone tap, each a copy of the rest of the backbone;
/// with `deepen: a`, branch k's last stage has k·a more blocks than the backbone's (branch 0 stays exact).
public struct BranchSpec: Sendable {
    public var count: Int
    public var from: ValueRef
    public var deepen: Int = 0
    public var mark: SourceMark
    /// `classes_factor: n`: each branch's fc predicts n times the dataset's classes (augmented labels).
    public var classesFactor = 1
    /// `transform:` a kernel applied to the fork before branch k, with the k-th of `params`.
    public var transform: BranchTransform?
}

/// `model.branches.transform`: branch k reads `kernel(fork)` with the k-th params entry
/// (CSS: `spatial_mask` with one corner per branch).
public struct BranchTransform: Sendable {
    public var kernel: String
    public var params: [ParamValue]
    public var mark: SourceMark
}

/// One entry of `losses:`.
public struct LossSpec: Sendable {
    public var name: String
    public var plugin: PluginCall
    /// Input name of the plugin -> value reference.
    public var inputs: [(name: String, ref: ValueRef)]
    /// Inputs whose gradient stops at this loss.
    public var detach: [ValueRef]
    public var weight: LossWeight
    /// Where the weight is written (the loss entry when it is the default).
    public var weightMark: SourceMark
    /// `foreach: branch` expands `[*]` in the references into one term per branch.
    public var foreach: ValueRef?
    /// `skip_first_step: true`: the term's weight is 0 on the first step of every epoch.
    public var skipFirstStep: Bool = false
    public var mark: SourceMark
}

/// A reference to a named value (`branch[1].logits`, `trunk.stage2`, `target`) with its position.
public struct ValueRef: Sendable, Hashable {
    public var text: String
    public var mark: SourceMark
    public init(_ text: String, at mark: SourceMark) {
        self.text = text
        self.mark = mark
    }
}

/// `train:` how long and how.
public struct TrainSpec: Sendable {
    /// The valid `threads` (also of `canopy run --threads`).
    public static let threadsRange = 1...256

    public var epochs: Int
    public var threads: Int
    /// Stop after this many steps per epoch (for smoke tests), or nil for full epochs.
    public var stepsPerEpoch: Int?
}

/// `eval:` which metrics are computed on which outputs.
public struct EvalSpec: Sendable {
    public var metrics: [PluginCall]
    /// Evaluate every this many epochs (and always after the last).
    public var every: Int
}

/// `output:` where runs are written.
public struct OutputSpec: Sendable {
    public var directory: String
}
