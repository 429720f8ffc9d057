-- closedloop schema, part 4: the report's view of people. Views only: no data is stored, so the
-- view always agrees with reconcile's tables (0003) and the record tables (0001).
--
-- `report_people` gives every live person reconcile computed (one row per person_results row)
-- with what the closed-loop report groups and filters them by. It is also the table a RevOps
-- engineer can query by hand (`sqlite3 closedloop.db "SELECT * FROM report_people"`).
--
-- Assignment rules (docs/report-schema.md explains them to readers of the report):
--   reached_at: when the person was first reached: the earliest of their first touchpoint of any
--               kind, the creation of their first record in any system, and their lead date. It
--               places the person in a period (the funnel and lead quality are cohorts by it).
--   campaign, channel, content: the person's FIRST TOUCH (person_results.first_touch_id: the
--               first touch of the kinds attribution counts), i.e. where the person came from.
--               Every person counts in exactly one campaign, channel and content row, so the rows
--               add up to the whole funnel. A touch without a campaign takes its content asset's
--               campaign; a touch without a channel takes its campaign's channel, and failing both
--               (or with no such touch at all) the person takes the original source of their
--               primary marketing contact.
--   *_implied:  1 when that milestone has no evidence of its own (a later one implied it): the
--               stage counts as reached, but its date says nothing about timing.
--   owner:      the CRM owner of the lead that speaks for the person's lead status, else of their
--               primary CRM contact, else of their primary CRM lead: the rep the lead was
--               assigned to, who the speed-to-lead and SLA figures are about.
--   name:       from the primary marketing contact, else the primary CRM contact, else the lead.

