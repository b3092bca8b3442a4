/*
 * fuzz_jwe.c — wp_jwe_decrypt / wp_jwe_encrypt (src/core/jwe.h).
 *
 * A 2048-bit RSA key pair (WP_RSA_BITS, as the server issues) is generated
 * once per process with wp_rsa_generate and read back with
 * wp_rsa_private_from_pem / wp_rsa_public_from_pem; then two valid JWEs of a
 * fixed plaintext are built with wp_jwe_encrypt, one per enc.
 *
 * Input: byte 0 picks the mode (mod 3):
 *  0 raw: the rest is the compact JWE, decrypted as is;
 *  1 mutate: byte 1 = enc (bit 0), XOR instead of replace (bit 1); byte 2 =
 *    which of the five parts change (bits 0..4: header, encrypted key, IV,
 *    ciphertext, tag) and whether a replacement is put in raw instead of
 *    base64url-encoded (bit 5); then, for each changed part, a 2-byte length
 *    and that many bytes: its new decoded bytes (the header as JSON text),
 *    or with XOR the bytes XORed into the decoded part;
 *  2 round trip: byte 1 = enc (bit 0); the rest is a plaintext, encrypted to
 *    the public key and decrypted with the private one.
 *
 * Properties:
 *  - a refusal is WP_E_INVALID with one of jwe.c's fixed messages (no
 *    oracle: past the header every failure reads "could not be decrypted");
 *  - a decryption succeeds only for the untouched valid JWE (any other
 *    header, key, IV, ciphertext or tag fails: GCM authenticates them all),
 *    and gives back the plaintext, NUL-terminated;
 *  - round trip: wp_jwe_encrypt gives five base64url parts whose header is
 *    {"alg":"RSA-OAEP-256","enc":<enc>}, and decrypting gives the plaintext;
 *    an unknown enc gives NULL.
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "bounds.h"
#include "core/crypto.h"
#include "core/jwe.h"
#include "fuzz_util.h"

#define ERR_CAP WP_MESSAGE_MAX_BYTES /* what kona/pipeline.c passes */

static const char PLAIN[] =
    "{\"userId\":1000000001,\"userName\":\"\xED\x99\x8D\xEA\xB8\xB8\xEB\x8F\x99\"}";
static const char *const ENCS[2] = {"A128GCM", "A256GCM"};

static EVP_PKEY *priv, *pub;
static char *base[2];	     /* valid compact JWEs of PLAIN */
static uint8_t *bpart[2][5]; /* their decoded parts */
static size_t blen[2][5];

static void init(void)
{
	char *priv_pem = NULL, *pub_pem = NULL;
	CHECK(wp_rsa_generate(WP_RSA_BITS, &priv_pem, &pub_pem) == WP_OK, "wp_rsa_generate");
	priv = wp_rsa_private_from_pem(priv_pem);
	pub = wp_rsa_public_from_pem(pub_pem);
	CHECK(priv && pub, "PEM read back");
	CHECK(wp_rsa_private_from_pem(pub_pem) == NULL, "a public key read as private");
	free(priv_pem);
	free(pub_pem);
	for (int e = 0; e < 2; e++) {
		base[e] = wp_jwe_encrypt(pub, ENCS[e], (const uint8_t *)PLAIN, strlen(PLAIN));
		CHECK(base[e] != NULL, "wp_jwe_encrypt %s", ENCS[e]);
		const char *p = base[e];
		for (int i = 0; i < 5; i++) {
			const char *dot = strchr(p, '.');
			size_t n = dot ? (size_t)(dot - p) : strlen(p);
			CHECK((dot != NULL) == (i < 4), "base JWE has not five parts");
			bpart[e][i] = malloc(n / 4 * 3 + 4);
			CHECK(bpart[e][i] && wp_base64url_decode(p, n, bpart[e][i], &blen[e][i]),
			      "base part %d", i);
			p += n + 1;
		}
	}
}

static void check_refusal(wp_status st, const char *err)
{
	CHECK(st == WP_E_INVALID, "status %d", st);
	CHECK(memchr(err, 0, ERR_CAP) != NULL && err[0] != '\0', "no message");
	static const char *const fixed[] = {
	    "encData is not a compact JWE (five base64url parts)",
	    "encData is too large",
	    "encData part 1 is not base64url",
	    "encData part 2 is not base64url",
	    "encData part 3 is not base64url",
	    "encData part 4 is not base64url",
	    "encData part 5 is not base64url",
	    "encData header must have alg RSA-OAEP-256 and enc A128GCM or A256GCM",
	    "encData could not be decrypted",
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(err, fixed[i]) == 0)
			return;
	CHECK(false, "unexpected message '%s'", err);
}

/* Decrypts s[0..n) (an exact-size copy: a JSON string's bytes are not the end of memory). */
static wp_status decrypt(const char *s, size_t n, uint8_t **plain, size_t *plen, char *err)
{
	char *copy = malloc(n ? n : 1);
	if (!copy)
		abort();
	if (n)
		memcpy(copy, s, n);
	memset(err, 0x5A, ERR_CAP);
	*plain = NULL;
	wp_status st = wp_jwe_decrypt(priv, copy, n, plain, plen, err, ERR_CAP);
	free(copy);
	if (st == WP_OK)
		CHECK(*plain != NULL && (*plain)[*plen] == '\0', "plaintext not NUL-terminated");
	else
		check_refusal(st, err);
	return st;
}

