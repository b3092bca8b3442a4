/*
 * ledger.c — the rules of ledger.h. The store only loads and saves; every
 * decision about money is made here.
 */
#include "core/ledger.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *wp_transfer_result_name(int result)
{
	static const char *const names[] = {
	    [WP_TR_OK] = "ok",
	    [WP_TR_ID_INVALID] = "id_invalid",
	    [WP_TR_FLAGS_INVALID] = "flags_invalid",
	    [WP_TR_ACCOUNTS_MUST_BE_DIFFERENT] = "accounts_must_be_different",
	    [WP_TR_AMOUNT_MUST_BE_POSITIVE] = "amount_must_be_positive",
	    [WP_TR_DEBIT_ACCOUNT_NOT_FOUND] = "debit_account_not_found",
	    [WP_TR_CREDIT_ACCOUNT_NOT_FOUND] = "credit_account_not_found",
	    [WP_TR_EXCEEDS_CREDITS] = "exceeds_credits",
	    [WP_TR_EXCEEDS_DEBITS] = "exceeds_debits",
	    [WP_TR_OVERFLOWS_DEBITS] = "overflows_debits",
	    [WP_TR_OVERFLOWS_CREDITS] = "overflows_credits",
	    [WP_TR_PENDING_NOT_FOUND] = "pending_transfer_not_found",
	    [WP_TR_PENDING_NOT_PENDING] = "pending_transfer_not_pending",
	    [WP_TR_PENDING_ALREADY_POSTED] = "pending_transfer_already_posted",
	    [WP_TR_PENDING_ALREADY_VOIDED] = "pending_transfer_already_voided",
	    [WP_TR_PENDING_EXPIRED] = "pending_transfer_expired",
	    [WP_TR_EXCEEDS_PENDING_AMOUNT] = "exceeds_pending_transfer_amount",
	    [WP_TR_PENDING_ACCOUNTS_DIFFER] = "pending_transfer_has_different_accounts",
	    [WP_TR_TIMEOUT_INVALID] = "timeout_invalid",
	    [WP_TR_PENDING_ID_INVALID] = "pending_id_invalid",
	    [WP_TR_EXISTS_WITH_DIFFERENT_FLAGS] = "exists_with_different_flags",
	    [WP_TR_EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT] = "exists_with_different_debit_account_id",
	    [WP_TR_EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT] =
		"exists_with_different_credit_account_id",
	    [WP_TR_EXISTS_WITH_DIFFERENT_AMOUNT] = "exists_with_different_amount",
	    [WP_TR_EXISTS_WITH_DIFFERENT_PENDING_ID] = "exists_with_different_pending_id",
	    [WP_TR_EXISTS_WITH_DIFFERENT_TIMEOUT] = "exists_with_different_timeout",
	    [WP_TR_EXISTS_WITH_DIFFERENT_CODE] = "exists_with_different_code",
	    [WP_TR_EXISTS_WITH_DIFFERENT_REF] = "exists_with_different_ref",
	    [WP_TR_CODE_INVALID] = "code_invalid",
	    [WP_TR_REF_INVALID] = "ref_invalid",
	};
	if (result < 0 || (size_t)result >= sizeof(names) / sizeof(names[0]) ||
	    names[result] == NULL)
		return "unknown";
	return names[result];
}

int64_t wp_account_available(const struct wp_account *a)
{
	/* Never overflows for stored accounts: each sum is >= 0 and <= INT64_MAX. */
	int64_t out;
	if (__builtin_sub_overflow(a->credits_posted, a->debits_posted, &out) ||
	    __builtin_sub_overflow(out, a->debits_pending, &out))
		return INT64_MIN;
	return out;
}

bool wp_account_balance(const struct wp_account *a, int64_t *balance)
{
	return !__builtin_sub_overflow(a->credits_posted, a->debits_posted, balance);
}

