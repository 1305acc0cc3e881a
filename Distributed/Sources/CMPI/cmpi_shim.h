#ifndef CMPI_SHIM_H
#define CMPI_SHIM_H
#include <mpi.h>
/* Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, MPI_IN_PLACE, …) are macros over the
   addresses of globals of incomplete type, which Swift cannot import; these static inline functions
   return them. The cmpi_ prefix avoids the MPI_/PMPI_ names reserved for the implementation.
   The same header works unchanged with MPICH (whose handles are integers). */
static inline MPI_Comm       cmpi_comm_world(void)    { return MPI_COMM_WORLD; }
static inline MPI_Comm       cmpi_comm_self(void)     { return MPI_COMM_SELF; }
static inline MPI_Datatype   cmpi_float(void)         { return MPI_FLOAT; }
static inline MPI_Datatype   cmpi_double(void)        { return MPI_DOUBLE; }
static inline MPI_Datatype   cmpi_int32(void)         { return MPI_INT32_T; }
static inline MPI_Datatype   cmpi_int64(void)         { return MPI_INT64_T; }
static inline MPI_Datatype   cmpi_uint8(void)         { return MPI_UINT8_T; }
static inline MPI_Op         cmpi_op_sum(void)        { return MPI_SUM; }
static inline MPI_Op         cmpi_op_max(void)        { return MPI_MAX; }
static inline MPI_Op         cmpi_op_min(void)        { return MPI_MIN; }
static inline void          *cmpi_in_place(void)      { return MPI_IN_PLACE; }
static inline MPI_Errhandler cmpi_errors_return(void) { return MPI_ERRORS_RETURN; }
#endif