static void mode_raw(struct fz *in)
{
	size_t n;
	const uint8_t *p = fz_rest(in, &n);
	uint8_t *plain;
	size_t plen;
	char err[ERR_CAP];
	if (decrypt((const char *)p, n, &plain, &plen, err) == WP_OK) {
		/* Only a JWE made for this process's key can open: the base ones. */
		CHECK((n == strlen(base[0]) && memcmp(p, base[0], n) == 0) ||
			  (n == strlen(base[1]) && memcmp(p, base[1], n) == 0),
		      "a JWE not made for this key decrypted");
		free(plain);
	}
}

static void mode_mutate(struct fz *in)
{
	uint8_t b1 = fz_byte(in), b2 = fz_byte(in);
	int e = b1 & 1;
	bool xor = b1 & 2, raw = b2 & 32;
	char *compact = NULL;
	size_t clen = 0;
	for (int i = 0; i < 5; i++) {
		const uint8_t *src = bpart[e][i];
		size_t n = blen[e][i];
		uint8_t *tmp = NULL;
		bool put_raw = false;
		if (b2 & (1u << i)) {
			size_t want = (size_t)fz_u64(in, 2), got = in->n < want ? in->n : want;
			const uint8_t *d = in->p;
			in->p += got, in->n -= got;
			if (xor) {
				tmp = malloc(n ? n : 1);
				if (!tmp)
					abort();
				memcpy(tmp, src, n);
				for (size_t k = 0; k < got && n > 0; k++)
					tmp[k % n] ^= d[k];
				src = tmp;
			} else {
				src = d;
				n = got;
				put_raw = raw;
			}
		}
		char *grown = realloc(compact, clen + n * 2 + 8);
		if (!grown)
			abort();
		compact = grown;
		if (i)
			compact[clen++] = '.';
		if (put_raw) {
			memcpy(compact + clen, src, n);
			clen += n;
		} else {
			clen += wp_base64url_encode(src, n, compact + clen);
		}
		free(tmp);
	}
	uint8_t *plain;
	size_t plen;
	char err[ERR_CAP];
	bool same = clen == strlen(base[e]) && memcmp(compact, base[e], clen) == 0;
	wp_status st = decrypt(compact, clen, &plain, &plen, err);
	CHECK((st == WP_OK) == same, "%s JWE: status %d (%s)", same ? "the valid" : "a changed", st,
	      st == WP_OK ? "decrypted" : err);
	if (st == WP_OK) {
		CHECK(plen == strlen(PLAIN) && memcmp(plain, PLAIN, plen) == 0,
		      "decrypted to other bytes");
		free(plain);
	}
	free(compact);
}

static void mode_round_trip(struct fz *in)
{
	uint8_t b1 = fz_byte(in);
	const char *enc = ENCS[b1 & 1];
	size_t n;
	const uint8_t *p = fz_rest(in, &n);
	char *jwe = wp_jwe_encrypt(pub, enc, p, n);
	CHECK(jwe != NULL, "wp_jwe_encrypt(%s, %zu bytes) failed", enc, n);
	/* Five base64url parts; the header names the algorithm and enc. */
	size_t parts = 1;
	for (const char *c = jwe; *c; c++) {
		if (*c == '.')
			parts++;
		else
			CHECK(
			    strchr(
				"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
				*c),
			    "'%c' is not base64url", *c);
	}
	CHECK(parts == 5, "%zu parts", parts);
	size_t hl = strcspn(jwe, ".");
	uint8_t hdr[128];
	size_t hn;
	CHECK(hl <= 160 && wp_base64url_decode(jwe, hl, hdr, &hn), "header part");
	char want[64];
	snprintf(want, sizeof(want), "{\"alg\":\"RSA-OAEP-256\",\"enc\":\"%s\"}", enc);
	CHECK(hn == strlen(want) && memcmp(hdr, want, hn) == 0, "header '%.*s'", (int)hn, hdr);
	uint8_t *plain;
	size_t plen;
	char err[ERR_CAP];
	CHECK(decrypt(jwe, strlen(jwe), &plain, &plen, err) == WP_OK, "round trip: %s", err);
	CHECK(plen == n && (n == 0 || memcmp(plain, p, n) == 0), "round trip changed the bytes");
	free(plain);
	free(jwe);
	CHECK(wp_jwe_encrypt(pub, "A192GCM", p, n) == NULL, "an unknown enc was accepted");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (priv == NULL)
		init();
	struct fz in = {data, size};
	switch (fz_byte(&in) % 3) {
	case 0:
		mode_raw(&in);
		break;
	case 1:
		mode_mutate(&in);
		break;
	default:
		mode_round_trip(&in);
		break;
	}
	return 0;
}
