"""Contract test: HubSpot's official Python SDK (hubspot-api-client) against closedloop's simulator.

Run by tests/it/sdk_hubspot.rs, which starts the simulator with a known world and passes:
  HUBSPOT_BASE_URL   http://127.0.0.1:PORT (the SDK's `host`, the only thing pointed elsewhere)
  HUBSPOT_TOKEN      the integration's access token
  EXPECTED_CONTACTS  live contacts in the world
  EXPECTED_DEALS     deals in the world
  EXPECTED_LEADS     contacts whose lifecyclestage is "lead"
  EXPECTED_ATTENDEES participations in the webinar

If the SDK cannot deserialize a response, or sees a different shape, the simulator is wrong:
fix the simulator, not this script. Exits non-zero on the first broken expectation.
"""

import datetime
import json
import os
import sys

import hubspot
import requests
from hubspot.crm.contacts import ApiException as ContactsApiException
from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInput,
    BatchReadInputSimplePublicObjectId,
    Filter,
    FilterGroup,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInput,
    SimplePublicObjectId,
)
from hubspot.crm.deals import ApiException as DealsApiException
from hubspot.crm.properties import ApiException as PropertiesApiException
from hubspot.crm.properties import PropertyCreate

BASE = os.environ["HUBSPOT_BASE_URL"]
TOKEN = os.environ["HUBSPOT_TOKEN"]
EXPECTED_CONTACTS = int(os.environ["EXPECTED_CONTACTS"])
EXPECTED_DEALS = int(os.environ["EXPECTED_DEALS"])
EXPECTED_LEADS = int(os.environ["EXPECTED_LEADS"])
EXPECTED_ATTENDEES = int(os.environ["EXPECTED_ATTENDEES"])

client = hubspot.Client.create(access_token=TOKEN, host=BASE)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def admin(method, path, body=None):
    """The simulator's own /__sim/ routes (not HubSpot's): faults, limits, clock."""
    response = requests.request(method, BASE + path, json=body, timeout=10)
    check(response.status_code in (200, 204), f"{method} {path} -> {response.status_code} {response.text}")
    return response.json() if response.content else None


def expect_api_exception(call, exception_type, status):
    """Runs `call`, which must raise the SDK's own exception type with `status`; returns its body."""
    try:
        call()
    except exception_type as e:
        check(e.status == status, f"expected HTTP {status}, got {e.status}: {e.body}")
        body = json.loads(e.body)
        check(body.get("status") == "error", f"error body has status=error: {body}")
        check(isinstance(body.get("correlationId"), str), f"error body has a correlationId: {body}")
        return body, e
    raise AssertionError(f"expected {exception_type.__module__}.{exception_type.__name__} with status {status}")


def step(name):
    print(f"--- {name}", flush=True)


step("page through contacts")
contacts = []
after = None
pages = 0
while True:
    page = client.crm.contacts.basic_api.get_page(limit=100, after=after, properties=["email", "lifecyclestage", "createdate"])
    pages += 1
    contacts.extend(page.results)
    if page.paging is None:
        break
    after = page.paging.next.after
