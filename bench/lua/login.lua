-- wrk script: POST /v1/auth/token with the credentials in BENCH_LOGIN ({"username":…,"password":…}).
wrk.method = "POST"
wrk.body = os.getenv("BENCH_LOGIN")
wrk.headers["Content-Type"] = "application/json"
