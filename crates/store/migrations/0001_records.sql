-- closedloop schema, part 1: people and the records that describe them.
-- Conventions: timestamps are INTEGER milliseconds since the Unix epoch (UTC); dates are TEXT
-- YYYY-MM-DD; booleans are INTEGER 0/1; JSON is TEXT. Never edit a migration once released:
-- add a new one.

-- One row per human across systems.
CREATE TABLE persons (
    id          INTEGER PRIMARY KEY,
    email       TEXT,                                   -- the primary normalised email
    merged_into INTEGER REFERENCES persons(id),         -- set when identity merged this person into another
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX persons_email ON persons(email);

-- The identity map: every external person record, and the person it belongs to.
CREATE TABLE identity_links (
    system      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    external_id TEXT NOT NULL,
    person_id   INTEGER NOT NULL REFERENCES persons(id),
    email       TEXT,
    is_primary  INTEGER NOT NULL DEFAULT 0,             -- the record pushes go to, per system and object type
    reason      TEXT NOT NULL,                          -- why linked: email, conversion, merge, own
    linked_at   INTEGER NOT NULL,
    PRIMARY KEY (system, object_type, external_id)
) WITHOUT ROWID;
CREATE INDEX identity_links_person ON identity_links(person_id);
CREATE INDEX identity_links_email ON identity_links(email);

-- The raw payload of each mutable source object as last read, with a content hash.
CREATE TABLE source_snapshots (
    system            TEXT NOT NULL,
    object_type       TEXT NOT NULL,
    external_id       TEXT NOT NULL,
    content_hash      TEXT NOT NULL,
    payload           TEXT NOT NULL,
    source_updated_at INTEGER,
    fetched_at        INTEGER NOT NULL,
    PRIMARY KEY (system, object_type, external_id)
) WITHOUT ROWID;

-- Marketing-platform contacts (HubSpot).
CREATE TABLE marketing_contacts (
    system                   TEXT NOT NULL,
    id                       TEXT NOT NULL,
    email                    TEXT,
    first_name               TEXT,
    last_name                TEXT,
    lifecycle_stage          TEXT,
    lead_status              TEXT,
    original_source          TEXT,
    original_source_detail_1 TEXT,
    original_source_detail_2 TEXT,
    latest_source            TEXT,
    latest_source_detail_1   TEXT,
    latest_source_detail_2   TEXT,
    owner_id                 TEXT,
    lifecycle_dates          TEXT NOT NULL DEFAULT '{}',   -- {"lead": ms, "marketingqualifiedlead": ms, ...}
    merged_ids               TEXT NOT NULL DEFAULT '[]',
    fields                   TEXT NOT NULL DEFAULT '{}',   -- configured extra and pushed properties, raw
    created_at               INTEGER NOT NULL,
    updated_at               INTEGER NOT NULL,
    archived                 INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (system, id)
) WITHOUT ROWID;
CREATE INDEX marketing_contacts_email ON marketing_contacts(email);

-- CRM leads (Salesforce Lead).
CREATE TABLE crm_leads (
    system                   TEXT NOT NULL,
    id                       TEXT NOT NULL,
    email                    TEXT,
    first_name               TEXT,
    last_name                TEXT,
    company                  TEXT,
    status_raw               TEXT,
    status                   TEXT,
    disqualification_reason  TEXT,
    lead_source              TEXT,
    owner_id                 TEXT,
    converted_contact_id     TEXT,
    converted_opportunity_id TEXT,
    converted_at             INTEGER,
    fields                   TEXT NOT NULL DEFAULT '{}',
    created_at               INTEGER NOT NULL,
    modified_at              INTEGER NOT NULL,
    deleted                  INTEGER NOT NULL DEFAULT 0,
    merged_into              TEXT,
    PRIMARY KEY (system, id)
) WITHOUT ROWID;
CREATE INDEX crm_leads_email ON crm_leads(email);

-- CRM contacts (Salesforce Contact).
CREATE TABLE crm_contacts (
    system      TEXT NOT NULL,
    id          TEXT NOT NULL,
    email       TEXT,
    first_name  TEXT,
    last_name   TEXT,
    account_id  TEXT,
    lead_source TEXT,
    owner_id    TEXT,
    fields      TEXT NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL,
    modified_at INTEGER NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0,
    merged_into TEXT,
    PRIMARY KEY (system, id)
) WITHOUT ROWID;
CREATE INDEX crm_contacts_email ON crm_contacts(email);

-- Deals and opportunities.
CREATE TABLE deals (
    system          TEXT NOT NULL,
    id              TEXT NOT NULL,
    name            TEXT,
    pipeline        TEXT NOT NULL,
    stage_id        TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'won', 'lost')),
    amount_minor    INTEGER,
    currency        TEXT,
    close_date      TEXT,
    close_reason    TEXT,
    lead_source     TEXT,
    campaign_system TEXT,
    campaign_id     TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    deleted         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (system, id)
) WITHOUT ROWID;

