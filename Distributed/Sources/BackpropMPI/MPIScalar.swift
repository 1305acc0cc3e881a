import CMPI

/// Element types MPI can send: each knows its `MPI_Datatype` (from the shim header).
public protocol MPIScalar: Sendable {
    /// The MPI datatype handle (`MPI_FLOAT`, `MPI_DOUBLE`, `MPI_INT32_T`, …).
    static var mpiDatatype: MPI_Datatype { get }
}

extension Float: MPIScalar { public static var mpiDatatype: MPI_Datatype { cmpi_float() } }
extension Double: MPIScalar { public static var mpiDatatype: MPI_Datatype { cmpi_double() } }
extension Int32: MPIScalar { public static var mpiDatatype: MPI_Datatype { cmpi_int32() } }
extension Int64: MPIScalar { public static var mpiDatatype: MPI_Datatype { cmpi_int64() } }
extension UInt8: MPIScalar { public static var mpiDatatype: MPI_Datatype { cmpi_uint8() } }

/// A reduction of ``Communicator/allreduce(_:_:)``: elementwise sum, maximum or minimum.
public enum ReductionOperation: Sendable {
    case sum, max, min

    var handle: MPI_Op {
        switch self {
        case .sum: return cmpi_op_sum()
        case .max: return cmpi_op_max()
        case .min: return cmpi_op_min()
        }
    }
}
