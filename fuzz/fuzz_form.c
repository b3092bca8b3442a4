/*
 * fuzz_form.c — wp_form_decode and wp_content_type_parse (src/http/form.h).
 *
 * Input: byte 0 picks the charset: 0 none (NULL), 1 "utf-8", 2 "UTF8",
 * 3 "euc-kr", 4 "cp949", 5 "iso-8859-1", 6 "Latin1", 7 "us-ascii",
 * 8 "ks_c_5601-1987", 9 garbage (the bytes up to the first '\n'),
 * 10..12: the bytes up to the first '\n' are a Content-Type header, parsed
 * as AQR's api.c does, and its charset is used (the real path); 13..15: the
 * same header gives a boundary (wp_content_type_param) and the body is
 * decoded as multipart/form-data (wp_form_decode_multipart). The rest is
 * the body.
 *
 * Properties:
 *  - a decoded form: at most WP_FORM_FIELDS_MAX fields, names non-empty and
 *    unique, names and values NUL-free (value_len == strlen) valid UTF-8,
 *    wp_form_get finds each; with a UTF-8 charset names are at most
 *    WP_FORM_NAME_MAX_BYTES and the fields are exactly what an independent
 *    decoder of the body gives, and the body is accepted exactly when that
 *    decoder accepts it;
 *  - round trip: the fields percent-encoded again decode to the same fields,
 *    and written as multipart/form-data parts decode to the same fields;
 *  - multipart: the same shape as a form; wp_content_type_param gives the
 *    first such parameter's value (unquoted, case kept) when it fits;
 *  - a refusal: WP_E_INVALID, or WP_E_MEDIA_TYPE only for a charset that is
 *    not UTF-8, with a non-empty message that is valid UTF-8 (every caller
 *    puts it in a JSON string: AQR's "reason", which jansson drops otherwise);
 *  - wp_content_type_parse: the media type and charset an independent parser
 *    gives, lowercased, terminated within their capacities; a smaller
 *    capacity gives a prefix; capacity 0 writes nothing.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "fuzz_util.h"
#include "http/form.h"
#include "util/arena.h"

#define ERR_CAP WP_MESSAGE_MAX_BYTES /* what AQR's api.c passes */

/* ---- Content-Type: a reference parser ---- */

static void ref_trim_lower(const char *s, size_t n, char *out)
{
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
		s++, n -= 2;
	for (size_t i = 0; i < n; i++)
		out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
	out[n] = '\0';
}

static void ref_content_type(const char *h, char *type, char *charset)
{
	size_t n = strlen(h);
	size_t t = strcspn(h, ";");
	ref_trim_lower(h, t, type);
	charset[0] = '\0';
	size_t i = t;
	while (i < n) { /* h[i] == ';' */
		size_t start = i + 1;
		size_t end = start + strcspn(h + start, ";");
		size_t p = start;
		while (p < end && (h[p] == ' ' || h[p] == '\t'))
			p++;
		if (end - p > 8 && strncasecmp(h + p, "charset=", 8) == 0)
			ref_trim_lower(h + p + 8, end - p - 8, charset);
		i = end;
	}
}