CREATE VIEW report_people AS
SELECT
    pr.person_id,
    pr.email,
    (SELECT NULLIF(TRIM(COALESCE(x.first_name, '') || ' ' || COALESCE(x.last_name, '')), '')
       FROM (SELECT 0 AS o, m.first_name, m.last_name FROM identity_links AS l
               JOIN marketing_contacts AS m ON m.system = l.system AND m.id = l.external_id
               WHERE l.person_id = pr.person_id AND l.is_primary = 1 AND l.object_type = 'contact'
             UNION ALL
             SELECT 1, c.first_name, c.last_name FROM identity_links AS l
               JOIN crm_contacts AS c ON c.system = l.system AND c.id = l.external_id
               WHERE l.person_id = pr.person_id AND l.is_primary = 1 AND l.object_type = 'contact'
             UNION ALL
             SELECT 2, c.first_name, c.last_name FROM crm_leads AS c
               WHERE c.system = pr.lead_status_system AND c.id = pr.lead_status_lead_id) AS x
       WHERE x.first_name IS NOT NULL OR x.last_name IS NOT NULL
       ORDER BY x.o LIMIT 1) AS name,
    (SELECT MIN(v) FROM (
        SELECT MIN(t.occurred_at) AS v FROM identity_links AS l
          JOIN touchpoints AS t ON t.subject_system = l.system AND t.subject_object = l.object_type
                               AND t.subject_id = l.external_id
          WHERE l.person_id = pr.person_id
        UNION ALL
        SELECT MIN(m.created_at) FROM identity_links AS l
          JOIN marketing_contacts AS m ON m.system = l.system AND m.id = l.external_id AND l.object_type = 'contact'
          WHERE l.person_id = pr.person_id
        UNION ALL
        SELECT MIN(c.created_at) FROM identity_links AS l
          JOIN crm_leads AS c ON c.system = l.system AND c.id = l.external_id AND l.object_type = 'lead'
          WHERE l.person_id = pr.person_id
        UNION ALL
        SELECT MIN(c.created_at) FROM identity_links AS l
          JOIN crm_contacts AS c ON c.system = l.system AND c.id = l.external_id AND l.object_type = 'contact'
          WHERE l.person_id = pr.person_id
        UNION ALL
        SELECT pr.lead_at)) AS reached_at,
    pr.lead_at,
    pr.mql_at,
    pr.sql_at,
    pr.opportunity_at,
    pr.won_at,
    pr.lost_at,
    EXISTS (SELECT 1 FROM person_milestones AS m
              WHERE m.person_id = pr.person_id AND m.milestone = 'lead' AND m.evidence = 'implied') AS lead_implied,
    EXISTS (SELECT 1 FROM person_milestones AS m
              WHERE m.person_id = pr.person_id AND m.milestone = 'mql' AND m.evidence = 'implied') AS mql_implied,
    EXISTS (SELECT 1 FROM person_milestones AS m
              WHERE m.person_id = pr.person_id AND m.milestone = 'sql' AND m.evidence = 'implied') AS sql_implied,
    EXISTS (SELECT 1 FROM person_milestones AS m
              WHERE m.person_id = pr.person_id AND m.milestone = 'opportunity' AND m.evidence = 'implied')
        AS opportunity_implied,
    EXISTS (SELECT 1 FROM person_milestones AS m
              WHERE m.person_id = pr.person_id AND m.milestone = 'won' AND m.evidence = 'implied') AS won_implied,
    pr.first_sales_contact_at,
    pr.speed_to_lead_minutes,
    pr.sla_status,
    pr.sla_due_at,
    pr.owner_side,
    pr.owner_reason,
    pr.lifecycle_stage,
    pr.lead_status,
    pr.disqualification_reason,
    pr.first_touch_id,
    CASE WHEN ft.campaign_id IS NOT NULL THEN ft.campaign_system ELSE fca.campaign_system END AS campaign_system,
    CASE WHEN ft.campaign_id IS NOT NULL THEN ft.campaign_id ELSE fca.campaign_id END AS campaign_id,
    COALESCE(ft.channel,
        (SELECT c.channel FROM campaigns AS c
           WHERE c.system = CASE WHEN ft.campaign_id IS NOT NULL THEN ft.campaign_system ELSE fca.campaign_system END
             AND c.id = CASE WHEN ft.campaign_id IS NOT NULL THEN ft.campaign_id ELSE fca.campaign_id END),
        (SELECT m.original_source FROM identity_links AS l
           JOIN marketing_contacts AS m ON m.system = l.system AND m.id = l.external_id
           WHERE l.person_id = pr.person_id AND l.is_primary = 1 AND l.object_type = 'contact')) AS channel,
    ft.content_key,
    COALESCE(
        (SELECT c.system FROM crm_leads AS c
           WHERE c.system = pr.lead_status_system AND c.id = pr.lead_status_lead_id AND c.owner_id IS NOT NULL),
        (SELECT c.system FROM identity_links AS l
           JOIN crm_contacts AS c ON c.system = l.system AND c.id = l.external_id
           WHERE l.person_id = pr.person_id AND l.is_primary = 1 AND l.object_type = 'contact'
             AND c.owner_id IS NOT NULL),
        (SELECT c.system FROM identity_links AS l
           JOIN crm_leads AS c ON c.system = l.system AND c.id = l.external_id
           WHERE l.person_id = pr.person_id AND l.is_primary = 1 AND l.object_type = 'lead'
             AND c.owner_id IS NOT NULL)) AS owner_system,
    COALESCE(
        (SELECT c.owner_id FROM crm_leads AS c
           WHERE c.system = pr.lead_status_system AND c.id = pr.lead_status_lead_id),
        (SELECT c.owner_id FROM identity_links AS l
           JOIN crm_contacts AS c ON c.system = l.system AND c.id = l.external_id
           WHERE l.person_id = pr.person_id AND l.is_primary = 1 AND l.object_type = 'contact'),
        (SELECT c.owner_id FROM identity_links AS l
           JOIN crm_leads AS c ON c.system = l.system AND c.id = l.external_id
           WHERE l.person_id = pr.person_id AND l.is_primary = 1 AND l.object_type = 'lead')) AS owner_id
FROM person_results AS pr
LEFT JOIN touchpoints AS ft ON ft.id = pr.first_touch_id
LEFT JOIN content_assets AS fca ON fca.key = ft.content_key;

-- Attribution credits with the campaign and channel resolved as for people: a credited touch
-- without a campaign takes its content asset's campaign, one without a channel its campaign's.
CREATE VIEW report_credits AS
SELECT
    a.conversion_id,
    a.model,
    a.conversion_kind,
    a.converted_at,
    a.touchpoint_id,
    a.unattributed,
    a.person_id,
    a.touch_kind,
    a.touched_at,
    COALESCE(a.channel, (SELECT c.channel FROM campaigns AS c
        WHERE c.system = CASE WHEN a.campaign_id IS NOT NULL THEN a.campaign_system ELSE ca.campaign_system END
          AND c.id = CASE WHEN a.campaign_id IS NOT NULL THEN a.campaign_id ELSE ca.campaign_id END)) AS channel,
    CASE WHEN a.campaign_id IS NOT NULL THEN a.campaign_system ELSE ca.campaign_system END AS campaign_system,
    CASE WHEN a.campaign_id IS NOT NULL THEN a.campaign_id ELSE ca.campaign_id END AS campaign_id,
    a.content_key,
    a.ppm,
    a.amount_minor,
    a.currency
FROM attribution_credits AS a
LEFT JOIN content_assets AS ca ON ca.key = a.content_key;
