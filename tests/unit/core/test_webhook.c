/*
 * Unit tests: the webhook outbox's pure parts (destinations, URLs, backoff,
 * signature) and its store operations over a real SQLite store
 * (src/core/webhook.c, the webhook_* ops of src/store/sqlite.c). The sender
 * itself is tested black-box (tests/api/payple/test_payple_webhooks.py).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "bounds.h"
#include "core/crypto.h"
#include "core/webhook.h"
#include "temp_store.h"
#include "util/arena.h"

#define NOW 1800000000000LL

static uint8_t key[WP_DATA_KEY_BYTES];

static enum wp_addr_class classify(const char *text)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	if (strchr(text, ':') != NULL) {
		struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
		assert_int_equal(inet_pton(AF_INET6, text, &in6.sin6_addr), 1);
		memcpy(&ss, &in6, sizeof(in6));
	} else {
		struct sockaddr_in in = {.sin_family = AF_INET};
		assert_int_equal(inet_pton(AF_INET, text, &in.sin_addr), 1);
		memcpy(&ss, &in, sizeof(in));
	}
	return wp_addr_classify((const struct sockaddr *)&ss);
}

static void test_classify(void **state)
{
	(void)state;
	static const struct {
		const char *addr;
		enum wp_addr_class c;
	} cases[] = {
	    {"8.8.8.8", WP_ADDR_PUBLIC},
	    {"203.0.114.1", WP_ADDR_PUBLIC},
	    {"127.0.0.1", WP_ADDR_LOOPBACK},
	    {"127.255.255.254", WP_ADDR_LOOPBACK},
	    {"10.0.0.1", WP_ADDR_PRIVATE},
	    {"172.16.0.1", WP_ADDR_PRIVATE},
	    {"172.31.255.255", WP_ADDR_PRIVATE},
	    {"172.32.0.1", WP_ADDR_PUBLIC},
	    {"192.168.1.1", WP_ADDR_PRIVATE},
	    {"100.64.0.1", WP_ADDR_SHARED},
	    {"100.127.255.255", WP_ADDR_SHARED},
	    {"100.128.0.1", WP_ADDR_PUBLIC},
	    {"169.254.169.254", WP_ADDR_LINK_LOCAL},
	    {"0.0.0.0", WP_ADDR_UNSPECIFIED},
	    {"224.0.0.1", WP_ADDR_MULTICAST},
	    {"255.255.255.255", WP_ADDR_RESERVED},
	    {"198.18.0.1", WP_ADDR_RESERVED},
	    {"2001:4860:4860::8888", WP_ADDR_PUBLIC},
	    {"::1", WP_ADDR_LOOPBACK},
	    {"::", WP_ADDR_UNSPECIFIED},
	    {"fe80::1", WP_ADDR_LINK_LOCAL},
	    {"fc00::1", WP_ADDR_UNIQUE_LOCAL},
	    {"fd12:3456::1", WP_ADDR_UNIQUE_LOCAL},
	    {"ff02::1", WP_ADDR_MULTICAST},
	    {"2001:db8::1", WP_ADDR_RESERVED},
	    /* IPv4 inside IPv6: mapped, NAT64, 6to4 take the IPv4 address's class */
	    {"::ffff:127.0.0.1", WP_ADDR_LOOPBACK},
	    {"::ffff:10.1.2.3", WP_ADDR_PRIVATE},
	    {"::ffff:8.8.8.8", WP_ADDR_PUBLIC},
	    {"64:ff9b::a9fe:a9fe", WP_ADDR_LINK_LOCAL},
	    {"2002:c0a8:0101::1", WP_ADDR_PRIVATE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum wp_addr_class got = classify(cases[i].addr);
		if (got != cases[i].c)
			fail_msg("%s: class %d, want %d", cases[i].addr, got, cases[i].c);
	}
}

static void test_allowed(void **state)
{
	(void)state;
	assert_true(wp_addr_allowed(WP_ADDR_PUBLIC, false, false));
	assert_false(wp_addr_allowed(WP_ADDR_LOOPBACK, false, false));
	assert_true(wp_addr_allowed(WP_ADDR_LOOPBACK, true, false)); /* sandbox mode */
	assert_false(wp_addr_allowed(WP_ADDR_PRIVATE, true, false));
	assert_false(wp_addr_allowed(WP_ADDR_LINK_LOCAL, true, false));
	for (int c = WP_ADDR_PUBLIC; c <= WP_ADDR_RESERVED; c++)
		assert_true(wp_addr_allowed((enum wp_addr_class)c, false, true)); /* the flag */
}

