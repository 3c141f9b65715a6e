/* Intentionally empty: SwiftPM needs one source file for the header-only handle target. */
#include "sparsevar_handles.h"
