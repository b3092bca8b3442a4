#include "http/form.h"

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/text.h"

/* Percent-decodes s[0..n) into a fresh arena string; NULL with err on failure. */
static char *pct_decode(wp_arena *a, const char *s, size_t n, size_t *out_len, const char *what,
			char *err, size_t err_cap)
{
	char *o = wp_arena_alloc(a, n + 1);
	if (o == NULL) {
		wp_errf(err, err_cap, "request too large");
		return NULL;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '+') {
			o[k++] = ' ';
		} else if (c == '%') {
			int hi = n - i >= 3 ? wp_hex_digit(s[i + 1]) : -1;
			int lo = n - i >= 3 ? wp_hex_digit(s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				wp_errf(err, err_cap, "%s has a broken percent-escape", what);
				return NULL;
			}
			o[k++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			o[k++] = c;
		}
	}
	o[k] = '\0';
	*out_len = k;
	return o;
}

/* One decoded field: no NUL, UTF-8, not given twice, within the count. */
static wp_status add_field(struct wp_form *out, char *name, size_t nlen, char *value, size_t vlen,
			   char *err, size_t err_cap)
{
	if (nlen == 0) {
		wp_errf(err, err_cap, "a parameter has an empty name");
		return WP_E_INVALID;
	}
	if (nlen > WP_FORM_NAME_MAX_BYTES) {
		wp_errf(err, err_cap, "a parameter name is longer than %d bytes",
			WP_FORM_NAME_MAX_BYTES);
		return WP_E_INVALID;
	}
	if (memchr(name, '\0', nlen) != NULL || memchr(value, '\0', vlen) != NULL) {
		wp_errf(err, err_cap, "%.64s contains a NUL byte", name);
		return WP_E_INVALID;
	}
	if (!wp_utf8_valid(name, nlen) || !wp_utf8_valid(value, vlen)) {
		wp_errf(err, err_cap,
			"%.64s is not valid UTF-8 (EUC-KR? say so: Content-Type: "
			"application/x-www-form-urlencoded; charset=EUC-KR)",
			wp_utf8_valid(name, nlen) ? name : "a parameter name");
		return WP_E_INVALID;
	}
	if (wp_form_get(out, name) != NULL) {
		wp_errf(err, err_cap, "%.64s is given more than once", name);
		return WP_E_INVALID;
	}
	if (out->count == WP_FORM_FIELDS_MAX) {
		wp_errf(err, err_cap, "more than %d parameters", WP_FORM_FIELDS_MAX);
		return WP_E_INVALID;
	}
	out->fields[out->count].name = name;
	out->fields[out->count].value = value;
	out->fields[out->count].value_len = vlen;
	out->count++;
	return WP_OK;
}

static bool is_utf8_name(const char *cs)
{
	return cs == NULL || cs[0] == '\0' || wp_ascii_ieq(cs, "utf-8") || wp_ascii_ieq(cs, "utf8");
}