static void test_url_parse(void **state)
{
	(void)state;
	struct wp_webhook_url u;
	char why[160];
	assert_true(wp_webhook_url_parse("https://hooks.example.com/payple?x=1", &u, why, 160));
	assert_string_equal(u.host, "hooks.example.com");
	assert_string_equal(u.port, "443");
	assert_false(u.literal);
	assert_true(wp_webhook_url_parse("http://127.0.0.1:8081/hook", &u, why, sizeof(why)));
	assert_string_equal(u.host, "127.0.0.1");
	assert_string_equal(u.port, "8081");
	assert_true(u.literal);
	assert_true(wp_webhook_url_parse("http://[::1]/", &u, why, sizeof(why)));
	assert_string_equal(u.host, "::1");
	assert_string_equal(u.port, "80");
	assert_true(u.literal && u.ipv6);
	/* IPv4 in another spelling is the address libcurl would connect to */
	assert_true(wp_webhook_url_parse("http://2130706433/", &u, why, sizeof(why)));
	assert_true(u.literal);
	assert_int_equal(classify(u.host), WP_ADDR_LOOPBACK);
	static const char *const bad[] = {"ftp://example.com/x",
					  "example.com/hook",
					  "http://",
					  "http:///path",
					  "http://exa mple.com/",
					  "mailto:a@b.c",
					  "javascript:alert(1)",
					  ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (wp_webhook_url_parse(bad[i], &u, why, sizeof(why)))
			fail_msg("accepted %s", bad[i]);
}

static void test_backoff(void **state)
{
	(void)state;
	assert_int_equal(wp_webhook_backoff_ms(1, 100, 60000), 100);
	assert_int_equal(wp_webhook_backoff_ms(2, 100, 60000), 200);
	assert_int_equal(wp_webhook_backoff_ms(4, 100, 60000), 800);
	assert_int_equal(wp_webhook_backoff_ms(11, 100, 60000), 60000); /* capped */
	assert_int_equal(wp_webhook_backoff_ms(1000, 5000, 3600000), 3600000);
	assert_int_equal(wp_webhook_backoff_ms(3, 5000, 1000), 1000);
}

static void test_signature(void **state)
{
	(void)state;
	/* Python: hmac.new(b"whsec_sandbox_test", b'1700000000.{"result":"A0000"}', sha256) */
	const char *body = "{\"result\":\"A0000\"}";
	char sig[WP_WEBHOOK_SIGNATURE_MAX];
	wp_webhook_signature("whsec_sandbox_test", 18, 1700000000, body, strlen(body), sig);
	assert_string_equal(
	    sig,
	    "t=1700000000,v1=462afb19e257eb1affbbe38ab3430b81b65fd71d66538782e11285d9d17988ec");
	char secret[WP_WEBHOOK_SECRET_LEN + 1];
	assert_int_equal(wp_webhook_secret_new(secret), WP_OK);
	assert_int_equal(strlen(secret), WP_WEBHOOK_SECRET_LEN);
	assert_memory_equal(secret, "whsec_", 6);
}

/* ---- the outbox over a real store ---- */

struct enqueue_arg {
	const char *event_id;
	char id[WP_WEBHOOK_ID_LEN + 1];
	int64_t now_ms;
};

static wp_status enqueue_fn(struct wp_tx *tx, void *arg)
{
	struct enqueue_arg *e = arg;
	const char *body = "{\"result\":\"A0000\",\"account_num\":\"11111111111\"}";
	struct wp_webhook_event ev = {
	    "payple", "test",	    e->event_id, "http://127.0.0.1:9/hook",
	    body,     strlen(body), e->now_ms};
	return wp_webhook_enqueue(tx, key, &ev, e->id);
}

struct collect {
	char ids[8][WP_WEBHOOK_ID_LEN + 1];
	size_t n;
	bool bodies;
	int64_t last_ms, last_seq; /* the cursor after the last row */
};

static void collect(void *ctx, const struct wp_webhook *w)
{
	struct collect *c = ctx;
	if (c->n < 8)
		snprintf(c->ids[c->n++], sizeof(c->ids[0]), "%s", w->id);
	c->bodies |= w->body != NULL;
	c->last_ms = w->next_ms;
	c->last_seq = w->seq;
}

static wp_status redeliver_fn(struct wp_tx *tx, void *arg)
{
	return wp_webhook_redeliver(tx, "payple", arg, NOW + 5000);
}

static wp_status attempt_fn(struct wp_tx *tx, void *arg)
{
	wp_arena a;
	wp_arena_init(&a, WP_SCRATCH_ARENA_BYTES);
	struct wp_webhook d;
	wp_status st = tx->ops->webhook_get(NULL, tx, arg, &a, &d);
	struct wp_webhook_attempt at = {arg, d.attempts + 1, NOW, 12, 500, ""};
	if (st == WP_OK)
		st = tx->ops->webhook_attempt_insert(tx, &at);
	d.attempts++;
	d.tries++;
	d.last_status = 500;
	d.next_ms = NOW + 100000;
	if (st == WP_OK)
		st = tx->ops->webhook_update(tx, &d);
	wp_arena_free(&a);
	return st;
}

static void count_attempt(void *ctx, const struct wp_webhook_attempt *a)
{
	(*(int *)ctx) += a->http_status == 500;
}

static wp_status secret_fn(struct wp_tx *tx, void *arg)
{
	return wp_webhook_secret_set(tx, key, "payple", arg, "whsec_sandbox_test", NOW);
}

static void test_outbox(void **state)
{
	(void)state;
	struct temp_store t;
	struct wp_store *s = temp_store_open(&t, 2);
	assert_non_null(s);
	struct enqueue_arg a = {"P1", "", NOW}, b = {"P2", "", NOW + 10};
	assert_int_equal(wp_store_write(s, enqueue_fn, &a), WP_OK);
	assert_int_equal(wp_store_write(s, enqueue_fn, &b), WP_OK);
	assert_memory_equal(a.id, "whd_", 4);
	assert_string_not_equal(a.id, b.id);
	/* one delivery per event */
	struct enqueue_arg again = {"P1", "", NOW};
	assert_int_equal(wp_store_write(s, enqueue_fn, &again), WP_E_CONFLICT);
	/* due now, soonest first, without bodies */
	struct collect due = {0};
	assert_int_equal(s->ops->webhook_due(s, NOW + 10, INT64_MIN, 0, 10, collect, &due), WP_OK);
	assert_int_equal(due.n, 2);
	assert_string_equal(due.ids[0], a.id);
	assert_false(due.bodies);
	memset(&due, 0, sizeof(due));
	assert_int_equal(s->ops->webhook_due(s, NOW + 5, INT64_MIN, 0, 10, collect, &due), WP_OK);
	assert_int_equal(due.n, 1);
	/* pages: the cursor (next_ms, seq) of the last row starts the next page */
	struct collect p1 = {0}, p2 = {0}, p3 = {0};
	assert_int_equal(s->ops->webhook_due(s, NOW + 10, INT64_MIN, 0, 1, collect, &p1), WP_OK);
	assert_int_equal(p1.n, 1);
	assert_string_equal(p1.ids[0], a.id);
	assert_int_equal(s->ops->webhook_due(s, NOW + 10, p1.last_ms, p1.last_seq, 1, collect, &p2),
			 WP_OK);
	assert_int_equal(p2.n, 1);
	assert_string_equal(p2.ids[0], b.id);
	assert_int_equal(s->ops->webhook_due(s, NOW + 10, p2.last_ms, p2.last_seq, 1, collect, &p3),
			 WP_OK);
	assert_int_equal(p3.n, 0);
	/* the body is sealed at rest and opens to the exact bytes */
	wp_arena ar;
	wp_arena_init(&ar, WP_SCRATCH_ARENA_BYTES);
	struct wp_webhook d;
	assert_int_equal(s->ops->webhook_get(s, NULL, a.id, &ar, &d), WP_OK);
	assert_null(strstr(d.body, "11111111111"));
	size_t n = 0;
	char *body = wp_webhook_body_open(key, d.body, &n);
	assert_non_null(body);
	assert_string_equal(body, "{\"result\":\"A0000\",\"account_num\":\"11111111111\"}");
	free(body);
	assert_int_equal(d.state, WP_WEBHOOK_PENDING);
	/* an attempt moves it out of "due now"; next_due says when */
	assert_int_equal(wp_store_write(s, attempt_fn, a.id), WP_OK);
	memset(&due, 0, sizeof(due));
	assert_int_equal(s->ops->webhook_due(s, NOW + 10, INT64_MIN, 0, 10, collect, &due), WP_OK);
	assert_int_equal(due.n, 1);
	assert_string_equal(due.ids[0], b.id);
	int64_t next = 0;
	assert_int_equal(s->ops->webhook_next_due(s, &next), WP_OK);
	assert_int_equal(next, NOW + 10);
	int fails = 0;
	assert_int_equal(s->ops->webhook_attempts(s, a.id, 100, count_attempt, &fails), WP_OK);
	assert_int_equal(fails, 1);
	/* a redelivery: due again, a new round, the attempts kept */
	assert_int_equal(wp_store_write(s, redeliver_fn, a.id), WP_OK);
	assert_int_equal(s->ops->webhook_get(s, NULL, a.id, &ar, &d), WP_OK);
	assert_int_equal(d.tries, 0);
	assert_int_equal(d.attempts, 1);
	assert_int_equal(d.next_ms, NOW + 5000);
	assert_int_equal(wp_store_write(s, redeliver_fn, "whd_nosuch"), WP_E_NOT_FOUND);
	/* the listing: newest first, by owner */
	struct collect list = {0};
	assert_int_equal(s->ops->webhook_list(s, "payple", "test", 10, collect, &list), WP_OK);
	assert_int_equal(list.n, 2);
	assert_string_equal(list.ids[0], b.id);
	assert_true(list.bodies);
	memset(&list, 0, sizeof(list));
	assert_int_equal(s->ops->webhook_list(s, "payple", "other", 10, collect, &list), WP_OK);
	assert_int_equal(list.n, 0);
	/* secrets: one per owner, sealed */
	assert_false(wp_webhook_secret_exists(s, NULL, "payple", "test"));
	assert_int_equal(wp_store_write(s, secret_fn, "test"), WP_OK);
	assert_true(wp_webhook_secret_exists(s, NULL, "payple", "test"));
	assert_int_equal(wp_store_write(s, secret_fn, "test"), WP_E_CONFLICT);
	const char *sealed = NULL;
	assert_int_equal(s->ops->webhook_secret_get(s, NULL, "payple", "test", &ar, &sealed),
			 WP_OK);
	assert_null(strstr(sealed, "whsec_"));
	wp_arena_free(&ar);
	temp_store_close(&t);
}

/* "Pending deliveries due now" is answered from the partial index, not a table scan. */
static void test_due_query_uses_the_index(void **state)
{
	(void)state;
	struct temp_store t;
	assert_non_null(temp_store_open(&t, 1));
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(t.path, &db), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "EXPLAIN QUERY PLAN SELECT id FROM webhook_deliveries "
					    "WHERE state = 0 AND next_ms <= ?1 ORDER BY next_ms "
					    "LIMIT ?2",
					    -1, &st, NULL),
			 SQLITE_OK);
	bool indexed = false;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(st, 3);
		indexed |= detail != NULL && strstr(detail, "webhook_deliveries_due") != NULL;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_true(indexed);
	temp_store_close(&t);
}

static int setup(void **state)
{
	(void)state;
	for (int i = 0; i < WP_DATA_KEY_BYTES; i++)
		key[i] = (uint8_t)(0x30 + i);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_classify),
	    cmocka_unit_test(test_allowed),
	    cmocka_unit_test(test_url_parse),
	    cmocka_unit_test(test_backoff),
	    cmocka_unit_test(test_signature),
	    cmocka_unit_test(test_outbox),
	    cmocka_unit_test(test_due_query_uses_the_index),
	};
	return cmocka_run_group_tests_name("webhook", tests, setup, NULL);
}
