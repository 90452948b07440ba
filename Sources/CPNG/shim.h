#include <stddef.h>
#include <string.h>
#include <png.h>

/* libpng's simplified API (png_image), which reports every problem through its return
   value and image->message instead of longjmp-ing through the caller, so a corrupt file
   is an error code, never a crash. The PNG_FORMAT_* values are macro expressions,
   which Swift cannot import: these wrappers fix them. */

/* Reads the header of the PNG file held in `data`; on success image->width and
   image->height are set. Returns 0 on failure, with the reason in image->message. */
static inline int canopy_png_begin(png_image *image, const void *data, size_t size) {
    memset(image, 0, sizeof *image);
    image->version = PNG_IMAGE_VERSION;
    return png_image_begin_read_from_memory(image, data, size);
}

/* Decodes the image begun by canopy_png_begin into `rgba`, width * height * 4 bytes of
   8-bit RGBA (grey, palette and 16-bit images are converted; alpha is not
   premultiplied). Returns 0 on failure, with the reason in image->message; either way
   the image's resources are released. */
static inline int canopy_png_finish_rgba(png_image *image, void *rgba) {
    image->format = PNG_FORMAT_RGBA;
    return png_image_finish_read(image, NULL, rgba, 0, NULL);
}

/* Releases a png_image whose reading was begun but is not finished. */
static inline void canopy_png_abort(png_image *image) { png_image_free(image); }

/* The pixel layouts canopy_png_write accepts. */
enum canopy_png_layout {
    CANOPY_PNG_GRAY = 1,       /* 1 byte per pixel */
    CANOPY_PNG_GRAY_ALPHA = 2, /* 2 bytes per pixel */
    CANOPY_PNG_RGB = 3,        /* 3 bytes per pixel */
    CANOPY_PNG_RGBA = 4,       /* 4 bytes per pixel */
    CANOPY_PNG_PALETTE = 5     /* 1 byte per pixel, an index into `palette` (RGB triples) */
};

/* Writes an 8-bit PNG file at `path`, for tests and tools. Returns 0 on failure, with
   the reason in `message` (64 bytes). */
static inline int canopy_png_write(const char *path, unsigned width, unsigned height, int layout,
                                   const void *pixels, const void *palette, unsigned palette_entries,
                                   char *message) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = width;
    image.height = height;
    switch (layout) {
    case CANOPY_PNG_GRAY: image.format = PNG_FORMAT_GRAY; break;
    case CANOPY_PNG_GRAY_ALPHA: image.format = PNG_FORMAT_GA; break;
    case CANOPY_PNG_RGB: image.format = PNG_FORMAT_RGB; break;
    case CANOPY_PNG_RGBA: image.format = PNG_FORMAT_RGBA; break;
    case CANOPY_PNG_PALETTE:
        image.format = PNG_FORMAT_RGB_COLORMAP;
        image.colormap_entries = palette_entries;
        break;
    default:
        strncpy(message, "unknown pixel layout", 64);
        return 0;
    }
    int ok = png_image_write_to_file(&image, path, 0, pixels, 0, layout == CANOPY_PNG_PALETTE ? palette : NULL);
    if (!ok) {
        strncpy(message, image.message, 64);
        message[63] = 0;
    }
    png_image_free(&image);
    return ok;
}
