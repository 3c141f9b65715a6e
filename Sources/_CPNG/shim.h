/* libpng 1.6's simplified API (png_image_*), from Debian's libpng-dev. */
#include <png.h>