static void check_content_type(const char *h, uint8_t caps)
{
	size_t n = strlen(h);
	char *rt = malloc(n + 1), *rc = malloc(n + 1);
	char *bt = malloc(n + 1), *bc = malloc(n + 1);
	if (!rt || !rc || !bt || !bc)
		abort();
	ref_content_type(h, rt, rc);
	wp_content_type_parse(h, bt, n + 1, bc, n + 1);
	CHECK(strcmp(bt, rt) == 0, "type '%s' != reference '%s'", bt, rt);
	CHECK(strcmp(bc, rc) == 0, "charset '%s' != reference '%s'", bc, rc);
	for (const char *c = bt; *c; c++)
		CHECK(!(*c >= 'A' && *c <= 'Z'), "type not lowercased: '%s'", bt);

	/* Small capacities (0 included): bounded, a prefix of the full answer. */
	size_t tcap = caps & 15, ccap = caps >> 4;
	char t[18], c[18];
	memset(t, 'X', sizeof(t));
	memset(c, 'X', sizeof(c));
	wp_content_type_parse(h, t + 1, tcap, c + 1, ccap);
	CHECK(t[0] == 'X' && c[0] == 'X', "wrote before the buffer");
	for (size_t i = tcap + 1; i < sizeof(t); i++)
		CHECK(t[i] == 'X', "type written past its capacity %zu", tcap);
	for (size_t i = ccap + 1; i < sizeof(c); i++)
		CHECK(c[i] == 'X', "charset written past its capacity %zu", ccap);
	if (tcap > 0) {
		size_t k = strnlen(t + 1, tcap);
		CHECK(k < tcap, "type not terminated within %zu", tcap);
		CHECK(strncmp(t + 1, bt, k) == 0 && (k == strlen(bt) || k == tcap - 1),
		      "type '%s' at cap %zu is not the prefix of '%s'", t + 1, tcap, bt);
	}
	if (ccap > 0) {
		size_t k = strnlen(c + 1, ccap);
		CHECK(k < ccap, "charset not terminated within %zu", ccap);
		CHECK(strncmp(c + 1, bc, k) == 0 && (k == strlen(bc) || k == ccap - 1),
		      "charset '%s' at cap %zu is not the prefix of '%s'", c + 1, ccap, bc);
	}
	free(rt), free(rc), free(bt), free(bc);
	wp_content_type_parse(NULL, t, sizeof(t), c, sizeof(c));
	CHECK(t[0] == '\0' && c[0] == '\0', "NULL header must give empty strings");
}

/* ---- forms: a reference decoder for UTF-8 bodies ---- */

struct ref_field {
	char *name, *value;
	size_t nlen, vlen;
};

static int hexv(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decoding; false on a broken escape. out has n+1 bytes. */
static bool ref_pct(const uint8_t *s, size_t n, char *out, size_t *len)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[k++] = ' ';
		} else if (s[i] == '%') {
			if (i + 2 >= n)
				return false;
			int a = hexv(s[i + 1]), b = hexv(s[i + 2]);
			if (a < 0 || b < 0)
				return false;
			out[k++] = (char)(a * 16 + b);
			i += 2;
		} else {
			out[k++] = (char)s[i];
		}
	}
	out[k] = '\0';
	*len = k;
	return true;
}

/* The fields of a UTF-8 body by form.h's rules; false when it must be refused. */
static bool ref_decode(const uint8_t *b, size_t n, struct ref_field *f, size_t *count)
{
	*count = 0;
	size_t i = 0;
	while (i < n) {
		size_t end = i;
		while (end < n && b[end] != '&')
			end++;
		size_t pend = end;
		while (pend > i && (b[pend - 1] == '\r' || b[pend - 1] == '\n'))
			pend--;
		if (pend > i) {
			size_t eq = i;
			while (eq < pend && b[eq] != '=')
				eq++;
			struct ref_field r;
			r.name = malloc(eq - i + 1);
			r.value = malloc(pend - eq + 1);
			if (!r.name || !r.value)
				abort();
			bool ok = ref_pct(b + i, eq - i, r.name, &r.nlen) && r.nlen > 0 &&
				  r.nlen <= WP_FORM_NAME_MAX_BYTES &&
				  ref_pct(b + eq + (eq < pend), eq < pend ? pend - eq - 1 : 0,
					  r.value, &r.vlen) &&
				  !memchr(r.name, 0, r.nlen) && !memchr(r.value, 0, r.vlen) &&
				  ref_utf8_valid(r.name, r.nlen) && ref_utf8_valid(r.value, r.vlen);
			for (size_t k = 0; ok && k < *count; k++)
				if (strcmp(f[k].name, r.name) == 0)
					ok = false;
			if (ok && *count == WP_FORM_FIELDS_MAX)
				ok = false;
			if (!ok) {
				free(r.name), free(r.value);
				return false;
			}
			f[(*count)++] = r;
		}
		i = end + 1;
	}
	return true;
}

