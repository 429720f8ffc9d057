"""Contract test: simple-salesforce (the most used Python SDK for Salesforce) against closedloop's simulator.

Run by tests/it/sdk_salesforce.rs, which starts the simulator with a known world and passes:
  SF_TLS_URL        https://127.0.0.1:PORT  (simple-salesforce only speaks https)
  SF_HTTP_URL       http://127.0.0.1:PORT   (the same org over plain HTTP; used for /__sim/ controls)
  SF_CERT           the simulator's self-signed certificate (PEM), trusted by the requests session
  SF_TOKEN          a valid session id
  SF_CLIENT_ID, SF_CLIENT_SECRET, SF_REFRESH_TOKEN   the connected app, for the OAuth token endpoint
  EXPECTED_LEADS    live leads in the world
  EXPECTED_DELETED  leads deleted two days ago (in the recycle bin)

The SDK is used as shipped: it is pointed at the simulator through `instance_url` and `session`,
nothing else. If it cannot use a response, the simulator is wrong: fix the simulator, not this
script. Exits non-zero on the first broken expectation.
"""

import datetime
import os

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

TLS = os.environ["SF_TLS_URL"]
HTTP = os.environ["SF_HTTP_URL"]
CERT = os.environ["SF_CERT"]
TOKEN = os.environ["SF_TOKEN"]
CLIENT_ID = os.environ["SF_CLIENT_ID"]
CLIENT_SECRET = os.environ["SF_CLIENT_SECRET"]
REFRESH_TOKEN = os.environ["SF_REFRESH_TOKEN"]
EXPECTED_LEADS = int(os.environ["EXPECTED_LEADS"])
EXPECTED_DELETED = int(os.environ["EXPECTED_DELETED"])

# requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a session's `verify` (psf/requests#3829);
# many machines set them. Drop them so the session's own trust setting is the one in force.
for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
    os.environ.pop(variable, None)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def connect(token):
    session = requests.Session()
    session.verify = CERT
    return Salesforce(instance_url=TLS, session_id=token, session=session, version="59.0")


def admin(method, path, body=None):
    """The simulator's own /__sim/ routes (not Salesforce's): faults, quota, sessions, conversion."""
    response = requests.request(method, HTTP + path, json=body, timeout=10)
    check(response.status_code in (200, 204), f"{method} {path} -> {response.status_code} {response.text}")
    return response.json() if response.content else None


def expect(call, exception_type, status, error_code=None):
    """Runs `call`, which must raise the SDK's own exception type; returns the error body."""
    try:
        call()
    except exception_type as e:
        check(e.status == status, f"{exception_type.__name__}: status {e.status}, expected {status}")
        if error_code is not None:
            check(e.content[0]["errorCode"] == error_code, f"expected {error_code}, got {e.content}")
        return e.content
    raise AssertionError(f"expected {exception_type.__name__}")


