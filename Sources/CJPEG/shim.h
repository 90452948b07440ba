#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

/* libjpeg's default error handler prints and calls exit(). These wrappers install an
   error manager that formats the message and longjmps back into the wrapper (never
   through a Swift frame), so a corrupt or truncated file is an error code with
   libjpeg's message, never a crash. A file that ends early ("Premature end of JPEG
   file", "premature end of data segment") is an error too, not the grey-filled image
   libjpeg would otherwise return; other warnings are ignored, silently. */

struct canopy_jpeg_error {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

static inline void canopy_jpeg_fail(j_common_ptr info) {
    struct canopy_jpeg_error *error = (struct canopy_jpeg_error *)info->err;
    (*info->err->format_message)(info, error->message);
    longjmp(error->jump, 1);
}

static inline void canopy_jpeg_emit(j_common_ptr info, int level) {
    if (level >= 0) return;
    int code = info->err->msg_code;
    if (code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER) canopy_jpeg_fail(info);
    info->err->num_warnings++;
}

static inline void canopy_jpeg_silent(j_common_ptr info) { (void)info; }

static inline void canopy_jpeg_copy_message(char *to, const char *from) {
    strncpy(to, from, JMSG_LENGTH_MAX);
    to[JMSG_LENGTH_MAX - 1] = 0;
}

/* The size of the message buffers of canopy_jpeg_decode_rgb and canopy_jpeg_write. */
static const int canopy_jpeg_message_length = JMSG_LENGTH_MAX;

/* Decodes the JPEG file held in `data` to 8-bit RGB: on success *pixels is a malloc'd
   buffer of *width * *height * 3 bytes (the caller frees it) and the result is 1.
   Greyscale images are expanded to RGB; CMYK and YCCK ones are converted (Adobe's
   inverted CMYK when the file has an Adobe marker). An image of more than `max_pixels`
   pixels is refused before any pixel buffer is allocated. On failure the result is 0 and
   `message` (canopy_jpeg_message_length bytes) holds libjpeg's reason. */
static inline int canopy_jpeg_decode_rgb(const unsigned char *data, unsigned long size, unsigned long max_pixels,
                                         unsigned *width, unsigned *height, unsigned char **pixels, char *message) {
    struct jpeg_decompress_struct info;
    struct canopy_jpeg_error error;
    unsigned char *volatile out = NULL;
    unsigned char *volatile row = NULL;
    memset(&info, 0, sizeof info);
    info.err = jpeg_std_error(&error.manager);
    error.manager.error_exit = canopy_jpeg_fail;
    error.manager.emit_message = canopy_jpeg_emit;
    error.manager.output_message = canopy_jpeg_silent;
    error.message[0] = 0;
    if (setjmp(error.jump)) {
        jpeg_destroy_decompress(&info);
        free((void *)out);
        free((void *)row);
        canopy_jpeg_copy_message(message, error.message);
        return 0;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, size);
    jpeg_read_header(&info, TRUE);
    int cmyk = info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK;
    info.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    jpeg_start_decompress(&info);
    unsigned w = info.output_width, h = info.output_height;
    size_t components = (size_t)info.output_components;
    if ((unsigned long)w * h > max_pixels) {
        snprintf(error.message, JMSG_LENGTH_MAX, "image size %ux%u is more than %lu pixels", w, h, max_pixels);
        longjmp(error.jump, 1);
    }
    out = malloc((size_t)w * h * 3);
    row = malloc((size_t)w * components);
    if (out == NULL || row == NULL) {
        canopy_jpeg_copy_message(error.message, "out of memory");
        longjmp(error.jump, 1);
    }
    while (info.output_scanline < h) {
        unsigned char *dst = out + (size_t)info.output_scanline * w * 3;
        JSAMPROW rows[1] = {row};
        jpeg_read_scanlines(&info, rows, 1);
        if (!cmyk) {
            memcpy(dst, row, (size_t)w * 3);
            continue;
        }
        for (unsigned x = 0; x < w; x++) {
            unsigned c = row[4 * x], m = row[4 * x + 1], y = row[4 * x + 2], k = row[4 * x + 3];
            if (!info.saw_Adobe_marker) {
                c = 255 - c;
                m = 255 - m;
                y = 255 - y;
                k = 255 - k;
            }
            dst[3 * x] = (unsigned char)((c * k + 127) / 255);
            dst[3 * x + 1] = (unsigned char)((m * k + 127) / 255);
            dst[3 * x + 2] = (unsigned char)((y * k + 127) / 255);
        }
    }
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    free((void *)row);
    *width = w;
    *height = h;
    *pixels = (unsigned char *)out;
    return 1;
}

/* Writes `pixels` (width * height * components bytes, components 1 for greyscale or 3
   for RGB) as a baseline JPEG file at `path` with `quality` (1...100) and no chroma
   subsampling, for tests and tools. Returns 1 on success, 0 with libjpeg's (or the
   system's) reason in `message` (canopy_jpeg_message_length bytes). */
static inline int canopy_jpeg_write(const char *path, unsigned width, unsigned height, int components,
                                    const unsigned char *pixels, int quality, char *message) {
    struct jpeg_compress_struct info;
    struct canopy_jpeg_error error;
    FILE *volatile file = NULL;
    memset(&info, 0, sizeof info);
    info.err = jpeg_std_error(&error.manager);
    error.manager.error_exit = canopy_jpeg_fail;
    error.manager.output_message = canopy_jpeg_silent;
    error.message[0] = 0;
    if (setjmp(error.jump)) {
        jpeg_destroy_compress(&info);
        if (file != NULL) fclose((FILE *)file);
        canopy_jpeg_copy_message(message, error.message);
        return 0;
    }
    jpeg_create_compress(&info);
    file = fopen(path, "wb");
    if (file == NULL) {
        canopy_jpeg_copy_message(error.message, strerror(errno));
        longjmp(error.jump, 1);
    }
    jpeg_stdio_dest(&info, (FILE *)file);
    info.image_width = width;
    info.image_height = height;
    info.input_components = components;
    info.in_color_space = components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, quality, TRUE);
    for (int c = 0; c < info.num_components; c++) { /* no chroma subsampling (4:4:4) */
        info.comp_info[c].h_samp_factor = 1;
        info.comp_info[c].v_samp_factor = 1;
    }
    jpeg_start_compress(&info, TRUE);
    while (info.next_scanline < height) {
        JSAMPROW rows[1] = {(JSAMPROW)(pixels + (size_t)info.next_scanline * width * components)};
        jpeg_write_scanlines(&info, rows, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    FILE *done = (FILE *)file;
    file = NULL;
    if (fclose(done) != 0) {
        canopy_jpeg_copy_message(message, strerror(errno));
        return 0;
    }
    return 1;
}