static void check_form_shape(const struct wp_form *form, bool utf8)
{
	CHECK(form->count <= WP_FORM_FIELDS_MAX, "%zu fields", form->count);
	for (size_t i = 0; i < form->count; i++) {
		const struct wp_form_field *fl = &form->fields[i];
		CHECK(fl->name != NULL && fl->value != NULL, "field %zu has a NULL", i);
		size_t nl = strlen(fl->name);
		CHECK(nl > 0, "field %zu has an empty name", i);
		CHECK(!utf8 || nl <= WP_FORM_NAME_MAX_BYTES, "name of %zu bytes", nl);
		CHECK(strlen(fl->value) == fl->value_len, "value_len %zu != strlen %zu",
		      fl->value_len, strlen(fl->value));
		CHECK(ref_utf8_valid(fl->name, nl), "name %zu is not valid UTF-8", i);
		CHECK(ref_utf8_valid(fl->value, fl->value_len), "value %zu is not valid UTF-8", i);
		CHECK(wp_form_get(form, fl->name) == fl, "wp_form_get(%s) is not field %zu",
		      fl->name, i);
	}
}

/* Percent-encodes every byte that is not unreserved; out has 3n+1. */
static size_t pct_encode(const char *s, size_t n, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			out[o++] = (char)c;
		} else if (c == ' ') {
			out[o++] = '+';
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return o;
}

static void check_round_trip(const struct wp_form *form)
{
	size_t cap = 1;
	for (size_t i = 0; i < form->count; i++)
		cap += 3 * (strlen(form->fields[i].name) + form->fields[i].value_len) + 2;
	char *body = malloc(cap);
	if (!body)
		abort();
	size_t o = 0;
	for (size_t i = 0; i < form->count; i++) {
		if (i)
			body[o++] = '&';
		o += pct_encode(form->fields[i].name, strlen(form->fields[i].name), body + o);
		body[o++] = '=';
		o += pct_encode(form->fields[i].value, form->fields[i].value_len, body + o);
	}
	wp_arena a;
	wp_arena_init(&a, WP_ARENA_MAX_BYTES);
	struct wp_form again;
	char err[ERR_CAP] = "";
	wp_status st = wp_form_decode(&a, body, o, NULL, &again, err, sizeof(err));
	/* A name of up to 64 bytes in CP949/Latin-1 may be longer once UTF-8. */
	bool long_name = false;
	for (size_t i = 0; i < form->count; i++)
		long_name |= strlen(form->fields[i].name) > WP_FORM_NAME_MAX_BYTES;
	if (long_name) {
		CHECK(st == WP_E_INVALID, "a name over %d bytes was accepted",
		      WP_FORM_NAME_MAX_BYTES);
	} else {
		CHECK(st == WP_OK, "re-encoded form refused: %s (%s)", err, body);
		CHECK(again.count == form->count, "round trip: %zu fields, then %zu", form->count,
		      again.count);
		for (size_t i = 0; i < form->count; i++) {
			CHECK(strcmp(again.fields[i].name, form->fields[i].name) == 0,
			      "round trip: name %zu differs", i);
			CHECK(again.fields[i].value_len == form->fields[i].value_len &&
				  memcmp(again.fields[i].value, form->fields[i].value,
					 form->fields[i].value_len) == 0,
			      "round trip: value %zu differs", i);
		}
	}
	wp_arena_free(&a);
	free(body);
}

/* ---- multipart/form-data ---- */

/* The first parameter named `param`: its value (unquoted), or NULL; *n its length. */
static const char *ref_param(const char *h, const char *param, size_t *n)
{
	size_t pl = strlen(param);
	for (const char *semi = strchr(h, ';'); semi; semi = strchr(semi + 1, ';')) {
		const char *p = semi + 1;
		size_t k = strcspn(p, ";");
		while (k > 0 && (*p == ' ' || *p == '\t'))
			p++, k--;
		while (k > 0 && (p[k - 1] == ' ' || p[k - 1] == '\t'))
			k--;
		if (k > pl && strncasecmp(p, param, pl) == 0 && p[pl] == '=') {
			p += pl + 1, k -= pl + 1;
			if (k >= 2 && p[0] == '"' && p[k - 1] == '"')
				p++, k -= 2;
			*n = k;
			return p;
		}
	}
	return NULL;
}

