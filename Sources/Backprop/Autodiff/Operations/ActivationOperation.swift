extension Tape {
    /// `A = g(Z)` elementwise, for any ``Activation``.
    ///
    /// Backward: `dZ += dA ⊙ g′(Z)`, with `g′` from ``Activation/derivative(_:output:)`` (the
    /// one definition of each derivative, which may use the stored output `A`).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func activation(_ z: Variable<Scalar>, _ g: Activation) -> Variable<Scalar> {
        let iz = index(z, "activation")
        let i = record(.activation(g), z.rows, z.cols, iz, requiresGradient: z.requiresGradient)
        let a = output(i).base
        let n = z.rows * z.cols
        withValue(iz) { zv in ActivationKernels.forward(g, zv.base, into: a, count: n) }
        return variable(i)
    }

    func activationBackward(_ i: Int, _ node: TapeNode<Scalar>, _ g: Activation) {
        guard let dZ = gradientSink(node.a) else { return }
        let dA = gradientView(i).base
        let a = UnsafePointer(values[i].base.unsafelyUnwrapped)
        withValue(node.a) { zv in
            ActivationKernels.backward(
                g, z: zv.base, a: a, dA: dA, into: dZ.base, count: node.count,
                accumulate: !dZ.first)
        }
    }
}
