#pragma once
// LAPACKE from Debian's liblapacke-dev (pkg-config `lapacke`).
#include <lapacke.h>
// lapack_int is a macro (int32_t) that Swift cannot see; give it a name.
typedef lapack_int LapackInt;