static bool id_valid(const char *id)
{
	size_t n = strnlen(id, WP_TRANSFER_ID_MAX + 1);
	if (n == 0 || n > WP_TRANSFER_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.' || c == ':'))
			return false;
	}
	return true;
}

static bool account_limits_hold(const struct wp_account *a)
{
	int64_t d, c;
	if (__builtin_add_overflow(a->debits_posted, a->debits_pending, &d) ||
	    __builtin_add_overflow(a->credits_posted, a->credits_pending, &c))
		return false;
	if ((a->flags & WP_ACCOUNT_DEBITS_MUST_NOT_EXCEED_CREDITS) && d > a->credits_posted)
		return false;
	if ((a->flags & WP_ACCOUNT_CREDITS_MUST_NOT_EXCEED_DEBITS) && c > a->debits_posted)
		return false;
	return true;
}

wp_status wp_ledger_create_account(struct wp_tx *tx, int32_t code, uint32_t flags, int64_t now_ms,
				   struct wp_account *out)
{
	if (code <= 0 || (flags & ~WP_ACCOUNT_FLAGS_ALL) != 0 ||
	    flags == WP_ACCOUNT_FLAGS_ALL /* both limits: nothing could ever move */)
		return WP_E_INVALID;
	memset(out, 0, sizeof(*out));
	out->code = code;
	out->flags = flags;
	out->created_ms = now_ms;
	return tx->ops->account_insert(tx, out);
}

/* Which field differs between a stored attempt and its replay, if any. */
static int compare_replay(const struct wp_transfer *old, const struct wp_transfer *in)
{
	if (old->flags != in->flags)
		return WP_TR_EXISTS_WITH_DIFFERENT_FLAGS;
	if (strcmp(old->pending_id, in->pending_id) != 0)
		return WP_TR_EXISTS_WITH_DIFFERENT_PENDING_ID;
	if (old->debit_account_id != in->debit_account_id)
		return WP_TR_EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT;
	if (old->credit_account_id != in->credit_account_id)
		return WP_TR_EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT;
	if (old->amount != in->amount)
		return WP_TR_EXISTS_WITH_DIFFERENT_AMOUNT;
	if (old->timeout_s != in->timeout_s)
		return WP_TR_EXISTS_WITH_DIFFERENT_TIMEOUT;
	if (old->code != in->code)
		return WP_TR_EXISTS_WITH_DIFFERENT_CODE;
	if (strcmp(old->ref, in->ref) != 0)
		return WP_TR_EXISTS_WITH_DIFFERENT_REF;
	return WP_TR_OK;
}

/* Releases an open pending transfer's reservation and marks its new state. */
static wp_status release_pending(struct wp_tx *tx, const struct wp_transfer *p, int32_t state)
{
	struct wp_account dr, cr;
	wp_status st = tx->ops->account_get(tx, p->debit_account_id, &dr);
	if (st == WP_OK)
		st = tx->ops->account_get(tx, p->credit_account_id, &cr);
	if (st != WP_OK)
		return st == WP_E_NOT_FOUND ? WP_E_INTERNAL
					    : st; /* an applied pending's account vanished */
	/* The reservation is part of these sums, so they cannot go below zero. */
	assert(dr.debits_pending >= p->amount && cr.credits_pending >= p->amount);
	dr.debits_pending -= p->amount;
	cr.credits_pending -= p->amount;
	st = tx->ops->account_update(tx, &dr);
	if (st == WP_OK)
		st = tx->ops->account_update(tx, &cr);
	if (st == WP_OK)
		st = tx->ops->transfer_set_state(tx, p->id, state);
	return st;
}

static wp_status record(struct wp_tx *tx, struct wp_transfer *t, int result,
			struct wp_transfer *out)
{
	t->result = result;
	if (result != WP_TR_OK) {
		t->state = WP_PENDING_NONE;
		t->expires_ms = 0;
	}
	wp_status st = tx->ops->transfer_insert(tx, t);
	if (st == WP_OK)
		*out = *t;
	return st;
}