static void check_param(const char *header, char *boundary, size_t cap, bool *ok)
{
	size_t n = 0;
	const char *want = ref_param(header, "boundary", &n);
	memset(boundary, 'X', cap);
	*ok = wp_content_type_param(header, "boundary", boundary, cap);
	CHECK(*ok == (want != NULL && n > 0 && n < cap), "boundary param: %d", *ok);
	if (*ok)
		CHECK(strlen(boundary) == n && memcmp(boundary, want, n) == 0,
		      "boundary '%s' is not the header's", boundary);
	CHECK(!wp_content_type_param(NULL, "boundary", boundary, cap), "a NULL header has params");
}

/* The fields as multipart parts with boundary B decode to the same fields. */
static void check_multipart_round_trip(const struct wp_form *form)
{
	static const char B[] = "----wpfuzzB0undary7MA4YWxkTrZu0gW";
	size_t cap = sizeof(B) + 8;
	for (size_t i = 0; i < form->count; i++) {
		const char *nm = form->fields[i].name;
		if (strlen(nm) > WP_FORM_NAME_MAX_BYTES || strpbrk(nm, "\"\r\n") ||
		    strstr(nm, "filename=") ||
		    memmem(form->fields[i].value, form->fields[i].value_len,
			   "\r\n--"
			   "----wpfuzz",
			   14))
			return; /* not representable as this part */
		cap += 2 * sizeof(B) + strlen(nm) + form->fields[i].value_len + 64;
	}
	char *body = malloc(cap);
	if (!body)
		abort();
	size_t o = 0;
	for (size_t i = 0; i < form->count; i++) {
		o += (size_t)sprintf(body + o,
				     "--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n",
				     B, form->fields[i].name);
		memcpy(body + o, form->fields[i].value, form->fields[i].value_len);
		o += form->fields[i].value_len;
		o += (size_t)sprintf(body + o, "\r\n");
	}
	o += (size_t)sprintf(body + o, "--%s--\r\n", B);
	wp_arena a;
	wp_arena_init(&a, WP_ARENA_MAX_BYTES);
	struct wp_form again;
	char err[ERR_CAP] = "";
	wp_status st = wp_form_decode_multipart(&a, body, o, B, &again, err, sizeof(err));
	if (form->count == 0) {
		/* Only the closing delimiter: no part, which may be refused. */
		CHECK(st == WP_OK ? again.count == 0 : st == WP_E_INVALID, "empty multipart");
	} else {
		CHECK(st == WP_OK, "multipart of decoded fields refused: %s", err);
		CHECK(again.count == form->count, "multipart: %zu fields, then %zu", form->count,
		      again.count);
		for (size_t i = 0; i < form->count; i++)
			CHECK(strcmp(again.fields[i].name, form->fields[i].name) == 0 &&
				  again.fields[i].value_len == form->fields[i].value_len &&
				  memcmp(again.fields[i].value, form->fields[i].value,
					 form->fields[i].value_len) == 0,
			      "multipart: field %zu differs", i);
	}
	wp_arena_free(&a);
	free(body);
}

static void check_refusal(wp_status st, const char *err, bool utf8)
{
	CHECK(st == WP_E_INVALID || (st == WP_E_MEDIA_TYPE && !utf8), "status %d", st);
	CHECK(memchr(err, 0, ERR_CAP) != NULL, "err not terminated");
	CHECK(err[0] != '\0', "empty error message");
	CHECK(ref_utf8_valid(err, strlen(err)),
	      "error message is not valid UTF-8 (AQR's JSON \"reason\" is dropped): '%s'", err);
}

