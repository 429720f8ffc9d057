-- closedloop schema, part 3: what reconcile derives. Identity persistence (link states, person
-- merges, duplicates) and, per person, milestones with their evidence, the SLA, the owner side,
-- the CRM gate, and attribution credits per conversion, model and touchpoint.
--
-- Written by reconcile only, one batch of people per transaction; every table here can be rebuilt
-- from the record tables (`closedloop_engine::reconcile::run_all`). The report computes every
-- figure from these tables and the record tables with SQL. Conventions as in 0001: INTEGER
-- milliseconds (UTC), booleans 0/1; vocabularies are the core's snake-case names unless a column
-- says otherwise. A record key written as three columns is (system, object type, id) as in
-- `identity_links`.

-- identity_links (0001) holds, per external person record:
--   is_primary: the record pushes go to, ONE PER PERSON AND SYSTEM (a Contact ranks before a Lead;
--               see closedloop_core::identity), not per object type as 0001's comment says;
--   reason:     why the record belongs to its person: conversion, merge, email, kept (the record
--               stays where it was linked under `on_email_change = "keep_links"`), own.
-- `state` says where the record stands, so reports can tell live records from history:
--   active, converted (a CRM lead converted into a contact: read-only history), merged_away,
--   deleted, alias (an id named only by a merge or conversion, never read as a record).
ALTER TABLE identity_links ADD COLUMN state TEXT NOT NULL DEFAULT 'active'
    CHECK (state IN ('active', 'converted', 'merged_away', 'deleted', 'alias'));
CREATE INDEX identity_links_primary ON identity_links(person_id, system) WHERE is_primary = 1;

-- Lookups reconcile's identity closure needs: the leads converted into a contact, the records a
-- survivor absorbed.
CREATE INDEX crm_leads_converted_contact ON crm_leads(system, converted_contact_id)
    WHERE converted_contact_id IS NOT NULL;
CREATE INDEX record_merges_survivor ON record_merges(system, object_type, survivor_id);

-- Person merges made by identity: `from_person` stopped being used, its records and history
-- belong to `into_person` (the older id). `persons.merged_into` always names the live person
-- (chains are collapsed); this table keeps each merge as it happened, for audit and for
-- following an old person id named in logs or exports.
CREATE TABLE person_merges (
    from_person INTEGER PRIMARY KEY REFERENCES persons(id),
    into_person INTEGER NOT NULL REFERENCES persons(id),
    merged_at   INTEGER NOT NULL                        -- when reconcile merged them
);
CREATE INDEX person_merges_into ON person_merges(into_person);

-- Active records beside the primary record of the same system and person: cleanup work for that
-- system, listed by `closedloop status` and the report. Rebuilt for a person whenever reconcile
-- recomputes them; a record that is no longer a duplicate disappears.
CREATE TABLE identity_duplicates (
    system           TEXT NOT NULL,                      -- the system holding both records
    duplicate_object TEXT NOT NULL,                      -- contact or lead
    duplicate_id     TEXT NOT NULL,
    person_id        INTEGER NOT NULL REFERENCES persons(id),
    primary_object   TEXT NOT NULL,                      -- the record pushes go to
    primary_id       TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('same_object', 'lead_beside_contact')),
    first_found_at   INTEGER NOT NULL,                   -- first reconcile that found it (kept across recomputes)
    PRIMARY KEY (system, duplicate_object, duplicate_id)
) WITHOUT ROWID;
CREATE INDEX identity_duplicates_person ON identity_duplicates(person_id);

