-- closedloop schema, part 2: what the sync engine needs — cursors, dirty records, the outbox,
-- what was pushed, the quarantine and the run log.

-- One typed, versioned cursor per stream. `position` is the connector's cursor as JSON.
CREATE TABLE stream_cursors (
    stream          TEXT PRIMARY KEY,
    version         INTEGER NOT NULL,
    position        TEXT NOT NULL,
    updated_at      INTEGER NOT NULL,
    last_success_at INTEGER,
    last_error      TEXT,
    last_error_at   INTEGER,
    records_total   INTEGER NOT NULL DEFAULT 0,
    rejected_total  INTEGER NOT NULL DEFAULT 0,
    pages_total     INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- Person records whose facts changed since reconcile last looked: its work queue.
CREATE TABLE dirty_records (
    system      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    external_id TEXT NOT NULL,
    marked_at   INTEGER NOT NULL,
    PRIMARY KEY (system, object_type, external_id)
) WITHOUT ROWID;

-- Pending writes to a target system. At most one pending update per target record: new desired
-- values are merged into it. A create carries an idempotency key (one per person and target).
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    target_system   TEXT NOT NULL,
    object_type     TEXT NOT NULL,
    external_id     TEXT,                                 -- NULL for creates until created
    person_id       INTEGER REFERENCES persons(id),
    operation       TEXT NOT NULL CHECK (operation IN ('update', 'create')),
    payload         TEXT NOT NULL,                        -- {"field": "value" | null}
    idempotency_key TEXT NOT NULL UNIQUE,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox(state, target_system, next_attempt_at);
CREATE UNIQUE INDEX outbox_one_pending_update
    ON outbox(target_system, object_type, external_id)
    WHERE state = 'pending' AND operation = 'update';

-- The value closedloop last wrote to each target field: reading it back is not a user change.
CREATE TABLE pushed_values (
    target_system TEXT NOT NULL,
    object_type   TEXT NOT NULL,
    external_id   TEXT NOT NULL,
    field         TEXT NOT NULL,
    value         TEXT,
    pushed_at     INTEGER NOT NULL,
    PRIMARY KEY (target_system, object_type, external_id, field)
) WITHOUT ROWID;

-- Input a connector could not accept, with the reason. One row per distinct problem.
CREATE TABLE quarantine (
    id            INTEGER PRIMARY KEY,
    fingerprint   TEXT NOT NULL UNIQUE,                  -- hash of stream, object and reason
    system        TEXT NOT NULL,
    stream        TEXT NOT NULL,
    external_id   TEXT,
    reason        TEXT NOT NULL,
    payload       TEXT NOT NULL,                         -- the raw input, truncated to 64 KiB
    first_seen_at INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    occurrences   INTEGER NOT NULL DEFAULT 1,
    resolved_at   INTEGER                                -- set when a later read of the object was accepted
);
CREATE INDEX quarantine_open ON quarantine(resolved_at, stream);
CREATE INDEX quarantine_object ON quarantine(stream, external_id);

-- The run log: every daemon cycle, backfill and push pass.
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    status      TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'interrupted')),
    summary     TEXT NOT NULL DEFAULT '{}',
    error       TEXT
);
CREATE INDEX runs_started ON runs(started_at);

-- The last quota figures each connector observed, so `closedloop status` (another process) can show them.
CREATE TABLE api_quota (
    connector       TEXT NOT NULL,
    bucket          TEXT NOT NULL,                       -- ten_second, search, daily
    used            INTEGER,
    max             INTEGER,
    remaining       INTEGER,
    exhausted_until INTEGER,                             -- set while a daily quota is spent
    observed_at     INTEGER NOT NULL,
    PRIMARY KEY (connector, bucket)
) WITHOUT ROWID;
