import CMPI
#if canImport(Glibc)
import Glibc
#endif

/// The MPI environment of this process: start, stop, abort, clock.
public enum MPI {
    /// `MPI_Init` (MPI-2 form, no argv), then `MPI_ERRORS_RETURN` on `MPI_COMM_WORLD`, so that
    /// failing calls return codes (thrown as ``MPIError``) instead of aborting silently.
    /// Does nothing when MPI is already initialised.
    public static func initialize() throws(MPIError) {
        if isInitialized { return }
        try check(MPI_Init(nil, nil), "MPI_Init")
        try check(MPI_Comm_set_errhandler(cmpi_comm_world(), cmpi_errors_return()), "MPI_Comm_set_errhandler")
    }

    /// `MPI_Finalize` (collective: every rank must call it). Does nothing when not initialised or
    /// already finalised.
    public static func finalize() throws(MPIError) {
        if !isInitialized || isFinalized { return }
        try check(MPI_Finalize(), "MPI_Finalize")
    }

    /// Whether `MPI_Init` has run.
    public static var isInitialized: Bool {
        var flag: Int32 = 0
        MPI_Initialized(&flag)
        return flag != 0
    }

    /// Whether `MPI_Finalize` has run.
    public static var isFinalized: Bool {
        var flag: Int32 = 0
        MPI_Finalized(&flag)
        return flag != 0
    }

    /// `MPI_Abort(MPI_COMM_WORLD, code)`: ends every rank of the job (last resort, e.g. when a
    /// collective failed and the ranks can no longer agree). Exits this process if MPI does not.
    public static func abort(code: Int32 = 1) -> Never {
        if isInitialized && !isFinalized { MPI_Abort(cmpi_comm_world(), code) }
        exit(code)
    }

    /// `MPI_Wtime()`: seconds since an arbitrary point, for timing.
    public static var time: Double { MPI_Wtime() }

    /// Whether this process was started by an MPI launcher (`mpirun`/`mpiexec` of Open MPI,
    /// MPICH or a PMI/PMIx resource manager), judged from the variables they set.
    public static func launchedByMPI(environment: [String: String]) -> Bool {
        ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"].contains { environment[$0] != nil }
    }

    /// Throws ``MPIError`` with MPI's error string when `code` is not `MPI_SUCCESS`.
    static func check(_ code: Int32, _ function: String) throws(MPIError) {
        if code == MPI_SUCCESS { return }
        throw MPIError(function: function, code: code, message: errorString(code))
    }

    /// `MPI_Error_string(code)`.
    public static func errorString(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        var length: Int32 = 0
        if MPI_Error_string(code, &buffer, &length) != MPI_SUCCESS { return "unknown MPI error \(code)" }
        return String(decoding: buffer[0..<Int(length)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