def main():
    sf = connect(TOKEN)

    # --- SOQL: query + query_more, batch sizes, query_all, queryAll with deleted rows -----------
    soql = "SELECT Id, Email, SystemModstamp FROM Lead ORDER BY SystemModstamp, Id"
    first = sf.query(soql)
    check(first["totalSize"] == EXPECTED_LEADS, f"totalSize {first['totalSize']}")
    check(first["done"] is False and len(first["records"]) == 2000, "first page holds 2000 records")
    check(first["records"][0]["attributes"]["type"] == "Lead", "records carry attributes")
    seen = [r["Id"] for r in first["records"]]
    page = first
    while not page["done"]:
        page = sf.query_more(page["nextRecordsUrl"], identifier_is_url=True)
        seen.extend(r["Id"] for r in page["records"])
    check(len(seen) == EXPECTED_LEADS == len(set(seen)), f"paged {len(seen)} ids, {len(set(seen))} distinct")
    stamps = [(r["SystemModstamp"], r["Id"]) for r in first["records"]]
    check(stamps == sorted(stamps), "ORDER BY SystemModstamp, Id is honoured")

    small = sf.query("SELECT Id FROM Lead", headers={"Sforce-Query-Options": "batchSize=500"})
    check(len(small["records"]) == 500, f"batchSize=500 gave {len(small['records'])}")
    locator = small["nextRecordsUrl"].rsplit("/", 1)[1]
    more = sf.query_more(locator)
    check(len(more["records"]) == 500, "query_more by locator id keeps the batch size")

    everything = sf.query_all("SELECT Id FROM Lead")
    check(everything["totalSize"] == EXPECTED_LEADS, f"query_all {everything['totalSize']}")
    with_deleted = sf.query_all("SELECT Id, IsDeleted FROM Lead", include_deleted=True)
    deleted = [r for r in with_deleted["records"] if r["IsDeleted"]]
    check(len(deleted) == EXPECTED_DELETED, f"queryAll saw {len(deleted)} deleted leads")
    iterated = sum(1 for _ in sf.query_all_iter("SELECT Id FROM Lead WHERE LastName LIKE 'Last1%'"))
    check(iterated == sf.query("SELECT COUNT() FROM Lead WHERE LastName LIKE 'Last1%'")["totalSize"], "COUNT() agrees")
    obrien = sf.query("SELECT Id, LastName FROM Lead WHERE LastName = 'O\\'Brien'")
    check(obrien["totalSize"] == 1 and obrien["records"][0]["LastName"] == "O'Brien", "escaped quotes match exactly")

    # --- sObjects: get, update, create, delete, describe, upsert by external id -----------------
    lead_id = seen[0]
    lead = sf.Lead.get(lead_id)
    check(lead["Id"] == lead_id and lead["attributes"]["url"].endswith(lead_id), "get returns the record")
    check(sf.Lead.update(lead_id, {"Title": "VP Marketing", "First_Touch__c": "Webinar"}) == 204, "update is 204")
    check(sf.Lead.get(lead_id)["Title"] == "VP Marketing", "update is visible")
    created = sf.Lead.create({"LastName": "Sdk", "Company": "Contract", "Email": "sdk@example.com"})
    check(created["success"] is True and created["id"].startswith("00Q"), f"create: {created}")
    check(sf.Lead.delete(created["id"]) == 204, "delete is 204")
    expect(lambda: sf.Lead.get(created["id"]), SalesforceResourceNotFound, 404, "ENTITY_IS_DELETED")
    describe = sf.Lead.describe()
    names = {f["name"]: f for f in describe["fields"]}
    check(names["Closedloop_Id__c"]["externalId"] is True and names["Status"]["restrictedPicklist"] is True, "describe")
    check(any(o["name"] == "Lead" for o in sf.describe()["sobjects"]), "global describe lists Lead")
    check(sf.Lead.metadata()["objectDescribe"]["keyPrefix"] == "00Q", "basic info")
    check(sf.Lead.upsert("Closedloop_Id__c/cl-77", {"LastName": "Upsert", "Company": "Sdk"}) == 201, "upsert creates")
    check(sf.Lead.upsert("Closedloop_Id__c/cl-77", {"Title": "Again"}) == 200, "upsert updates")
    check(sf.Lead.get_by_custom_id("Closedloop_Id__c", "cl-77")["Title"] == "Again", "get by external id")
    expect(lambda: sf.Lead.get_by_custom_id("Legacy_Key__c", "dup"), SalesforceMoreThanOneRecord, 300)

    # --- composite/sobjects through sf.restful ---------------------------------------------------
    records = [
        {"attributes": {"type": "Lead"}, "id": seen[1], "First_Touch__c": "Ebook"},
        {"attributes": {"type": "Lead"}, "id": seen[2], "Status": "Not A Status"},
        {"attributes": {"type": "Lead"}, "id": seen[3], "First_Touch__c": "Demo"},
    ]
    results = sf.restful("composite/sobjects", method="PATCH", json={"allOrNone": False, "records": records})
    check([r["success"] for r in results] == [True, False, True], f"per-record results in order: {results}")
    check(results[1]["errors"][0]["statusCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", f"{results[1]}")
    check(sf.Lead.get(seen[3])["First_Touch__c"] == "Demo", "partial success committed the good records")
    upserts = [
        {"attributes": {"type": "Lead"}, "Closedloop_Id__c": "cl-77", "Title": "Third"},
        {"attributes": {"type": "Lead"}, "Closedloop_Id__c": "cl-78", "LastName": "New", "Company": "Sdk"},
    ]
    results = sf.restful("composite/sobjects/Lead/Closedloop_Id__c", method="PATCH", json={"allOrNone": True, "records": upserts})
    check([r["created"] for r in results] == [False, True], f"upsert created flags: {results}")
    too_many = [{"attributes": {"type": "Lead"}, "id": seen[1], "Title": "x"}] * 201
    expect(lambda: sf.restful("composite/sobjects", method="PATCH", json={"records": too_many}), SalesforceMalformedRequest, 400, "EXCEEDED_ID_LIMIT")

    # --- limits, usage header, replication ------------------------------------------------------
    limits = sf.limits()
    check(limits["DailyApiRequests"]["Max"] >= limits["DailyApiRequests"]["Remaining"] > 0, f"limits {limits['DailyApiRequests']}")
    check(sf.api_usage["api-usage"].used > 10, f"Sforce-Limit-Info parsed: {sf.api_usage}")
    now = datetime.datetime.now(datetime.timezone.utc)
    gone = sf.Lead.deleted(now - datetime.timedelta(days=5), now)
    # The lead deleted a moment ago is covered only once its minute is over (latestDateCovered).
    check(len(gone["deletedRecords"]) in (EXPECTED_DELETED, EXPECTED_DELETED + 1), f"deleted: {len(gone['deletedRecords'])}")
    check("earliestDateAvailable" in gone and "latestDateCovered" in gone, "replication dates")
    changed = sf.Lead.updated(now - datetime.timedelta(days=1), now + datetime.timedelta(minutes=5))
    check(isinstance(changed["ids"], list), "updated ids")

    # --- errors, in the SDK's own exception types -----------------------------------------------
    body = expect(lambda: sf.query("SELECT Id FROM Lead WHERE"), SalesforceMalformedRequest, 400, "MALFORMED_QUERY")
    check("ERROR at Row:1" in body[0]["message"], "Salesforce's message format")
    expect(lambda: sf.query("SELECT Nope__c FROM Lead"), SalesforceMalformedRequest, 400, "INVALID_FIELD")
    expect(lambda: sf.Lead.get("00Q000000000000AAA"), SalesforceResourceNotFound, 404, "NOT_FOUND")
    expect(lambda: sf.Lead.update(seen[4], {"Email": "broken"}), SalesforceMalformedRequest, 400, "INVALID_EMAIL_ADDRESS")

    admin("PUT", "/__sim/faults", {"rate_500": 1.0})
    expect(lambda: sf.query("SELECT Id FROM Lead LIMIT 1"), SalesforceGeneralError, 500, "UNKNOWN_EXCEPTION")
    admin("PUT", "/__sim/faults", {})

    admin("POST", "/__sim/quota/exhaust")
    content = expect(lambda: sf.query("SELECT Id FROM Lead LIMIT 1"), SalesforceRefusedRequest, 403, "REQUEST_LIMIT_EXCEEDED")
    check(content[0]["message"] == "TotalRequests Limit exceeded.", f"{content}")
    admin("POST", "/__sim/quota/restore")

    admin("POST", "/__sim/tokens/expire")
    expect(lambda: sf.query("SELECT Id FROM Lead LIMIT 1"), SalesforceExpiredSession, 401, "INVALID_SESSION_ID")
    grant = requests.post(
        TLS + "/services/oauth2/token",
        data={"grant_type": "refresh_token", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "refresh_token": REFRESH_TOKEN},
        verify=CERT,
        timeout=10,
    )
    check(grant.status_code == 200, f"refresh: {grant.status_code} {grant.text}")
    check(grant.json()["instance_url"] == TLS, "instance_url names the listener that was asked")
    sf = connect(grant.json()["access_token"])
    check(sf.query("SELECT COUNT() FROM Lead")["totalSize"] == EXPECTED_LEADS + 2, "the refreshed session works (two upserted leads)")

    print(f"simple-salesforce contract: ok ({len(seen)} leads paged)")


if __name__ == "__main__":
    main()
