"""closedloop's webhook signatures, checked by HubSpot's own SDK (hubspot-api-client).

The Rust test signs deliveries with closedloop's implementation and passes them in
CLOSEDLOOP_SIGNED (JSON); each must pass `Signature.is_valid(..., signature_version="v3")`, and a
tampered copy must fail it.
"""
import json
import os
import sys

from hubspot.utils.signature import Signature

cases = json.loads(os.environ["CLOSEDLOOP_SIGNED"])
secret = os.environ["CLOSEDLOOP_SECRET"]
failures = []
for case in cases:
    ok = Signature.is_valid(
        signature=case["signature"],
        client_secret=secret,
        request_body=case["body"],
        http_uri=case["uri"],
        http_method=case["method"],
        signature_version="v3",
        timestamp=case["timestamp"],
    )
    if not ok:
        failures.append(("genuine rejected", case["uri"]))
    tampered = Signature.is_valid(
        signature=case["signature"],
        client_secret=secret,
        request_body=case["body"] + " ",
        http_uri=case["uri"],
        http_method=case["method"],
        signature_version="v3",
        timestamp=case["timestamp"],
    )
    if tampered:
        failures.append(("tampered accepted", case["uri"]))
if failures:
    print("signature mismatches:", failures, file=sys.stderr)
    sys.exit(1)
print(f"{len(cases)} signatures agree with hubspot-api-client")