check(len(contacts) == EXPECTED_CONTACTS, f"{len(contacts)} contacts paged, expected {EXPECTED_CONTACTS}")
check(pages == (EXPECTED_CONTACTS + 99) // 100, f"{pages} pages")
check(len({c.id for c in contacts}) == len(contacts), "no duplicates across pages")
for c in contacts:
    check(isinstance(c.created_at, datetime.datetime) and c.created_at.tzinfo is not None, "createdAt is an aware datetime")
    check(all(v is None or isinstance(v, str) for v in c.properties.values()), "every property value is a string")
helper = client.crm.contacts.get_all(properties=["email"])
check(sorted(c.id for c in helper) == sorted(c.id for c in contacts), "the SDK's get_all helper agrees")

step("page through deals with stage history")
deals = []
after = None
while True:
    page = client.crm.deals.basic_api.get_page(limit=50, after=after, properties=["dealname", "amount", "dealstage"], properties_with_history=["dealstage"], associations=["contacts"])
    deals.extend(page.results)
    if page.paging is None:
        break
    after = page.paging.next.after
check(len(deals) == EXPECTED_DEALS, f"{len(deals)} deals, expected {EXPECTED_DEALS}")
for d in deals:
    history = d.properties_with_history["dealstage"]
    check(len(history) >= 1, "every deal has a stage history")
    check(history[0].value == d.properties["dealstage"], "history is newest first")
    check(all(isinstance(h.timestamp, datetime.datetime) for h in history), "history timestamps are datetimes")
    check(all(h.source_type for h in history), "every value has a sourceType")
    check(d.associations["contacts"].results[0].type == "deal_to_contact", "deals list their contact")

step("search with filters, a sort and paging")
seen = []
after = None
while True:
    request = PublicObjectSearchRequest(
        filter_groups=[FilterGroup(filters=[Filter(property_name="lifecyclestage", operator="EQ", value="lead")])],
        sorts=[{"propertyName": "createdate", "direction": "DESCENDING"}],
        properties=["email", "createdate", "lifecyclestage"],
        limit=25,
        after=after,
    )
    result = client.crm.contacts.search_api.do_search(public_object_search_request=request)
    check(result.total == EXPECTED_LEADS, f"search total {result.total}, expected {EXPECTED_LEADS}")
    seen.extend(result.results)
    if result.paging is None:
        break
    after = result.paging.next.after
check(len(seen) == EXPECTED_LEADS, f"paged {len(seen)} search results")
check(all(r.properties["lifecyclestage"] == "lead" for r in seen), "the filter holds")
created = [r.properties["createdate"] for r in seen]
check(created == sorted(created, reverse=True), "sorted by createdate, descending")
domain = client.crm.contacts.search_api.do_search(
    public_object_search_request=PublicObjectSearchRequest(
        filter_groups=[FilterGroup(filters=[Filter(property_name="email", operator="CONTAINS_TOKEN", value="*@acme0.test")])],
        sorts=["hs_object_id"],
        limit=200,
    )
)
check(domain.total > 0 and all(r.properties["email"].endswith("@acme0.test") for r in domain.results), "token search")

step("batch update, read back, and a partial failure")
targets = [c.id for c in contacts[:5]]
updated = client.crm.contacts.batch_api.update(
    batch_input_simple_public_object_batch_input=BatchInputSimplePublicObjectBatchInput(
        inputs=[SimplePublicObjectBatchInput(id=t, properties={"hs_lead_status": "CONNECTED", "jobtitle": f"Buyer {t}"}) for t in targets]
    )
)
check(updated.status == "COMPLETE" and len(updated.results) == 5, f"batch update: {updated.status}, {len(updated.results)} results")
read = client.crm.contacts.batch_api.read(
    batch_read_input_simple_public_object_id=BatchReadInputSimplePublicObjectId(
        inputs=[SimplePublicObjectId(id=t) for t in targets], properties=["hs_lead_status", "jobtitle"], properties_with_history=["hs_lead_status"]
    )
)
by_id = {r.id: r for r in read.results}
for t in targets:
    check(by_id[t].properties["hs_lead_status"] == "CONNECTED", "the update reads back")
    check(by_id[t].properties["jobtitle"] == f"Buyer {t}", "the update reads back")
    latest = by_id[t].properties_with_history["hs_lead_status"][0]
    check(latest.source_type == "INTEGRATION", f"our write is recorded as the integration's: {latest.source_type}")
partial = client.crm.contacts.batch_api.update(
    batch_input_simple_public_object_batch_input=BatchInputSimplePublicObjectBatchInput(
        inputs=[
            SimplePublicObjectBatchInput(id=targets[0], properties={"lifecyclestage": "customer"}),
            SimplePublicObjectBatchInput(id="999999999", properties={"lifecyclestage": "customer"}),
            SimplePublicObjectBatchInput(id=targets[1], properties={"lifecyclestage": "not-a-stage"}),
        ]
    )
)
check(partial.num_errors == 2, f"207 with two errors, got {partial.num_errors}")
check(sorted(e.category for e in partial.errors) == ["OBJECT_NOT_FOUND", "VALIDATION_ERROR"], "error categories")
check([r.id for r in partial.results] == [targets[0]], "the valid input was applied")

step("pipelines")
pipelines = client.crm.pipelines.pipelines_api.get_all(object_type="deals").results
default = next(p for p in pipelines if p.id == "default")
stages = {s.id: s for s in default.stages}
check(stages["closedwon"].metadata == {"isClosed": "true", "probability": "1.0"}, f"closedwon metadata {stages['closedwon'].metadata}")
check(stages["appointmentscheduled"].metadata["isClosed"] == "false", "open stage")

step("marketing events and participations")
events = client.marketing.events.basic_api.get_all(limit=10).results
check(len(events) >= 1, "a marketing event")
webinar = next(e for e in events if e.event_type == "WEBINAR")
participations = []
after = None
while True:
    page = client.marketing.events.retrieve_participant_state_api.get_participations_breakdown_by_marketing_event_id(
        marketing_event_id=int(webinar.object_id), limit=100, after=after
    )
    check(page.total == EXPECTED_ATTENDEES, f"breakdown total {page.total}, expected {EXPECTED_ATTENDEES}")
    participations.extend(page.results)
    if page.paging is None:
        break
    after = page.paging.next.after
check(len(participations) == EXPECTED_ATTENDEES, f"paged {len(participations)} participations")
attended = [p for p in participations if p.properties.attendance_state == "ATTENDED"]
check(len(attended) > 0, "some attended")
for p in attended:
    check(isinstance(p.properties.attendance_duration_seconds, int), "duration in seconds")
    check(isinstance(p.properties.attendance_percentage, str), "percentage as a string")
    check(isinstance(p.properties.occurred_at, int) and p.properties.occurred_at > 1_600_000_000_000, "occurredAt in epoch ms")
    check(p.associations.contact.email and p.associations.marketing_event.marketing_event_id == webinar.object_id, "associations")
counters = client.marketing.events.retrieve_participant_state_api.get_participations_counters_by_marketing_event_id(marketing_event_id=int(webinar.object_id))
check(counters.attended == len(attended), f"counters {counters}")

step("owners")
first = client.crm.owners.owners_api.get_page(limit=1)
check(len(first.results) == 1 and first.paging.next.after, "owners page")
rest = client.crm.owners.owners_api.get_page(limit=100, after=first.paging.next.after)
everyone = first.results + rest.results
check(len(everyone) == 3 and all(o.type == "PERSON" for o in everyone), f"{len(everyone)} owners")
by_email = client.crm.owners.owners_api.get_page(email=everyone[1].email)
check([o.id for o in by_email.results] == [everyone[1].id], "owner email filter")

step("properties")
props = client.crm.properties.core_api.get_all(object_type="contacts").results
stage = next(p for p in props if p.name == "lifecyclestage")
check(stage.type == "enumeration" and len(stage.options) == 8, "lifecyclestage options")
created = client.crm.properties.core_api.create(
    object_type="contacts",
    property_create=PropertyCreate(name="closedloop_sdk_check", label="SDK check", type="string", field_type="text", group_name="contactinformation"),
)
check(created.name == "closedloop_sdk_check", "created a property")
body, _ = expect_api_exception(
    lambda: client.crm.properties.core_api.create(
        object_type="contacts",
        property_create=PropertyCreate(name="closedloop_sdk_check", label="SDK check", type="string", field_type="text", group_name="contactinformation"),
    ),
    PropertiesApiException,
    409,
)

step("associations v4 and the Events API")
with_deal = deals[0].associations["contacts"].results[0].id
assoc = client.crm.associations.v4.basic_api.get_page(object_type="contacts", object_id=with_deal, to_object_type="deals")
check(any(a.association_types[0].type_id == 4 for a in assoc.results), "contact→deal type 4")
timeline = client.events.events_api.get_page(object_type="contact", object_id=int(with_deal), limit=10)
check(all(isinstance(e.occurred_at, datetime.datetime) and e.event_type.startswith("e_") for e in timeline.results), "events")

step("the SDK's own exceptions: 404, 400, 401, 429")
body, _ = expect_api_exception(lambda: client.crm.contacts.basic_api.get_by_id(contact_id="999999999"), ContactsApiException, 404)
check(body["category"] == "OBJECT_NOT_FOUND", f"404 category: {body}")
body, _ = expect_api_exception(
    lambda: client.crm.contacts.search_api.do_search(public_object_search_request=PublicObjectSearchRequest(limit=201)),
    ContactsApiException,
    400,
)
check(body["category"] == "VALIDATION_ERROR", f"400 category: {body}")
stranger = hubspot.Client.create(access_token="not-a-token", host=BASE)
body, _ = expect_api_exception(lambda: stranger.crm.contacts.basic_api.get_page(limit=1), ContactsApiException, 401)
check(body["category"] == "INVALID_AUTHENTICATION", f"401 category: {body}")
# A 429 from the rate limiter: one search per second, on a frozen clock, so the second one is refused.
limits = admin("GET", "/__sim/limits")
admin("POST", "/__sim/clock/freeze")
admin("POST", "/__sim/clock/advance", {"ms": 1000})  # leave the searches made so far behind
admin("PUT", "/__sim/limits", dict(limits, search_per_second=1))
client.crm.deals.search_api.do_search(public_object_search_request=PublicObjectSearchRequest(limit=1))
body, error = expect_api_exception(
    lambda: client.crm.deals.search_api.do_search(public_object_search_request=PublicObjectSearchRequest(limit=1)), DealsApiException, 429
)
check(body["errorType"] == "RATE_LIMIT" and body["policyName"] == "SECONDLY", f"429 body: {body}")
check(int(error.headers["Retry-After"]) >= 1, "Retry-After")
admin("PUT", "/__sim/limits", limits)
admin("POST", "/__sim/clock/unfreeze")
# And an injected one: every call fails with HubSpot's ten-secondly body until faults are cleared.
admin("PUT", "/__sim/faults", {"rate_429": 1.0})
body, _ = expect_api_exception(lambda: client.crm.deals.basic_api.get_page(limit=1), DealsApiException, 429)
check(body["policyName"] == "TEN_SECONDLY_ROLLING", f"injected 429 body: {body}")
admin("PUT", "/__sim/faults", {})
check(len(client.crm.deals.basic_api.get_page(limit=1).results) == 1, "calls succeed once faults are cleared")

print("hubspot SDK contract: all checks passed", flush=True)
sys.exit(0)
