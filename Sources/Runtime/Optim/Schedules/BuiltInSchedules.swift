/// The built-in schedules, in registration order.
public enum BuiltInSchedules {
    public static let all: [any LRSchedule.Type] = [ConstantSchedule.self, MultiStepSchedule.self, CosineSchedule.self]
}