wp_status wp_ledger_transfer(struct wp_tx *tx, const struct wp_transfer *in, int64_t now_ms,
			     struct wp_transfer *out, bool *replayed)
{
	*replayed = false;
	struct wp_transfer t = *in;
	t.created_ms = now_ms;
	t.expires_ms = 0;
	t.state = WP_PENDING_NONE;
	t.result = WP_TR_OK;
	if (!id_valid(t.id)) {
		/* Nothing can be remembered under an invalid id. */
		t.result = WP_TR_ID_INVALID;
		*out = t;
		return WP_OK;
	}
	/* Over-long strings can only arrive unterminated: note it, then terminate. */
	bool ref_long = strnlen(t.ref, WP_TRANSFER_REF_MAX + 1) > WP_TRANSFER_REF_MAX;
	bool pid_long = strnlen(t.pending_id, WP_TRANSFER_ID_MAX + 1) > WP_TRANSFER_ID_MAX;
	t.ref[WP_TRANSFER_REF_MAX] = '\0';
	t.pending_id[WP_TRANSFER_ID_MAX] = '\0';
	const struct wp_transfer sent = t; /* the fields as sent, before any fill-in */
	uint32_t phase =
	    t.flags & (WP_TRANSFER_PENDING | WP_TRANSFER_POST_PENDING | WP_TRANSFER_VOID_PENDING);
	bool resolving = phase == WP_TRANSFER_POST_PENDING || phase == WP_TRANSFER_VOID_PENDING;

	/* Post/void: fill in what the pending transfer fixes, so replays compare alike. */
	struct wp_transfer p;
	wp_status pst = WP_E_NOT_FOUND;
	if (resolving && t.pending_id[0] != '\0' && !pid_long) {
		pst = tx->ops->transfer_get(tx, t.pending_id, &p);
		if (pst != WP_OK && pst != WP_E_NOT_FOUND)
			return pst;
		if (pst == WP_OK && (p.flags & WP_TRANSFER_PENDING) && p.result == WP_TR_OK) {
			if (t.debit_account_id == 0)
				t.debit_account_id = p.debit_account_id;
			if (t.credit_account_id == 0)
				t.credit_account_id = p.credit_account_id;
			if (t.amount == 0 && phase == WP_TRANSFER_POST_PENDING)
				t.amount = p.amount;
			if (t.amount == 0 && phase == WP_TRANSFER_VOID_PENDING)
				t.amount = p.amount;
		}
	}

	struct wp_transfer old;
	wp_status ost = tx->ops->transfer_get(tx, t.id, &old);
	if (ost == WP_OK) {
		int diff = compare_replay(&old, &t);
		/* Stored before its pending transfer existed: it was stored as sent. */
		if (diff != WP_TR_OK && compare_replay(&old, &sent) == WP_TR_OK)
			diff = WP_TR_OK;
		*replayed = diff == WP_TR_OK;
		if (diff == WP_TR_OK) {
			*out = old;
		} else {
			*out = t;
			out->result = diff; /* not stored: the id belongs to the first attempt */
		}
		return WP_OK;
	}
	if (ost != WP_E_NOT_FOUND)
		return ost;

