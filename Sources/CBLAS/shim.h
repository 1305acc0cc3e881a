#pragma once
// CBLAS from Debian's libopenblas-dev (pkg-config `openblas`); the openblas-pthread
// include directory also declares openblas_set_num_threads / openblas_get_corename.
#include <cblas.h>
