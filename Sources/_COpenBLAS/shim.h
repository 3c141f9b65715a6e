/* OpenBLAS's CBLAS and LAPACKE, as Debian installs them (libopenblas-dev, liblapacke-dev). */
#include <cblas.h>
#include <lapacke.h>
/* Thread control of the pthread build of OpenBLAS. */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