/* Charsets we convert from; anything else is refused rather than guessed. */
static const char *iconv_name(const char *cs)
{
	static const char *const known[][2] = {
	    {"euc-kr", "CP949"},	  {"euckr", "CP949"},	    {"cp949", "CP949"},
	    {"ks_c_5601-1987", "CP949"},  {"uhc", "CP949"},	    {"x-windows-949", "CP949"},
	    {"iso-8859-1", "ISO-8859-1"}, {"latin1", "ISO-8859-1"}, {"us-ascii", "ASCII"},
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (wp_ascii_ieq(cs, known[i][0]))
			return known[i][1];
	return NULL;
}

static char *to_utf8(wp_arena *a, iconv_t cd, const char *s, size_t n, size_t *out_len)
{
	size_t cap = n * 3 + 1; /* CP949 double-byte -> 3 UTF-8 bytes; latin1 -> 2 */
	char *o = wp_arena_alloc(a, cap);
	if (o == NULL)
		return NULL;
	char *in = (char *)s, *outp = o;
	size_t inleft = n, outleft = cap - 1;
	iconv(cd, NULL, NULL, NULL, NULL);
	if (iconv(cd, &in, &inleft, &outp, &outleft) == (size_t)-1)
		return NULL;
	*outp = '\0';
	*out_len = (size_t)(outp - o);
	return o;
}

wp_status wp_form_decode(wp_arena *a, const char *body, size_t len, const char *charset,
			 struct wp_form *out, char *err, size_t err_cap)
{
	out->count = 0;
	iconv_t cd = (iconv_t)-1;
	if (!is_utf8_name(charset)) {
		const char *from = iconv_name(charset);
		if (from == NULL) {
			wp_errf(err, err_cap, "charset '%.40s' is not supported; send UTF-8",
				charset);
			return WP_E_MEDIA_TYPE;
		}
		cd = iconv_open("UTF-8", from);
		if (cd == (iconv_t)-1) {
			wp_errf(err, err_cap, "charset '%.40s' is not supported; send UTF-8",
				charset);
			return WP_E_MEDIA_TYPE;
		}
	}
	wp_status st = WP_OK;
	size_t i = 0;
	while (i < len && st == WP_OK) {
		size_t end = i;
		while (end < len && body[end] != '&')
			end++;
		/* Trailing CR/LF after the last pair (some clients add one) is not data. */
		size_t pend = end;
		while (pend > i && (body[pend - 1] == '\r' || body[pend - 1] == '\n'))
			pend--;
		if (pend > i) {
			size_t eq = i;
			while (eq < pend && body[eq] != '=')
				eq++;
			size_t nlen = 0, vlen = 0;
			char *name = pct_decode(a, body + i, eq - i, &nlen, "a parameter name", err,
						err_cap);
			char *value = NULL;
			if (name != NULL)
				value = pct_decode(a, eq < pend ? body + eq + 1 : "",
						   eq < pend ? pend - eq - 1 : 0, &vlen, name, err,
						   err_cap);
			if (name == NULL || value == NULL) {
				st = WP_E_INVALID;
				break;
			}
			if (cd != (iconv_t)-1) {
				name = to_utf8(a, cd, name, nlen, &nlen);
				value = name ? to_utf8(a, cd, value, vlen, &vlen) : NULL;
				if (name == NULL || value == NULL) {
					wp_errf(err, err_cap, "a parameter is not valid %.40s",
						charset);
					st = WP_E_INVALID;
					break;
				}
			}
			st = add_field(out, name, nlen, value, vlen, err, err_cap);
			if (st != WP_OK)
				break;
		}
		i = end + 1;
	}
	if (cd != (iconv_t)-1)
		iconv_close(cd);
	return st;
}

const struct wp_form_field *wp_form_get(const struct wp_form *f, const char *name)
{
	for (size_t i = 0; i < f->count; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			return &f->fields[i];
	return NULL;
}

static void copy_trimmed_lower(const char *s, size_t n, char *out, size_t cap)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s++;
		n -= 2;
	}
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < cap; i++) {
		char c = s[i];
		out[k++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	if (cap > 0)
		out[k] = '\0';
}

void wp_content_type_parse(const char *header, char *type, size_t type_cap, char *charset,
			   size_t charset_cap)
{
	if (type_cap)
		type[0] = '\0';
	if (charset_cap)
		charset[0] = '\0';
	if (header == NULL)
		return;
	const char *semi = strchr(header, ';');
	size_t tlen = semi ? (size_t)(semi - header) : strlen(header);
	copy_trimmed_lower(header, tlen, type, type_cap);
	while (semi != NULL) {
		const char *p = semi + 1;
		semi = strchr(p, ';');
		size_t plen = semi ? (size_t)(semi - p) : strlen(p);
		while (plen > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			plen--;
		}
		if (plen > 8 && strncasecmp(p, "charset=", 8) == 0)
			copy_trimmed_lower(p + 8, plen - 8, charset, charset_cap);
	}
}

/* A Content-Type parameter, case kept (a multipart boundary is case-sensitive). */
bool wp_content_type_param(const char *header, const char *param, char *out, size_t cap)
{
	size_t plen = strlen(param);
	const char *semi = header ? strchr(header, ';') : NULL;
	while (semi != NULL) {
		const char *p = semi + 1;
		semi = strchr(p, ';');
		size_t n = semi ? (size_t)(semi - p) : strlen(p);
		while (n > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n > plen && strncasecmp(p, param, plen) == 0 && p[plen] == '=') {
			p += plen + 1;
			n -= plen + 1;
			if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
				p++;
				n -= 2;
			}
			if (n == 0 || n >= cap)
				return false;
			memcpy(out, p, n);
			out[n] = '\0';
			return true;
		}
	}
	return false;
}

