import Foundation
import Testing

/// The thin MPI layer itself: allreduce (sum/max/min), allgather, broadcast, barrier,
/// failure agreement, a thrown MPIError, MPICluster's agreement and sharded training (every rank
/// holds the single-process parameters), checked by `mpi-collectives-check` on every rank.
@Suite(.enabled(if: MPIRun.mpirun != nil, "mpirun not installed: MPI tests skipped (install libopenmpi-dev openmpi-bin)"))
struct CollectivesTests {
    @Test(arguments: [(1, "5"), (3, "5"), (3, "2147483647"), (2, "1")])
    func everyCollectiveGivesTheHandComputedResult(np: Int, chunk: String) throws {
        let r = try MPIRun.mpi(np: np, [chunk], timeout: 30, executable: "mpi-collectives-check")
        #expect(r.status == 0, "\(r.output)")
        for rank in 0..<np { #expect(r.output.contains("rank \(rank)/\(np) ok"), "\(r.output)") }
        #expect(r.output.contains("invalid root: MPI_Bcast failed (code"), "\(r.output)")
        #expect(r.output.contains("MPI_ERR_ROOT"), "\(r.output)")
        #expect(r.output.contains("sharded training: \(np) rank(s) hold the single-process parameters (32 values)"), "\(r.output)")
    }
}
