#include <zlib.h>

/* inflateInit2 and deflateInit2 are macros, which Swift cannot call: these wrappers
   open a stream in gzip-only mode (windowBits 15 + 16). */
static inline int canopy_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 16);
}

static inline int canopy_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
