-- Initial schema. Times are UTC unix nanoseconds in INTEGER columns; NULL
-- means unset. JSON values are stored as TEXT.

-- File contents of activated commits, shared by every snapshot that has a
-- file with the same content. hash is the lowercase hex SHA-256 of content.
CREATE TABLE blobs (
    hash    TEXT PRIMARY KEY,
    size    INTEGER NOT NULL,
    content BLOB NOT NULL
);

-- One row per activated commit.
CREATE TABLE snapshots (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    commit_hash  TEXT NOT NULL,
    branch       TEXT NOT NULL,
    activated_at INTEGER NOT NULL
);

CREATE TABLE snapshot_files (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    blob_hash   TEXT NOT NULL REFERENCES blobs (hash),
    PRIMARY KEY (snapshot_id, path)
) WITHOUT ROWID;

CREATE INDEX snapshot_files_blob ON snapshot_files (blob_hash);

-- position keeps the order in which the reconciler listed the workflows.
CREATE TABLE snapshot_workflows (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    version     TEXT NOT NULL,
    file        TEXT NOT NULL,
    digest      TEXT NOT NULL,
    position    INTEGER NOT NULL,
    PRIMARY KEY (snapshot_id, name)
) WITHOUT ROWID;

-- At most one row: the snapshot the engine runs.
CREATE TABLE active_snapshot (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    snapshot_id INTEGER NOT NULL REFERENCES snapshots (id)
);

-- Append-only audit of every activation and rejection.
CREATE TABLE reconcile_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    commit_hash TEXT NOT NULL,
    branch      TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('activated', 'rejected')),
    at          INTEGER NOT NULL,
    snapshot_id INTEGER REFERENCES snapshots (id),
    diff        TEXT,
    problems    TEXT
);

CREATE TABLE events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    source      TEXT NOT NULL,
    id          TEXT NOT NULL,
    type        TEXT NOT NULL,
    time        INTEGER,
    body        BLOB,
    received_at INTEGER NOT NULL
);

CREATE UNIQUE INDEX events_source_id ON events (source, id);

-- lease_owner and lease_until are set while an engine node works on the run.
-- snapshot_id is NULL for a run created without a snapshot.
CREATE TABLE runs (
    id          TEXT PRIMARY KEY,
    workflow    TEXT NOT NULL,
    snapshot_id INTEGER REFERENCES snapshots (id),
    event_seq   INTEGER NOT NULL REFERENCES events (seq),
    status      TEXT NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    next_step   INTEGER NOT NULL DEFAULT 0,
    not_before  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    started_at  INTEGER,
    finished_at INTEGER,
    lease_owner TEXT,
    lease_until INTEGER
);

CREATE INDEX runs_claim ON runs (status, not_before);
-- Claiming scans the runnable runs oldest first and stops at its limit, so
-- its cost follows the number of leased or not yet due runs, not the backlog.
CREATE INDEX runs_runnable ON runs (created_at) WHERE status IN ('pending', 'running');
CREATE INDEX runs_workflow_created ON runs (workflow, created_at);
CREATE INDEX runs_created ON runs (created_at);
CREATE INDEX runs_event ON runs (event_seq);
CREATE INDEX runs_lease_owner ON runs (lease_owner) WHERE lease_owner IS NOT NULL;

CREATE TABLE steps (
    run_id          TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    idx             INTEGER NOT NULL,
    name            TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    input           BLOB,
    output          BLOB,
    error           TEXT NOT NULL DEFAULT '',
    started_at      INTEGER,
    finished_at     INTEGER,
    start_delay_ns  INTEGER NOT NULL DEFAULT 0,
    deadline_missed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, idx)
);

-- approvers is a JSON array of group or member names.
CREATE TABLE gates (
    run_id     TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    idx        INTEGER NOT NULL,
    name       TEXT NOT NULL,
    approvers  TEXT NOT NULL,
    status     TEXT NOT NULL,
    deadline   INTEGER,
    decided_at INTEGER,
    decided_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, idx)
);

CREATE INDEX gates_pending_deadline ON gates (deadline) WHERE status = 'pending';

CREATE TABLE schedules (
    workflow TEXT PRIMARY KEY,
    spec     TEXT NOT NULL,
    next_at  INTEGER,
    last_at  INTEGER
);