static void run_multipart(const char *header, const char *body, size_t blen)
{
	char boundary[WP_MULTIPART_BOUNDARY_MAX + 1];
	bool ok;
	check_param(header, boundary, sizeof(boundary), &ok);
	if (!ok)
		return;
	wp_arena a;
	wp_arena_init(&a, WP_ARENA_MAX_BYTES);
	struct wp_form form;
	char err[ERR_CAP];
	memset(err, 0x5A, sizeof(err));
	wp_status st = wp_form_decode_multipart(&a, body, blen, boundary, &form, err, sizeof(err));
	if (st == WP_OK) {
		check_form_shape(&form, true);
		check_round_trip(&form);
	} else {
		check_refusal(st, err, true);
	}
	wp_arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = {data, size};
	static const char *const named[] = {NULL,     "utf-8",	  "UTF8",
					    "euc-kr", "cp949",	  "iso-8859-1",
					    "Latin1", "us-ascii", "ks_c_5601-1987"};
	uint8_t sel = fz_byte(&in) % 16;
	char *garbage = NULL, *header = NULL;
	char ct_type[128], ct_charset[64];
	const char *charset;
	if (sel < 9) {
		charset = named[sel];
	} else if (sel == 9) {
		charset = garbage = fz_cstr(&in, '\n');
	} else if (sel >= 13) {
		header = fz_cstr(&in, '\n');
		size_t blen;
		const uint8_t *braw = fz_rest(&in, &blen);
		char *body = malloc(blen ? blen : 1);
		if (!body)
			abort();
		if (blen)
			memcpy(body, braw, blen);
		run_multipart(header, body, blen);
		free(body);
		free(header);
		return 0;
	} else {
		header = fz_cstr(&in, '\n');
		check_content_type(header, fz_byte(&in));
		wp_content_type_parse(header, ct_type, sizeof(ct_type), ct_charset,
				      sizeof(ct_charset));
		charset = ct_charset[0] ? ct_charset : NULL; /* as api.c */
	}
	size_t blen;
	const uint8_t *braw = fz_rest(&in, &blen);
	/* The server's body buffer is not NUL-terminated either: an exact-size copy. */
	char *body = malloc(blen ? blen : 1);
	if (!body)
		abort();
	if (blen)
		memcpy(body, braw, blen);

	bool utf8 = charset == NULL || charset[0] == '\0' || strcasecmp(charset, "utf-8") == 0 ||
		    strcasecmp(charset, "utf8") == 0;
	wp_arena a;
	wp_arena_init(&a, WP_ARENA_MAX_BYTES);
	struct wp_form form;
	char err[ERR_CAP];
	memset(err, 0x5A, sizeof(err));
	wp_status st = wp_form_decode(&a, body, blen, charset, &form, err, sizeof(err));
	if (st == WP_OK) {
		check_form_shape(&form, utf8);
		check_round_trip(&form);
		check_multipart_round_trip(&form);
	} else {
		check_refusal(st, err, utf8);
	}
	if (utf8) {
		struct ref_field rf[WP_FORM_FIELDS_MAX];
		size_t rn = 0;
		bool ok = ref_decode(braw, blen, rf, &rn);
		CHECK(ok == (st == WP_OK), "reference decoder says %s, wp_form_decode %d (%s)",
		      ok ? "accept" : "refuse", st, st == WP_OK ? "" : err);
		if (ok) {
			CHECK(rn == form.count, "reference %zu fields, got %zu", rn, form.count);
			for (size_t i = 0; i < rn; i++) {
				CHECK(strcmp(rf[i].name, form.fields[i].name) == 0,
				      "name %zu differs from reference", i);
				CHECK(rf[i].vlen == form.fields[i].value_len &&
					  memcmp(rf[i].value, form.fields[i].value, rf[i].vlen) ==
					      0,
				      "value %zu differs from reference", i);
			}
		}
		for (size_t i = 0; i < rn; i++)
			free(rf[i].name), free(rf[i].value);
	}
	wp_arena_free(&a);
	free(body);
	free(garbage);
	free(header);
	return 0;
}
