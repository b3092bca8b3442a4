/*
 * qr.h — QR code PNG images (libqrencode + libpng).
 */
#ifndef WP_QR_H
#define WP_QR_H

#include <stddef.h>

#include "error.h"

/*
 * Encodes text (UTF-8, byte mode, error correction M) as a black-on-white
 * 1-bit PNG with a 4-module quiet zone. On success *png is malloc'd.
 */
wp_status wp_qr_png(const char *text, unsigned module_px, unsigned char **png, size_t *png_len);

#endif
