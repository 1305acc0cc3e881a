import ArgumentParser
import Backprop

/// `--precision`: which scalar type the command computes in.
enum Precision: String, ExpressibleByArgument, CaseIterable {
    case f32, f64
}

extension Backend: ExpressibleByArgument {}
extension Activation: ExpressibleByArgument {}
extension Loss: ExpressibleByArgument {}