	/* ---- validate ---- */
	if (t.flags & ~(uint32_t)(WP_TRANSFER_PENDING | WP_TRANSFER_POST_PENDING |
				  WP_TRANSFER_VOID_PENDING) ||
	    (phase != 0 && phase != WP_TRANSFER_PENDING && !resolving))
		return record(tx, &t, WP_TR_FLAGS_INVALID, out);
	if (t.code <= 0)
		return record(tx, &t, WP_TR_CODE_INVALID, out);
	if (ref_long)
		return record(tx, &t, WP_TR_REF_INVALID, out);
	if (t.timeout_s < 0 || (t.timeout_s > 0 && phase != WP_TRANSFER_PENDING) ||
	    t.timeout_s > 365LL * 24 * 3600)
		return record(tx, &t, WP_TR_TIMEOUT_INVALID, out);
	if (resolving != (t.pending_id[0] != '\0') || pid_long)
		return record(tx, &t, WP_TR_PENDING_ID_INVALID, out);
	/* Before the account/amount checks: a post/void may leave those 0 for the pending. */
	if (resolving) {
		if (pst == WP_E_NOT_FOUND)
			return record(tx, &t, WP_TR_PENDING_NOT_FOUND, out);
		if (!(p.flags & WP_TRANSFER_PENDING) || p.result != WP_TR_OK)
			return record(tx, &t, WP_TR_PENDING_NOT_PENDING, out);
	}
	if (t.debit_account_id == t.credit_account_id)
		return record(tx, &t, WP_TR_ACCOUNTS_MUST_BE_DIFFERENT, out);
	if (t.amount <= 0)
		return record(tx, &t, WP_TR_AMOUNT_MUST_BE_POSITIVE, out);
	if (resolving) {
		if (p.state == WP_PENDING_POSTED)
			return record(tx, &t, WP_TR_PENDING_ALREADY_POSTED, out);
		if (p.state == WP_PENDING_VOIDED)
			return record(tx, &t, WP_TR_PENDING_ALREADY_VOIDED, out);
		if (p.state == WP_PENDING_EXPIRED)
			return record(tx, &t, WP_TR_PENDING_EXPIRED, out);
		if (p.expires_ms != 0 && p.expires_ms <= now_ms) {
			/* Past its timeout but not yet swept: expire it now, then refuse. */
			wp_status st = release_pending(tx, &p, WP_PENDING_EXPIRED);
			return st == WP_OK ? record(tx, &t, WP_TR_PENDING_EXPIRED, out) : st;
		}
		if (t.debit_account_id != p.debit_account_id ||
		    t.credit_account_id != p.credit_account_id)
			return record(tx, &t, WP_TR_PENDING_ACCOUNTS_DIFFER, out);
		if (t.amount > p.amount ||
		    (phase == WP_TRANSFER_VOID_PENDING && t.amount != p.amount))
			return record(tx, &t, WP_TR_EXCEEDS_PENDING_AMOUNT, out);
	}
	struct wp_account dr, cr;
	wp_status st = tx->ops->account_get(tx, t.debit_account_id, &dr);
	if (st == WP_E_NOT_FOUND)
		return record(tx, &t, WP_TR_DEBIT_ACCOUNT_NOT_FOUND, out);
	if (st != WP_OK)
		return st;
	st = tx->ops->account_get(tx, t.credit_account_id, &cr);
	if (st == WP_E_NOT_FOUND)
		return record(tx, &t, WP_TR_CREDIT_ACCOUNT_NOT_FOUND, out);
	if (st != WP_OK)
		return st;
	assert(account_limits_hold(&dr) && account_limits_hold(&cr));

