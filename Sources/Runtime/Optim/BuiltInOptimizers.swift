/// The built-in optimizers, in registration order.
public enum BuiltInOptimizers {
    public static let all: [any Optimizer.Type] = [SGD.self, AdamW.self]
}