-- Which person records a deal is tied to.
CREATE TABLE deal_contacts (
    deal_system    TEXT NOT NULL,
    deal_id        TEXT NOT NULL,
    contact_system TEXT NOT NULL,
    contact_object TEXT NOT NULL,
    contact_id     TEXT NOT NULL,
    PRIMARY KEY (deal_system, deal_id, contact_system, contact_object, contact_id)
) WITHOUT ROWID;
CREATE INDEX deal_contacts_contact ON deal_contacts(contact_system, contact_object, contact_id);

-- Stage changes of person records and deals: lifecycle stage, lead status, deal stage.
CREATE TABLE stage_changes (
    id             INTEGER PRIMARY KEY,
    subject_system TEXT NOT NULL,
    subject_object TEXT NOT NULL,
    subject_id     TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('lifecycle', 'lead_status', 'deal_stage')),
    value          TEXT NOT NULL,          -- lifecycle stage, closedloop lead status, or deal stage id
    raw            TEXT,                   -- the CRM's raw lead status
    reason         TEXT,                   -- disqualification reason
    pipeline       TEXT,                   -- deal stages: the pipeline
    deal_status    TEXT,                   -- deal stages: open, won, lost
    amount_minor   INTEGER,                -- deal stages: the amount at that moment
    currency       TEXT,
    occurred_at    INTEGER NOT NULL,
    source_system  TEXT NOT NULL,
    source_ref     TEXT,
    UNIQUE (subject_system, subject_object, subject_id, kind, value, occurred_at)
);
CREATE INDEX stage_changes_subject ON stage_changes(subject_system, subject_object, subject_id, occurred_at);

-- Marketing touchpoints, stored once per source event.
CREATE TABLE touchpoints (
    id                        INTEGER PRIMARY KEY,
    source_system             TEXT NOT NULL,
    source_event_id           TEXT NOT NULL,
    subject_system            TEXT NOT NULL,
    subject_object            TEXT NOT NULL,
    subject_id                TEXT NOT NULL,
    kind                      TEXT NOT NULL,
    occurred_at               INTEGER NOT NULL,
    channel                   TEXT,
    campaign_system           TEXT,
    campaign_id               TEXT,
    content_key               TEXT,
    depth_kind                TEXT,         -- watched, share, count
    depth_seconds             INTEGER,
    depth_percent_hundredths  INTEGER,
    depth_count               INTEGER,
    detail                    TEXT,
    UNIQUE (source_system, source_event_id)
);
CREATE INDEX touchpoints_subject ON touchpoints(subject_system, subject_object, subject_id, occurred_at);
CREATE INDEX touchpoints_campaign ON touchpoints(campaign_system, campaign_id);
CREATE INDEX touchpoints_content ON touchpoints(content_key);

-- Sales activities: calls, emails, meetings.
CREATE TABLE sales_activities (
    system      TEXT NOT NULL,
    id          TEXT NOT NULL,
    who_system  TEXT NOT NULL,
    who_object  TEXT NOT NULL,
    who_id      TEXT NOT NULL,
    deal_system TEXT,
    deal_id     TEXT,
    kind        TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    owner_id    TEXT,
    subject     TEXT,
    outcome     TEXT,
    deleted     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (system, id)
) WITHOUT ROWID;
CREATE INDEX sales_activities_who ON sales_activities(who_system, who_object, who_id, occurred_at);

CREATE TABLE campaigns (
    system    TEXT NOT NULL,
    id        TEXT NOT NULL,
    name      TEXT NOT NULL,
    channel   TEXT,
    kind      TEXT,
    starts_on TEXT,
    ends_on   TEXT,
    PRIMARY KEY (system, id)
) WITHOUT ROWID;

CREATE TABLE content_assets (
    key              TEXT PRIMARY KEY,
    kind             TEXT NOT NULL,
    title            TEXT NOT NULL,
    url              TEXT,
    campaign_system  TEXT,
    campaign_id      TEXT,
    duration_seconds INTEGER
) WITHOUT ROWID;

CREATE TABLE owners (
    system TEXT NOT NULL,
    id     TEXT NOT NULL,
    email  TEXT,
    name   TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (system, id)
) WITHOUT ROWID;
CREATE INDEX owners_email ON owners(email);

CREATE TABLE pipelines (
    system     TEXT NOT NULL,
    id         TEXT NOT NULL,
    label      TEXT NOT NULL,
    updated_at INTEGER,
    PRIMARY KEY (system, id)
) WITHOUT ROWID;

CREATE TABLE pipeline_stages (
    system        TEXT NOT NULL,
    pipeline_id   TEXT NOT NULL,
    stage_id      TEXT NOT NULL,
    label         TEXT NOT NULL,
    display_order INTEGER NOT NULL,
    probability   REAL,
    is_closed     INTEGER NOT NULL,
    is_won        INTEGER NOT NULL,
    PRIMARY KEY (system, pipeline_id, stage_id),
    FOREIGN KEY (system, pipeline_id) REFERENCES pipelines(system, id) ON DELETE CASCADE
) WITHOUT ROWID;

-- Merges reported by a source: `merged_id` lives on as `survivor_id`.
CREATE TABLE record_merges (
    system      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    merged_id   TEXT NOT NULL,
    survivor_id TEXT NOT NULL,
    merged_at   INTEGER,
    PRIMARY KEY (system, object_type, merged_id)
) WITHOUT ROWID;
