import BackpropMPI
import Testing

@Test func chunksCoverTheBufferInOrder() {
    #expect(mpiChunks(count: 10, limit: 4) == [0..<4, 4..<8, 8..<10])
    #expect(mpiChunks(count: 8, limit: 4) == [0..<4, 4..<8])
    #expect(mpiChunks(count: 3, limit: 4) == [0..<3])
    #expect(mpiChunks(count: 0, limit: 4) == [0..<0])
    // The production limit: MPI's int count.
    let big = mpiChunks(count: 5_000_000_000)
    #expect(big.count == 3)
    #expect(big.allSatisfy { $0.count <= Int(Int32.max) })
    #expect(big.last!.upperBound == 5_000_000_000)
}

@Test func mpiErrorNamesTheCallAndMPIsMessage() {
    let e = MPIError(function: "MPI_Allgather", code: 2, message: "MPI_ERR_COUNT: invalid count argument")
    #expect(e.description == "MPI_Allgather failed (code 2): MPI_ERR_COUNT: invalid count argument")
}

@Test func launcherDetection() {
    #expect(MPI.launchedByMPI(environment: ["OMPI_COMM_WORLD_SIZE": "2"]))
    #expect(MPI.launchedByMPI(environment: ["PMI_SIZE": "4"]))
    #expect(!MPI.launchedByMPI(environment: ["PATH": "/usr/bin"]))
}
