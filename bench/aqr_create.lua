-- wrk script for bench/aqr.sh: every request is an AQR create (POST /api/).
-- The body is constant; the server picks a fresh keyword for each create.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["AQR-DEVELOPER-TOKEN"] = "aqr_sandbox_token"
wrk.body = "email_address=sandbox@example.com&account_number=1234567894321&bank_id=1"
	.. "&account_owner=%ED%99%8D%EA%B8%B8%EB%8F%99&phone_number=01012341234"
	.. "&account_name=bench&action=create"