static const char *find(const char *hay, size_t n, const char *needle, size_t m)
{
	return m == 0 || n < m ? NULL : memmem(hay, n, needle, m);
}

/* The name="..." of a part's Content-Disposition: form-data header, or NULL. */
static char *part_name(wp_arena *a, const char *headers, size_t n, bool *is_file)
{
	*is_file = false;
	for (size_t i = 0; i < n;) {
		const char *eol = find(headers + i, n - i, "\r\n", 2);
		size_t len = eol ? (size_t)(eol - headers - i) : n - i;
		const char *line = headers + i;
		if (len > 20 && strncasecmp(line, "content-disposition:", 20) == 0) {
			const char *nm = find(line, len, "name=\"", 6);
			while (nm != NULL && nm > line && nm[-1] != ' ' && nm[-1] != ';')
				nm = find(nm + 1, len - (size_t)(nm + 1 - line), "name=\"", 6);
			*is_file = find(line, len, "filename=", 9) != NULL;
			if (nm == NULL)
				return NULL;
			const char *v = nm + 6;
			const char *q = memchr(v, '"', len - (size_t)(v - line));
			return q ? wp_arena_strndup(a, v, (size_t)(q - v)) : NULL;
		}
		i += len + 2;
	}
	return NULL;
}

wp_status wp_form_decode_multipart(wp_arena *a, const char *body, size_t len, const char *boundary,
				   struct wp_form *out, char *err, size_t err_cap)
{
	out->count = 0;
	char delim[WP_MULTIPART_BOUNDARY_MAX + 8];
	int dn = snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
	if (boundary[0] == '\0' || dn < 0 || (size_t)dn >= sizeof(delim)) {
		wp_errf(err, err_cap,
			"multipart/form-data needs a boundary of at most %d characters",
			WP_MULTIPART_BOUNDARY_MAX);
		return WP_E_INVALID;
	}
	/* The first delimiter may open the body without the CRLF before it. */
	const char *p = len >= (size_t)dn - 2 && memcmp(body, delim + 2, (size_t)dn - 2) == 0
			    ? body + dn - 2
			    : find(body, len, delim, (size_t)dn);
	const char *end = body + len;
	if (p == NULL || p == body + len) {
		wp_errf(err, err_cap, "the multipart body has no part with its boundary");
		return WP_E_INVALID;
	}
	if (p != body + dn - 2)
		p += dn;
	for (;;) {
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return WP_OK; /* the closing delimiter */
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			break;
		p += 2;
		const char *hend = find(p, (size_t)(end - p), "\r\n\r\n", 4);
		if (hend == NULL)
			break;
		bool is_file;
		char *name = part_name(a, p, (size_t)(hend - p), &is_file);
		if (name == NULL) {
			wp_errf(err, err_cap, "a multipart part has no form-data name");
			return WP_E_INVALID;
		}
		if (is_file) {
			wp_errf(err, err_cap, "%.64s is a file; send text fields only", name);
			return WP_E_INVALID;
		}
		const char *v = hend + 4;
		const char *next = find(v, (size_t)(end - v), delim, (size_t)dn);
		if (next == NULL)
			break;
		char *value = wp_arena_strndup(a, v, (size_t)(next - v));
		if (value == NULL) {
			wp_errf(err, err_cap, "request too large");
			return WP_E_INVALID;
		}
		wp_status st =
		    add_field(out, name, strlen(name), value, (size_t)(next - v), err, err_cap);
		if (st != WP_OK)
			return st;
		p = next + dn;
	}
	wp_errf(err, err_cap, "the multipart body is cut short or malformed");
	return WP_E_INVALID;
}