	/* New balances, every step overflow-checked. */
	struct wp_account ndr = dr, ncr = cr;
	bool of_d = false, of_c = false;
	if (phase == WP_TRANSFER_PENDING) {
		of_d = __builtin_add_overflow(ndr.debits_pending, t.amount, &ndr.debits_pending);
		of_c = __builtin_add_overflow(ncr.credits_pending, t.amount, &ncr.credits_pending);
	} else if (resolving) {
		ndr.debits_pending -= p.amount; /* reserved earlier: cannot go below zero */
		ncr.credits_pending -= p.amount;
		if (phase == WP_TRANSFER_POST_PENDING) {
			of_d =
			    __builtin_add_overflow(ndr.debits_posted, t.amount, &ndr.debits_posted);
			of_c = __builtin_add_overflow(ncr.credits_posted, t.amount,
						      &ncr.credits_posted);
		}
	} else {
		of_d = __builtin_add_overflow(ndr.debits_posted, t.amount, &ndr.debits_posted);
		of_c = __builtin_add_overflow(ncr.credits_posted, t.amount, &ncr.credits_posted);
	}
	int64_t sum;
	if (of_d || __builtin_add_overflow(ndr.debits_posted, ndr.debits_pending, &sum) ||
	    __builtin_add_overflow(ndr.credits_posted, ndr.credits_pending, &sum))
		return record(tx, &t, WP_TR_OVERFLOWS_DEBITS, out);
	if (of_c || __builtin_add_overflow(ncr.credits_posted, ncr.credits_pending, &sum) ||
	    __builtin_add_overflow(ncr.debits_posted, ncr.debits_pending, &sum))
		return record(tx, &t, WP_TR_OVERFLOWS_CREDITS, out);
	if ((ndr.flags & WP_ACCOUNT_DEBITS_MUST_NOT_EXCEED_CREDITS) &&
	    ndr.debits_posted + ndr.debits_pending > ndr.credits_posted)
		return record(tx, &t, WP_TR_EXCEEDS_CREDITS, out);
	if ((ncr.flags & WP_ACCOUNT_CREDITS_MUST_NOT_EXCEED_DEBITS) &&
	    ncr.credits_posted + ncr.credits_pending > ncr.debits_posted)
		return record(tx, &t, WP_TR_EXCEEDS_DEBITS, out);

	/* ---- apply: after this point the transfer must succeed ---- */
	assert(account_limits_hold(&ndr) && account_limits_hold(&ncr));
	if (phase == WP_TRANSFER_PENDING) {
		t.state = WP_PENDING_OPEN;
		t.expires_ms = t.timeout_s > 0 ? now_ms + t.timeout_s * 1000 : 0;
	}
	st = record(tx, &t, WP_TR_OK, out);
	if (st == WP_OK)
		st = tx->ops->account_update(tx, &ndr);
	if (st == WP_OK)
		st = tx->ops->account_update(tx, &ncr);
	if (st == WP_OK && resolving)
		st = tx->ops->transfer_set_state(
		    tx, p.id,
		    phase == WP_TRANSFER_POST_PENDING ? WP_PENDING_POSTED : WP_PENDING_VOIDED);
	return st;
}

wp_status wp_ledger_expire(struct wp_tx *tx, int64_t now_ms, unsigned max, unsigned *expired)
{
	char ids[64][WP_TRANSFER_ID_MAX + 1];
	*expired = 0;
	while (*expired < max) {
		size_t want = max - *expired < 64 ? max - *expired : 64, n = 0;
		wp_status st = tx->ops->pending_expired(tx, now_ms, ids, want, &n);
		if (st != WP_OK)
			return st;
		for (size_t i = 0; i < n; i++) {
			struct wp_transfer p;
			st = tx->ops->transfer_get(tx, ids[i], &p);
			if (st == WP_OK)
				st = release_pending(tx, &p, WP_PENDING_EXPIRED);
			if (st != WP_OK)
				return st;
			(*expired)++;
		}
		if (n < want)
			break;
	}
	return WP_OK;
}

/* ---- verify ---- */

struct acct_sums {
	struct wp_account stored;
	int64_t dp, cp, dq, cq; /* recomputed posted/pending */
};

struct pend {
	char id[WP_TRANSFER_ID_MAX + 1];
	int32_t state;
	int resolvers;
	uint32_t resolver_kind; /* flags of the one that resolved it */
};

struct resolve_ref {
	char pending_id[WP_TRANSFER_ID_MAX + 1];
	char id[WP_TRANSFER_ID_MAX + 1];
	uint32_t flags;
};

struct verify {
	struct acct_sums *accts;
	size_t n_accts, cap_accts;
	struct pend *pends;
	size_t n_pends, cap_pends;
	struct resolve_ref *refs;
	size_t n_refs, cap_refs;
	bool oom;
	void (*problem)(void *ctx, const char *line);
	void *ctx;
	struct wp_verify_report *rep;
};