-- One row per live person (persons.merged_into IS NULL) reconcile has computed: the funnel dates,
-- first sales contact, SLA, owner side, current stage and status, and the CRM gate. The dates are
-- the earliest evidence of each milestone (person_milestones says which); NULL when not reached.
CREATE TABLE person_results (
    person_id               INTEGER PRIMARY KEY REFERENCES persons(id),
    email                   TEXT,        -- the email reconcile used (primary marketing contact's, else the CRM record's)
    lead_at                 INTEGER,     -- became a lead
    mql_at                  INTEGER,     -- became a marketing-qualified lead
    sql_at                  INTEGER,     -- became a sales-qualified lead
    opportunity_at          INTEGER,     -- first opportunity
    won_at                  INTEGER,     -- first deal won
    lost_at                 INTEGER,     -- every deal lost (NULL while one is open or won)
    first_sales_contact_at  INTEGER,     -- first counted sales activity or status change at or after the SLA clock's start
    speed_to_lead_minutes   INTEGER,     -- whole minutes from the clock's start (the MQL date by default) to the first contact
    -- The SLA as evaluated at `sla_evaluated_at`. A pending SLA whose `sla_due_at` has passed is
    -- re-evaluated by the next reconcile run; a report at another instant can decide itself:
    -- breached = first_sales_contact_at > sla_due_at OR (first_sales_contact_at IS NULL AND sla_due_at < :now).
    sla_status              TEXT NOT NULL CHECK (sla_status IN ('not_applicable', 'met', 'pending', 'breached')),
    sla_due_at              INTEGER,     -- the contact deadline; NULL when not applicable
    sla_evaluated_at        INTEGER NOT NULL,
    owner_side              TEXT NOT NULL CHECK (owner_side IN ('marketing', 'sales')),
    owner_reason            TEXT NOT NULL CHECK (owner_reason IN
                                ('nurture', 'awaiting_assignment', 'assigned', 'open_deal', 'customer', 'returned', 'deals_lost')),
    owner_since             INTEGER,
    lifecycle_stage         TEXT,        -- furthest stage, HubSpot's spelling (marketingqualifiedlead, ...)
    lead_status             TEXT,        -- the best CRM lead's status in closedloop's vocabulary (new, ..., disqualified, converted)
    lead_status_raw         TEXT,        -- the CRM's own picklist value
    disqualification_reason TEXT,
    lead_status_since       INTEGER,     -- when the status was entered, when stage history shows it
    lead_status_system      TEXT,        -- the lead that speaks for the status (object type is always lead)
    lead_status_lead_id     TEXT,
    gate_push               INTEGER NOT NULL,  -- 1: the person reaches the CRM
    gate_create_lead        INTEGER NOT NULL,  -- 1: a CRM lead is to be created for them
    gate_reason             TEXT NOT NULL,     -- closedloop_core::gate::GateReason, snake case
    touchpoints             INTEGER NOT NULL,  -- all touchpoints of the person's records
    eligible_touchpoints    INTEGER NOT NULL,  -- those of the attribution's touch kinds (the ones that can earn credit)
    first_touch_id          INTEGER REFERENCES touchpoints(id),  -- first eligible touch: "where the person came from"
    lead_creation_touch_id  INTEGER REFERENCES touchpoints(id),  -- last eligible touch at or before lead_at
    last_touch_id           INTEGER REFERENCES touchpoints(id),  -- latest eligible touch
    computed_at             INTEGER NOT NULL   -- the reconcile run that wrote the row
);
CREATE INDEX person_results_mql ON person_results(mql_at) WHERE mql_at IS NOT NULL;
CREATE INDEX person_results_first_touch ON person_results(first_touch_id);
CREATE INDEX person_results_sla_pending ON person_results(sla_due_at) WHERE sla_status = 'pending';

-- The evidence behind person_results' dates: one row per milestone reached, plus the first sales
-- contact (milestone `first_sales_contact`).
--   evidence: lifecycle (a lifecycle stage date), lead_status (a CRM status change),
--             record_created, lead_converted, deal_created, deal_won, deal_lost,
--             activity (a sales activity), implied (no evidence of its own: a later milestone,
--             named in `detail`, implies it).
--   subject_*: the record, deal or activity that is the evidence (NULL for implied).
--   detail:   the lifecycle stage (HubSpot spelling), the lead status, the activity kind
--             (call, email, meeting, other), or the implying milestone.
CREATE TABLE person_milestones (
    person_id      INTEGER NOT NULL REFERENCES persons(id),
    milestone      TEXT NOT NULL CHECK (milestone IN
                       ('lead', 'mql', 'sql', 'opportunity', 'won', 'lost', 'first_sales_contact')),
    at             INTEGER NOT NULL,
    evidence       TEXT NOT NULL CHECK (evidence IN ('lifecycle', 'lead_status', 'record_created', 'lead_converted',
                       'deal_created', 'deal_won', 'deal_lost', 'activity', 'implied')),
    subject_system TEXT,
    subject_object TEXT,
    subject_id     TEXT,
    detail         TEXT,
    PRIMARY KEY (person_id, milestone)
) WITHOUT ROWID;
CREATE INDEX person_milestones_at ON person_milestones(milestone, at);

