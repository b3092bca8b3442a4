/*
 * codes.c — every answer Payple's hub gives, in one table.
 *
 * T0000 and A0000 ("처리 성공") and A0009 are Payple's; the hub publishes no
 * other code, so the rest are wonpay's (docs/decisions.md, README "Payple"):
 * T02xx for the token call, after the T0211 Payple documents for its card
 * product, and A-codes for the rest. A client that reads only "result" sees
 * every failure: nothing but A0000/T0000 is a success. Payple answers its
 * own failures with HTTP 200; wonpay does too, and keeps HTTP's status only
 * for what the server refuses before any endpoint (404, 405, 413, 429, 503).
 */
#include "surface/payple/payple.h"

const struct payple_code_row payple_codes[PAYPLE_CODE_COUNT] = {
    [PAYPLE_TOKEN_OK] = {"T0000", "처리 성공", 200},
    [PAYPLE_OK] = {"A0000", "처리 성공", 200},
    [PAYPLE_T_PARTNER] = {"T0200", "파트너 인증 실패: cst_id 또는 custKey가 올바르지 않습니다",
			  200},
    [PAYPLE_T_FIELD] = {"T0201", "요청 파라미터 오류", 200},
    [PAYPLE_T_CODE] = {"T0211", "인증요청 거부 - code 영문자+숫자 10자리", 200},
    [PAYPLE_AUTH] = {"A0001",
		     "토큰 인증 실패: Authorization: Bearer <access_token>이 없거나 "
		     "올바르지 않거나 만료되었습니다",
		     200},
    [PAYPLE_PARTNER] = {"A0002", "파트너 인증 실패: cst_id 또는 custKey가 토큰의 파트너와 다릅니다",
			200},
    [PAYPLE_FIELD] = {"A0003", "요청 파라미터 오류", 200},
    [PAYPLE_NO_BILLING] = {"A0004",
			   "billing_tran_id가 없거나 더 이상 쓸 수 없습니다: "
			   "/inquiry/real_name으로 다시 발급받으세요",
			   200},
    [PAYPLE_NO_GROUP] = {"A0005", "group_key가 없거나 이미 실행 또는 취소된 그룹입니다", 200},
    [PAYPLE_DUPLICATE] = {"A0006", "같은 distinct_key로 다른 내용의 요청이 이미 있습니다", 200},
    [PAYPLE_NO_REMAIN] = {"A0007", "지급이체 한도 잔여금액(remain_amt)이 부족합니다", 200},
    [PAYPLE_BANK] = {"A0009", "API 세부업무 처리실패", 200},
    [PAYPLE_GROUP_FULL] = {"A0010", "한 그룹의 요청 건수 한도(1,000건)를 넘었습니다", 200},
    [PAYPLE_NO_RESULT] = {"A0008", "조회 결과가 없습니다", 200},
    [PAYPLE_NOTHING] = {"A0011", "실행하거나 취소할 요청(request) 건이 없습니다", 200},
    [PAYPLE_RATE_LIMITED] = {"A0429", "요청이 너무 많습니다. 잠시 후 다시 시도하세요", 429},
    [PAYPLE_NOT_FOUND] = {"A0404", "없는 API입니다", 404},
    [PAYPLE_METHOD] = {"A0405", "POST만 지원합니다", 405},
    [PAYPLE_TOO_LARGE] = {"A0413", "요청 본문이 너무 큽니다", 413},
    [PAYPLE_SYSTEM] = {"A9999", "시스템 오류: 잠시 후 다시 시도하세요", 503},
};

static const struct wp_status_map status_codes[] = {
    {WP_OK, PAYPLE_OK},
    {WP_E_INVALID, PAYPLE_FIELD},
    {WP_E_FRAMING, PAYPLE_FIELD},
    {WP_E_MEDIA_TYPE, PAYPLE_FIELD},
    {WP_E_UNAUTHORIZED, PAYPLE_AUTH},
    {WP_E_RATE_LIMITED, PAYPLE_RATE_LIMITED},
    {WP_E_NOT_FOUND, PAYPLE_NOT_FOUND},
    {WP_E_METHOD, PAYPLE_METHOD},
    {WP_E_TOO_LARGE, PAYPLE_TOO_LARGE},
    {WP_E_URI_TOO_LONG, PAYPLE_FIELD},
};

enum payple_code payple_code_of_status(wp_status st)
{
	return (enum payple_code)wp_status_code(status_codes, WP_COUNT(status_codes), st,
						PAYPLE_SYSTEM);
}