static void say(struct verify *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct verify *v, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	v->rep->problems++;
	if (v->problem != NULL)
		v->problem(v->ctx, line);
}

static bool grow(void **p, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return true;
	size_t nc = *cap ? *cap * 2 : 256;
	void *q = realloc(*p, nc * elem);
	if (q == NULL)
		return false;
	*p = q;
	*cap = nc;
	return true;
}

static void on_account(void *ctx, const struct wp_account *a)
{
	struct verify *v = ctx;
	if (!grow((void **)&v->accts, &v->cap_accts, v->n_accts, sizeof(*v->accts))) {
		v->oom = true;
		return;
	}
	struct acct_sums *s = &v->accts[v->n_accts++];
	memset(s, 0, sizeof(*s));
	s->stored = *a;
	v->rep->accounts++;
}

static struct acct_sums *find_acct(struct verify *v, int64_t id)
{
	size_t lo = 0, hi = v->n_accts; /* scanned in id order */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->accts[mid].stored.id == id)
			return &v->accts[mid];
		if (v->accts[mid].stored.id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void add(struct verify *v, int64_t *sum, int64_t amount, const char *id)
{
	if (__builtin_add_overflow(*sum, amount, sum))
		say(v, "transfer %s: a recomputed balance overflows int64", id);
}

static void on_transfer(void *ctx, const struct wp_transfer *t)
{
	struct verify *v = ctx;
	v->rep->transfers++;
	if (t->result != WP_TR_OK) {
		v->rep->failed_attempts++;
		return;
	}
	struct acct_sums *dr = find_acct(v, t->debit_account_id);
	struct acct_sums *cr = find_acct(v, t->credit_account_id);
	if (dr == NULL || cr == NULL) {
		say(v, "transfer %s: names account %lld that does not exist", t->id,
		    (long long)(dr == NULL ? t->debit_account_id : t->credit_account_id));
		return;
	}
	if (t->amount <= 0)
		say(v, "transfer %s: amount %lld is not positive", t->id, (long long)t->amount);
	if (t->flags & WP_TRANSFER_PENDING) {
		if (!grow((void **)&v->pends, &v->cap_pends, v->n_pends, sizeof(*v->pends))) {
			v->oom = true;
			return;
		}
		struct pend *p = &v->pends[v->n_pends++];
		memset(p, 0, sizeof(*p));
		memcpy(p->id, t->id, sizeof(p->id));
		p->state = t->state;
		if (t->state == WP_PENDING_OPEN) {
			v->rep->open_pending++;
			add(v, &dr->dq, t->amount, t->id);
			add(v, &cr->cq, t->amount, t->id);
		}
		return;
	}
	if (t->flags & (WP_TRANSFER_POST_PENDING | WP_TRANSFER_VOID_PENDING)) {
		if (!grow((void **)&v->refs, &v->cap_refs, v->n_refs, sizeof(*v->refs))) {
			v->oom = true;
			return;
		}
		struct resolve_ref *r = &v->refs[v->n_refs++];
		memcpy(r->pending_id, t->pending_id, sizeof(r->pending_id));
		memcpy(r->id, t->id, sizeof(r->id));
		r->flags = t->flags;
		if (!(t->flags & WP_TRANSFER_POST_PENDING))
			return; /* a void moves nothing */
	}
	add(v, &dr->dp, t->amount, t->id);
	add(v, &cr->cp, t->amount, t->id);
}

static int cmp_pend(const void *a, const void *b)
{
	return strcmp(((const struct pend *)a)->id, ((const struct pend *)b)->id);
}

wp_status wp_ledger_verify(struct wp_store *s, void (*problem)(void *ctx, const char *line),
			   void *ctx, struct wp_verify_report *report)
{
	memset(report, 0, sizeof(*report));
	struct verify v = {.problem = problem, .ctx = ctx, .rep = report};
	wp_status st = s->ops->ledger_scan(s, on_account, on_transfer, &v);
	if (st == WP_OK && v.oom)
		st = WP_E_NOMEM;
	if (st != WP_OK)
		goto out;
	/* 128-bit: each account's sums fit int64, but their total over accounts need not. */
	__int128 tdp = 0, tcp = 0, tdq = 0, tcq = 0;
	for (size_t i = 0; i < v.n_accts; i++) {
		struct acct_sums *a = &v.accts[i];
		const struct wp_account *w = &a->stored;
		if (w->debits_posted != a->dp || w->credits_posted != a->cp ||
		    w->debits_pending != a->dq || w->credits_pending != a->cq)
			say(&v,
			    "account %lld: stored dp=%lld cp=%lld dq=%lld cq=%lld but transfers give "
			    "dp=%lld cp=%lld dq=%lld cq=%lld",
			    (long long)w->id, (long long)w->debits_posted,
			    (long long)w->credits_posted, (long long)w->debits_pending,
			    (long long)w->credits_pending, (long long)a->dp, (long long)a->cp,
			    (long long)a->dq, (long long)a->cq);
		if (!account_limits_hold(w))
			say(&v, "account %lld: breaks its balance limit (flags %u)",
			    (long long)w->id, w->flags);
		tdp += w->debits_posted; /* stored: the recomputed sums balance by construction */
		tcp += w->credits_posted;
		tdq += w->debits_pending;
		tcq += w->credits_pending;
	}
	/* Reported saturated at INT64_MAX when the true total is larger. */
	report->total_debits_posted = tdp > INT64_MAX ? INT64_MAX : (int64_t)tdp;
	report->total_credits_posted = tcp > INT64_MAX ? INT64_MAX : (int64_t)tcp;
	if (tdp != tcp || tdq != tcq)
		say(&v,
		    "total debits != total credits: posted %lld vs %lld, pending %lld vs %lld "
		    "(difference posted %lld, pending %lld)",
		    (long long)report->total_debits_posted, (long long)report->total_credits_posted,
		    (long long)(tdq > INT64_MAX ? INT64_MAX : (int64_t)tdq),
		    (long long)(tcq > INT64_MAX ? INT64_MAX : (int64_t)tcq), (long long)(tdp - tcp),
		    (long long)(tdq - tcq));
	if (v.n_pends > 0) /* qsort(NULL, 0, ...) is undefined */
		qsort(v.pends, v.n_pends, sizeof(*v.pends), cmp_pend);
	for (size_t i = 0; i < v.n_refs; i++) {
		struct resolve_ref *r = &v.refs[i];
		struct pend key;
		memcpy(key.id, r->pending_id, sizeof(key.id));
		struct pend *p = v.n_pends
				     ? bsearch(&key, v.pends, v.n_pends, sizeof(*v.pends), cmp_pend)
				     : NULL;
		if (p == NULL) {
			say(&v, "transfer %s resolves pending transfer %s, which does not exist",
			    r->id, r->pending_id);
			continue;
		}
		p->resolvers++;
		p->resolver_kind = r->flags;
	}
	for (size_t i = 0; i < v.n_pends; i++) {
		struct pend *p = &v.pends[i];
		int want = p->state == WP_PENDING_POSTED || p->state == WP_PENDING_VOIDED ? 1 : 0;
		if (p->resolvers != want)
			say(&v, "pending transfer %s (state %d) is resolved by %d transfers", p->id,
			    p->state, p->resolvers);
		else if ((p->state == WP_PENDING_POSTED &&
			  !(p->resolver_kind & WP_TRANSFER_POST_PENDING)) ||
			 (p->state == WP_PENDING_VOIDED &&
			  !(p->resolver_kind & WP_TRANSFER_VOID_PENDING)))
			say(&v, "pending transfer %s: state %d disagrees with its resolver", p->id,
			    p->state);
	}
out:
	free(v.accts);
	free(v.pends);
	free(v.refs);
	return st;
}
