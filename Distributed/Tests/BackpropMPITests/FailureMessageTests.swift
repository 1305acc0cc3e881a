import BackpropMPI
import Testing

/// How ``MPICluster`` words the failures of some ranks (no MPI needed).
struct FailureMessageTests {
    @Test func noFailureIsNoMessage() {
        #expect(MPICluster.failureMessage([], size: 4) == nil)
    }

    @Test func oneRankIsNamed() {
        #expect(MPICluster.failureMessage([(1, "data-1.csv: line 3: bad")], size: 2) == "rank 1 of 2: data-1.csv: line 3: bad")
    }

    @Test func everyRankAlikeIsSaidOnce() {
        let all = (0..<3).map { (rank: $0, message: "nope.csv: no such file") }
        #expect(MPICluster.failureMessage(all, size: 3) == "nope.csv: no such file")
    }

    @Test func ranksAreGroupedByMessageInRankOrder() {
        let failures = [(rank: 3, message: "A"), (rank: 1, message: "A"), (rank: 2, message: "B")]
        #expect(MPICluster.failureMessage(failures, size: 4) == "ranks 1, 3 of 4: A; rank 2 of 4: B")
        // Every rank failed, but not alike: still named.
        #expect(MPICluster.failureMessage([(0, "A"), (1, "B")], size: 2) == "rank 0 of 2: A; rank 1 of 2: B")
    }
}
