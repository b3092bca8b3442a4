#include "core/qr.h"

#include <png.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "util/buf.h"

static void png_write_cb(png_structp png, png_bytep data, png_size_t len)
{
	wp_buf *b = png_get_io_ptr(png);
	wp_buf_append(b, data, len);
}

static void png_flush_cb(png_structp png)
{
	(void)png;
}

wp_status wp_qr_png(const char *text, unsigned module_px, unsigned char **out, size_t *out_len)
{
	if (module_px == 0 || module_px > 32)
		return WP_E_INVALID;
	QRcode *qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
	if (qr == NULL)
		return WP_E_INVALID; /* too long for any QR version, or no memory */
	wp_status result = WP_E_NOMEM;
	unsigned side = ((unsigned)qr->width + 2 * WP_QR_QUIET_MODULES) * module_px;
	size_t row_bytes = (side + 7) / 8;
	png_bytep row = calloc(1, row_bytes);
	wp_buf b;
	wp_buf_init(&b, WP_QR_PNG_MAX_BYTES);
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (row == NULL || png == NULL || info == NULL)
		goto out;
	if (setjmp(png_jmpbuf(png)))
		goto out;
	png_set_write_fn(png, &b, png_write_cb, png_flush_cb);
	png_set_IHDR(png, info, side, side, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (unsigned y = 0; y < side; y++) {
		int my = (int)(y / module_px) - WP_QR_QUIET_MODULES;
		memset(row, 0xFF, row_bytes); /* 1 = white in 1-bit grayscale */
		for (unsigned x = 0; x < side; x++) {
			int mx = (int)(x / module_px) - WP_QR_QUIET_MODULES;
			if (mx < 0 || my < 0 || mx >= qr->width || my >= qr->width)
				continue;
			if (qr->data[my * qr->width + mx] & 1)
				row[x / 8] &= (png_byte) ~(0x80 >> (x % 8));
		}
		png_write_row(png, row);
	}
	png_write_end(png, info);
	if (!b.failed) {
		*out = (unsigned char *)wp_buf_take(&b, out_len);
		result = WP_OK;
	}
out:
	png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
	free(row);
	wp_buf_free(&b);
	QRcode_free(qr);
	return result;
}
