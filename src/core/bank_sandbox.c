/*
 * bank_sandbox.c — the sandbox bank network (see bank_sandbox.h).
 */
#include "core/bank_sandbox.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ledger.h"
#include "util/date.h"

#define MAINTENANCE_START_MIN (23 * 60 + 30)
#define MAINTENANCE_END_MIN 30

/* Institutions that are branches of foreign banks: outside the sandbox network. */
static const char *const non_participating[] = {"055", "060", "061", "062", "063", "067"};

/* Service hours that start later than the end of maintenance, in KST minutes. */
static const struct {
	const char *code;
	int open_min;
} late_openers[] = {
    {"071", 6 * 60}, /* 우체국 */
};

struct sandbox_net {
	struct wp_bank_net base;
	struct wp_store *store;
	const wp_clock *clock;
	pthread_mutex_t lock;
	struct {
		struct wp_bank_fault fault;
		uint64_t rng;
	} banks[1000]; /* indexed by the numeric KFTC code */
};

static const struct wp_bank_ops sandbox_ops;

const char *wp_bank_outcome_name(int o)
{
	static const char *const names[] = {
	    [WP_BANK_OK] = "ok",
	    [WP_BANK_UNKNOWN_BANK] = "unknown_bank",
	    [WP_BANK_NOT_PARTICIPATING] = "bank_not_participating",
	    [WP_BANK_UNREACHABLE] = "bank_unreachable",
	    [WP_BANK_TIMEOUT] = "bank_timeout",
	    [WP_BANK_FAILED] = "bank_failed",
	    [WP_BANK_MAINTENANCE] = "bank_maintenance",
	    [WP_BANK_BEFORE_HOURS] = "bank_before_service_hours",
	    [WP_BANK_ACCOUNT_NOT_FOUND] = "account_not_found",
	    [WP_BANK_HOLDER_MISMATCH] = "holder_name_mismatch",
	    [WP_BANK_IDENTITY_MISMATCH] = "holder_identity_mismatch",
	    [WP_BANK_ACCOUNT_DORMANT] = "account_dormant",
	    [WP_BANK_ACCOUNT_SUSPENDED] = "account_suspended",
	    [WP_BANK_ACCOUNT_CLOSED] = "account_closed",
	    [WP_BANK_ACCOUNT_ACCIDENT] = "account_accident_reported",
	    [WP_BANK_NOT_VERIFIABLE] = "account_not_verifiable",
	    [WP_BANK_INSUFFICIENT_FUNDS] = "insufficient_funds",
	    [WP_BANK_LEDGER_REJECTED] = "ledger_rejected",
	};
	if (o < 0 || (size_t)o >= sizeof(names) / sizeof(names[0]) || names[o] == NULL)
		return "unknown";
	return names[o];
}

int wp_bank_minute_kst(int64_t now_ms)
{
	int64_t kst_s = now_ms / 1000 + WP_KST_OFFSET_MIN * 60;
	int64_t m = (kst_s / 60) % (24 * 60);
	return (int)(m < 0 ? m + 24 * 60 : m);
}

