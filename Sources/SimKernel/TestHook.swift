/// A function a test puts in place of one piece of an implementation, to plant a mistake
/// and show that a check catches it (a test double, not a configuration switch: no
/// configuration key sets it). Hooks compare equal, so configurations holding one keep
/// their value semantics.
public struct TestHook<Input, Output>: Sendable, Equatable {
    public let body: @Sendable (Input) -> Output
    public init(_ body: @escaping @Sendable (Input) -> Output) { self.body = body }
    public static func == (_: TestHook, _: TestHook) -> Bool { true }
}