-- Conversions credited to touchpoints: a person reaching a funnel milestone, or a deal's amount at
-- its creation (pipeline) and at its win (revenue). Every conversion the rules ask for is here,
-- attributed or not (an unattributed one has only `touchpoint_id IS NULL` credit rows).
--   person_id: the person, for milestones and for deals tied to one person only; NULL for a deal
--              shared by several people (credited once over all their touches; its people are
--              in deal_contacts, and each credit row names the person whose touch it is).
CREATE TABLE conversions (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER REFERENCES persons(id),
    kind         TEXT NOT NULL CHECK (kind IN ('lead', 'mql', 'sql', 'opportunity', 'won', 'pipeline', 'revenue')),
    deal_system  TEXT,                                  -- pipeline and revenue: the deal
    deal_id      TEXT,
    converted_at INTEGER NOT NULL,                      -- the milestone date, the deal's creation, or its win
    amount_minor INTEGER,                               -- pipeline and revenue: the deal amount in cents
    currency     TEXT,
    computed_at  INTEGER NOT NULL,
    CHECK ((kind IN ('pipeline', 'revenue')) = (deal_id IS NOT NULL))
);
CREATE UNIQUE INDEX conversions_person_milestone ON conversions(person_id, kind) WHERE deal_id IS NULL;
-- Not partial: milestone rows have NULL deal columns, which never collide in a unique index, and
-- a full index serves "the conversions of these deals" lookups.
CREATE UNIQUE INDEX conversions_deal ON conversions(deal_system, deal_id, kind);
CREATE INDEX conversions_person ON conversions(person_id);
CREATE INDEX conversions_kind_at ON conversions(kind, converted_at);

-- Attribution credits: one row per conversion, model and touchpoint with a share. For every
-- (conversion_id, model) the ppm sum to exactly 1,000,000 and amount_minor to the conversion's
-- amount, to the cent: a conversion no touch earned has one row with touchpoint_id NULL holding the
-- whole, and `unattributed` says why (no_touches, no_weighted_position).
-- The touch's dimensions (kind, channel, campaign, content, time, person) and the conversion's
-- kind and time are copied in, so "credit per campaign / content / channel and model" is one
-- GROUP BY over one table, walking an index on (model, conversion_kind, dimension), e.g. revenue
-- per campaign under W-shaped, and attributed MQLs per channel (fractional) in a quarter:
--   SELECT campaign_system, campaign_id, currency, SUM(amount_minor) FROM attribution_credits
--   WHERE model = 'w_shaped' AND conversion_kind = 'revenue' GROUP BY 1, 2, 3;
--   SELECT channel, SUM(ppm) / 1e6 FROM attribution_credits
--   WHERE model = 'linear' AND conversion_kind = 'mql' AND converted_at >= :from AND converted_at < :to
--   GROUP BY 1;
-- The dimension indexes deliberately stop at the dimension: with the row id as their last key,
-- each batch appends at the end of a few thousand (model, kind, dimension) runs instead of
-- writing all over wide covering indexes, which keeps reconcile's writes fast as the table grows;
-- a report reads one (model, kind) slice, a small share of the rows.
-- A touchpoint re-read with other dimensions marks its person dirty, so copies never go stale.
-- There is no index on touchpoint_id: touchpoints are never deleted (a delete would have to
-- remove its credits first, and would scan for them).
CREATE TABLE attribution_credits (
    conversion_id   INTEGER NOT NULL REFERENCES conversions(id) ON DELETE CASCADE,
    model           TEXT NOT NULL,        -- first_touch, last_touch, lead_creation, linear, time_decay, u_shaped, w_shaped, full_path, custom
    conversion_kind TEXT NOT NULL,        -- = conversions.kind
    converted_at    INTEGER NOT NULL,     -- = conversions.converted_at
    touchpoint_id   INTEGER REFERENCES touchpoints(id),   -- NULL: the unattributed whole
    unattributed    TEXT CHECK (unattributed IN ('no_touches', 'no_weighted_position')),
    person_id       INTEGER REFERENCES persons(id),       -- whose touch (for shared deals, which of the people)
    touch_kind      TEXT,                 -- = touchpoints.kind
    touched_at      INTEGER,              -- = touchpoints.occurred_at
    channel         TEXT,                 -- = touchpoints.channel
    campaign_system TEXT,                 -- = touchpoints.campaign_system
    campaign_id     TEXT,                 -- = touchpoints.campaign_id
    content_key     TEXT,                 -- = touchpoints.content_key
    ppm             INTEGER NOT NULL CHECK (ppm BETWEEN 0 AND 1000000),   -- parts per million of the conversion
    amount_minor    INTEGER,              -- the share of the amount in cents (pipeline, revenue)
    currency        TEXT,
    CHECK ((touchpoint_id IS NULL) = (unattributed IS NOT NULL))
);
CREATE INDEX attribution_credits_conversion ON attribution_credits(conversion_id);
CREATE INDEX attribution_credits_campaign ON attribution_credits(model, conversion_kind, campaign_system, campaign_id);
CREATE INDEX attribution_credits_content ON attribution_credits(model, conversion_kind, content_key);
CREATE INDEX attribution_credits_channel ON attribution_credits(model, conversion_kind, channel);
