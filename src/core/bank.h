/*
 * bank.h — the Korean financial institutions wonpay knows.
 *
 * One table holds every institution: its 3-digit KFTC code, its Korean name,
 * and its AQR bank_id (0..59, from the AQR spec's 은행 ID 테이블), or -1
 * where AQR has none. The sandbox bank network (issue: core) will hang its
 * per-bank state off these entries.
 */
#ifndef WP_BANK_H
#define WP_BANK_H

#include <stddef.h>

struct wp_bank {
	const char *code;   /* KFTC 3-digit code, e.g. "004" */
	const char *name;   /* Korean name, e.g. "국민은행" */
	int aqr_id;         /* AQR bank_id, or -1 */
};

#define WP_AQR_BANK_ID_MAX 59

const struct wp_bank *wp_bank_by_aqr_id(int aqr_id);
const struct wp_bank *wp_bank_by_code(const char *code);
size_t wp_bank_count(void);
const struct wp_bank *wp_bank_at(size_t i);

#endif
