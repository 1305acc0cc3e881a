extension Tape {
    /// `A = g(Z)` elementwise, for any ``Activation``.
    ///
    /// Backward: `dZ += dA ⊙ g′(Z)`, with `g′` from ``Activation/derivative(_:output:)`` (the
    /// one definition of each derivative, which may use the stored output `A`).
    public func activation(_ z: Variable<Scalar>, _ g: Activation) -> Variable<Scalar> {
        let iz = index(z, "activation")
        let i = record(.activation(g), z.rows, z.cols, iz, requiresGradient: z.requiresGradient)
        let a = output(i).base
        let n = z.rows * z.cols
        withValue(iz) { zv in
            let pz = zv.base
            for k in 0..<n { a[k] = g.value(pz[k]) }
        }
        return variable(i)
    }

    func activationBackward(_ i: Int, _ node: TapeNode<Scalar>, _ g: Activation) {
        guard let dZ = gradientSink(node.a) else { return }
        let dA = gradientView(i).base
        let a = UnsafePointer(values[i].base.unsafelyUnwrapped)
        withValue(node.a) { zv in
            let z = zv.base
            dZ.accumulate(node.count) { dA[$0] * g.derivative(z[$0], output: a[$0]) }
        }
    }
}