static int code_index(const char *code)
{
	if (strlen(code) != 3 || code[0] < '0' || code[0] > '9' || code[1] < '0' || code[1] > '9' ||
	    code[2] < '0' || code[2] > '9')
		return -1;
	return (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
}

/* splitmix64: a tiny, good, reproducible sequence for fault decisions. */
static uint64_t next_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static void answer(struct wp_bank_net *base, const char *code, bool draw,
		   struct wp_bank_answer *out)
{
	struct sandbox_net *n = (struct sandbox_net *)base;
	out->outcome = WP_BANK_OK;
	out->latency_ms = 0;
	out->holder_name[0] = '\0';
	int idx = code_index(code);
	if (idx < 0 || wp_bank_by_code(code) == NULL) {
		out->outcome = WP_BANK_UNKNOWN_BANK;
		return;
	}
	for (size_t i = 0; i < sizeof(non_participating) / sizeof(non_participating[0]); i++)
		if (strcmp(code, non_participating[i]) == 0) {
			out->outcome = WP_BANK_NOT_PARTICIPATING;
			return;
		}
	pthread_mutex_lock(&n->lock);
	struct wp_bank_fault f = n->banks[idx].fault;
	bool fail = false;
	if (f.mode == WP_FAULT_FAILING && draw)
		fail = next_rand(&n->banks[idx].rng) % 1000000u < f.rate_ppm;
	pthread_mutex_unlock(&n->lock);
	if (f.mode == WP_FAULT_UNREACHABLE) {
		out->outcome = WP_BANK_UNREACHABLE;
		return;
	}
	if (fail) {
		out->outcome = WP_BANK_FAILED;
		return;
	}
	if (f.mode == WP_FAULT_SLOW) {
		out->latency_ms = f.latency_ms;
		if (f.latency_ms >= WP_BANK_TIMEOUT_MS) {
			out->latency_ms = WP_BANK_TIMEOUT_MS;
			out->outcome = WP_BANK_TIMEOUT;
			return;
		}
	}
	int minute = wp_bank_minute_kst(wp_clock_now_ms(n->clock));
	if (minute >= MAINTENANCE_START_MIN || minute < MAINTENANCE_END_MIN) {
		out->outcome = WP_BANK_MAINTENANCE;
		return;
	}
	for (size_t i = 0; i < sizeof(late_openers) / sizeof(late_openers[0]); i++)
		if (strcmp(code, late_openers[i].code) == 0 && minute < late_openers[i].open_min)
			out->outcome = WP_BANK_BEFORE_HOURS;
}

static void sandbox_reach(struct wp_bank_net *n, const char *code, struct wp_bank_answer *out)
{
	answer(n, code, true, out);
}

static void sandbox_status(struct wp_bank_net *n, const char *code, struct wp_bank_answer *out)
{
	answer(n, code, false, out);
}

/* A documented test account's forced outcome, or -1. */
static int simulated(const struct wp_bank_account *a)
{
	static const struct {
		const char *name;
		int outcome;
	} sims[] = {
	    {"unreachable", WP_BANK_UNREACHABLE},
	    {"timeout", WP_BANK_TIMEOUT},
	    {"before_hours", WP_BANK_BEFORE_HOURS},
	    {"maintenance", WP_BANK_MAINTENANCE},
	    {"failed", WP_BANK_FAILED},
	};
	for (size_t i = 0; i < sizeof(sims) / sizeof(sims[0]); i++)
		if (strcmp(a->simulate, sims[i].name) == 0)
			return sims[i].outcome;
	return -1;
}

const char *const wp_bank_account_statuses[] = {WP_ACCT_ACTIVE, WP_ACCT_DORMANT,  WP_ACCT_SUSPENDED,
						WP_ACCT_CLOSED, WP_ACCT_ACCIDENT, NULL};
const char *const wp_bank_account_kinds[] = {WP_KIND_PERSONAL, WP_KIND_BUSINESS, WP_KIND_VIRTUAL,
					     NULL};

static int status_outcome(const struct wp_bank_account *a)
{
	static const struct {
		const char *status;
		int outcome;
	} outcomes[] = {
	    {WP_ACCT_DORMANT, WP_BANK_ACCOUNT_DORMANT},
	    {WP_ACCT_SUSPENDED, WP_BANK_ACCOUNT_SUSPENDED},
	    {WP_ACCT_CLOSED, WP_BANK_ACCOUNT_CLOSED},
	    {WP_ACCT_ACCIDENT, WP_BANK_ACCOUNT_ACCIDENT},
	};
	for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
		if (strcmp(a->status, outcomes[i].status) == 0)
			return outcomes[i].outcome;
	return WP_BANK_OK;
}

/* An account usable for moving money: exists, not simulated away, active. */
static int usable(const struct wp_bank_account *a)
{
	int sim = simulated(a);
	return sim >= 0 ? sim : status_outcome(a);
}

static void sandbox_verify_holder(struct wp_bank_net *base, const char *code, const char *number,
				  const struct wp_bank_identity *who, struct wp_bank_answer *out)
{
	struct sandbox_net *n = (struct sandbox_net *)base;
	sandbox_reach(base, code, out);
	if (out->outcome != WP_BANK_OK)
		return;
	struct wp_bank_account a;
	wp_status st = n->store->ops->bank_account_read(n->store, code, number, &a);
	if (st != WP_OK) {
		out->outcome = st == WP_E_NOT_FOUND ? WP_BANK_ACCOUNT_NOT_FOUND : WP_BANK_FAILED;
		return;
	}
	int o = usable(&a);
	if (o == WP_BANK_OK && strcmp(a.kind, "virtual") == 0)
		o = WP_BANK_NOT_VERIFIABLE;
	if (o == WP_BANK_OK && who->holder_name != NULL &&
	    strcmp(a.holder_name, who->holder_name) != 0)
		o = WP_BANK_HOLDER_MISMATCH;
	if (o == WP_BANK_OK && who->birth_date != NULL && who->birth_date[0] != '\0') {
		/* yyMMdd matches the last six digits of the stored yyyyMMdd. */
		size_t len = strlen(who->birth_date);
		const char *stored = a.birth_date;
		if (len == 6 && strlen(stored) == 8)
			stored += 2;
		if (strcmp(stored, who->birth_date) != 0)
			o = WP_BANK_IDENTITY_MISMATCH;
	}
	if (o == WP_BANK_OK && who->business_no != NULL && who->business_no[0] != '\0' &&
	    strcmp(a.business_no, who->business_no) != 0)
		o = WP_BANK_IDENTITY_MISMATCH;
	out->outcome = o;
	if (o == WP_BANK_OK)
		snprintf(out->holder_name, sizeof(out->holder_name), "%s", a.holder_name);
}

/* A party's ledger account; *outcome set when a bank account is missing. */
static wp_status party_ledger(struct wp_tx *tx, const struct wp_bank_party *p,
			      struct wp_bank_account *acct, int64_t *ledger_id, int *outcome)
{
	if (p->bank_code == NULL) {
		*ledger_id = p->ledger_account_id;
		return WP_OK;
	}
	wp_status st = tx->ops->bank_account_get(tx, p->bank_code, p->number, acct);
	if (st == WP_E_NOT_FOUND)
		*outcome = WP_BANK_ACCOUNT_NOT_FOUND;
	*ledger_id = acct->ledger_account_id;
	return st == WP_E_NOT_FOUND ? WP_OK : st;
}

static wp_status sandbox_move(struct wp_bank_net *base, struct wp_tx *tx, const char *id,
			      const struct wp_bank_party *from, const struct wp_bank_party *to,
			      int64_t amount, int32_t code, int64_t now_ms, int *outcome,
			      struct wp_transfer *result, bool *replayed)
{
	(void)base;
	memset(result, 0, sizeof(*result));
	*replayed = false;
	*outcome = WP_BANK_OK;
	struct wp_bank_account fa, ta;
	struct wp_transfer t = {.amount = amount, .code = code};
	wp_status st = party_ledger(tx, from, &fa, &t.debit_account_id, outcome);
	if (st == WP_OK && *outcome == WP_BANK_OK)
		st = party_ledger(tx, to, &ta, &t.credit_account_id, outcome);
	if (st != WP_OK || *outcome != WP_BANK_OK)
		return st;
	snprintf(t.id, sizeof(t.id), "%s", id);
	/* A replay answers as the first attempt did, whatever the accounts became since. */
	struct wp_transfer seen;
	st = tx->ops->transfer_get(tx, t.id, &seen);
	if (st != WP_OK && st != WP_E_NOT_FOUND)
		return st;
	if (st == WP_E_NOT_FOUND) {
		int o = from->bank_code ? usable(&fa) : WP_BANK_OK;
		if (o == WP_BANK_OK && to->bank_code)
			o = usable(&ta);
		if (o != WP_BANK_OK) {
			*outcome = o;
			return WP_OK;
		}
	}
	st = wp_ledger_transfer(tx, &t, now_ms, result, replayed);
	if (st != WP_OK)
		return st;
	*outcome = result->result == WP_TR_OK		     ? WP_BANK_OK
		   : result->result == WP_TR_EXCEEDS_CREDITS ? WP_BANK_INSUFFICIENT_FUNDS
							     : WP_BANK_LEDGER_REJECTED;
	return WP_OK;
}

static wp_status sandbox_set_fault(struct wp_bank_net *base, const char *code,
				   const struct wp_bank_fault *f)
{
	struct sandbox_net *n = (struct sandbox_net *)base;
	int idx = code_index(code);
	if (idx < 0 || wp_bank_by_code(code) == NULL)
		return WP_E_NOT_FOUND;
	if (f->mode < WP_FAULT_NONE || f->mode > WP_FAULT_FAILING || f->rate_ppm > 1000000u)
		return WP_E_INVALID;
	pthread_mutex_lock(&n->lock);
	n->banks[idx].fault = *f;
	n->banks[idx].rng = f->seed; /* same seed, same sequence of failures */
	pthread_mutex_unlock(&n->lock);
	return WP_OK;
}

static wp_status sandbox_get_fault(struct wp_bank_net *base, const char *code,
				   struct wp_bank_fault *out)
{
	struct sandbox_net *n = (struct sandbox_net *)base;
	int idx = code_index(code);
	if (idx < 0 || wp_bank_by_code(code) == NULL)
		return WP_E_NOT_FOUND;
	pthread_mutex_lock(&n->lock);
	*out = n->banks[idx].fault;
	pthread_mutex_unlock(&n->lock);
	return WP_OK;
}

static const struct wp_bank_ops sandbox_ops = {
    .reach = sandbox_reach,
    .status = sandbox_status,
    .verify_holder = sandbox_verify_holder,
    .move = sandbox_move,
    .set_fault = sandbox_set_fault,
    .get_fault = sandbox_get_fault,
};

struct wp_bank_net *wp_bank_sandbox_new(struct wp_store *s, const wp_clock *clock)
{
	struct sandbox_net *n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	n->base.ops = &sandbox_ops;
	n->store = s;
	n->clock = clock;
	pthread_mutex_init(&n->lock, NULL);
	return &n->base;
}

void wp_bank_sandbox_clear_faults(struct wp_bank_net *base)
{
	struct sandbox_net *n = (struct sandbox_net *)base;
	pthread_mutex_lock(&n->lock);
	memset(n->banks, 0, sizeof(n->banks));
	pthread_mutex_unlock(&n->lock);
}

void wp_bank_sandbox_free(struct wp_bank_net *base)
{
	struct sandbox_net *n = (struct sandbox_net *)base;
	if (n == NULL)
		return;
	pthread_mutex_destroy(&n->lock);
	free(n);
}

/* ---- accounts and fixtures ---- */

static wp_status reserve_of(struct wp_tx *tx, const char *code, int64_t now_ms, int64_t *id)
{
	wp_status st = tx->ops->bank_reserve_get(tx, code, id);
	if (st != WP_E_NOT_FOUND)
		return st;
	struct wp_account r;
	st = wp_ledger_create_account(tx, WP_ACCOUNT_BANK_RESERVE, 0, now_ms, &r);
	if (st == WP_OK)
		st = tx->ops->bank_reserve_insert(tx, code, r.id);
	*id = r.id;
	return st;
}

wp_status wp_bank_sandbox_open(struct wp_tx *tx, const struct wp_bank_account *in, int64_t balance,
			       int64_t now_ms, int *outcome)
{
	*outcome = WP_BANK_OK;
	if (wp_bank_by_code(in->bank_code) == NULL) {
		*outcome = WP_BANK_UNKNOWN_BANK;
		return WP_OK;
	}
	if (balance < 0)
		return WP_E_INVALID;
	struct wp_bank_account probe;
	wp_status st = tx->ops->bank_account_get(tx, in->bank_code, in->account_number, &probe);
	if (st == WP_OK)
		return WP_E_CONFLICT;
	if (st != WP_E_NOT_FOUND)
		return st;
	int64_t reserve;
	struct wp_account acct;
	st = reserve_of(tx, in->bank_code, now_ms, &reserve);
	if (st == WP_OK)
		st = wp_ledger_create_account(tx, WP_ACCOUNT_BANK_ACCOUNT,
					      WP_ACCOUNT_DEBITS_MUST_NOT_EXCEED_CREDITS, now_ms,
					      &acct);
	if (st != WP_OK)
		return st;
	struct wp_bank_account a = *in;
	a.ledger_account_id = acct.id;
	a.created_ms = now_ms;
	st = tx->ops->bank_account_insert(tx, &a);
	if (st != WP_OK || balance == 0)
		return st;
	struct wp_transfer t = {.debit_account_id = reserve,
				.credit_account_id = acct.id,
				.amount = balance,
				.code = WP_TRANSFER_CODE_OPENING};
	snprintf(t.id, sizeof(t.id), "open:%s:%.40s", in->bank_code, in->account_number);
	struct wp_transfer out;
	bool replayed;
	st = wp_ledger_transfer(tx, &t, now_ms, &out, &replayed);
	if (st == WP_OK &&
	    (out.result == WP_TR_OVERFLOWS_DEBITS || out.result == WP_TR_OVERFLOWS_CREDITS)) {
		/* The reserve has paid out so much that this deposit would overflow its sums. */
		*outcome = WP_BANK_LEDGER_REJECTED;
		return WP_E_INVALID; /* the command's savepoint undoes the account too */
	}
	if (st == WP_OK && out.result != WP_TR_OK)
		st = WP_E_INTERNAL; /* a fresh reserve-to-account deposit cannot be refused */
	return st;
}

wp_status wp_bank_sandbox_deposit(struct wp_tx *tx, const char *bank_code, const char *number,
				  const char *id, int64_t amount, int64_t now_ms, int *outcome)
{
	*outcome = WP_BANK_OK;
	if (amount <= 0)
		return WP_E_INVALID;
	struct wp_bank_account a;
	wp_status st = tx->ops->bank_account_get(tx, bank_code, number, &a);
	if (st == WP_E_NOT_FOUND) {
		*outcome = WP_BANK_ACCOUNT_NOT_FOUND;
		return WP_OK;
	}
	int64_t reserve;
	if (st == WP_OK)
		st = reserve_of(tx, bank_code, now_ms, &reserve);
	if (st != WP_OK)
		return st;
	struct wp_transfer t = {.debit_account_id = reserve,
				.credit_account_id = a.ledger_account_id,
				.amount = amount,
				.code = WP_TRANSFER_CODE_DEPOSIT};
	if (snprintf(t.id, sizeof(t.id), "%s", id) >= (int)sizeof(t.id))
		return WP_E_INVALID;
	struct wp_transfer out;
	bool replayed;
	st = wp_ledger_transfer(tx, &t, now_ms, &out, &replayed);
	if (st == WP_OK && out.result != WP_TR_OK)
		*outcome = WP_BANK_LEDGER_REJECTED;
	return st;
}

/*
 * The documented test accounts (README: "Sandbox bank accounts"). Together
 * with holder names or birth dates that do not match, and account numbers
 * that are not here, they reach every documented outcome.
 */
static const struct {
	const char *bank, *number, *holder, *birth, *bizno, *kind, *status, *simulate;
	int64_t balance;
} fixtures[] = {
    {"004", "11111111111", "홍길동", "19900101", "", WP_KIND_PERSONAL, WP_ACCT_ACTIVE, "", 1000000},
    {"088", "22222222222", "김철수", "19851231", "", WP_KIND_PERSONAL, WP_ACCT_ACTIVE, "", 5000000},
    {"081", "33333333333", "(주)테스트상사", "", "1234567890", WP_KIND_BUSINESS, WP_ACCT_ACTIVE, "",
     100000000},
    {"020", "44444444444", "이영희", "19920315", "", WP_KIND_PERSONAL, WP_ACCT_ACTIVE, "", 0},
    {"090", "55555555555", "박민수", "19880808", "", WP_KIND_PERSONAL, WP_ACCT_ACTIVE, "",
     20000000},
    {"004", "90000000001", "홍길동", "19900101", "", WP_KIND_PERSONAL, WP_ACCT_DORMANT, "", 0},
    {"004", "90000000002", "홍길동", "19900101", "", WP_KIND_PERSONAL, WP_ACCT_SUSPENDED, "", 0},
    {"004", "90000000003", "홍길동", "19900101", "", WP_KIND_PERSONAL, WP_ACCT_CLOSED, "", 0},
    {"004", "90000000004", "홍길동", "19900101", "", WP_KIND_PERSONAL, WP_ACCT_ACCIDENT, "", 0},
    {"004", "90000000005", "홍길동", "19900101", "", WP_KIND_VIRTUAL, WP_ACCT_ACTIVE, "", 0},
    {"004", "90000000006", "홍길동", "19900101", "", WP_KIND_PERSONAL, WP_ACCT_ACTIVE,
     "unreachable", 0},
    {"004", "90000000007", "홍길동", "19900101", "", WP_KIND_PERSONAL, WP_ACCT_ACTIVE, "timeout",
     0},
    {"004", "90000000008", "홍길동", "19900101", "", WP_KIND_PERSONAL, WP_ACCT_ACTIVE,
     "before_hours", 0},
    {"004", "90000000009", "홍길동", "19900101", "", WP_KIND_PERSONAL, WP_ACCT_ACTIVE,
     "maintenance", 0},
    {"004", "90000000010", "홍길동", "19900101", "", WP_KIND_PERSONAL, WP_ACCT_ACTIVE, "failed", 0},
    {"055", "12345678901", "홍길동", "19900101", "", WP_KIND_PERSONAL, WP_ACCT_ACTIVE, "", 0},
};

wp_status wp_bank_sandbox_seed(struct wp_tx *tx, int64_t now_ms)
{
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		struct wp_bank_account a;
		memset(&a, 0, sizeof(a));
		snprintf(a.bank_code, sizeof(a.bank_code), "%s", fixtures[i].bank);
		snprintf(a.account_number, sizeof(a.account_number), "%s", fixtures[i].number);
		snprintf(a.holder_name, sizeof(a.holder_name), "%s", fixtures[i].holder);
		snprintf(a.birth_date, sizeof(a.birth_date), "%s", fixtures[i].birth);
		snprintf(a.business_no, sizeof(a.business_no), "%s", fixtures[i].bizno);
		snprintf(a.kind, sizeof(a.kind), "%s", fixtures[i].kind);
		snprintf(a.status, sizeof(a.status), "%s", fixtures[i].status);
		snprintf(a.simulate, sizeof(a.simulate), "%s", fixtures[i].simulate);
		int outcome;
		wp_status st = wp_bank_sandbox_open(tx, &a, fixtures[i].balance, now_ms, &outcome);
		if (st == WP_E_CONFLICT)
			continue; /* already seeded */
		if (st != WP_OK)
			return st;
		if (outcome != WP_BANK_OK)
			return WP_E_INTERNAL;
	}
	return WP_OK;
}
