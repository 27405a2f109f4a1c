-- Store each file and workflow record once per span of consecutive
-- snapshots in which it stays the same, instead of once per snapshot. An
-- activation that changes one file of 10,000 then writes one span and ends
-- another, where it used to copy 10,000 rows.
--
-- A span covers the snapshots whose id is between first_snapshot and
-- last_snapshot, both included. last_snapshot is 9223372036854775807 (the
-- largest INTEGER) while the span reaches the newest snapshot, so the open
-- spans are exactly the newest snapshot's content. Activate ends a span by
-- setting last_snapshot to the new snapshot's id minus one. Snapshot ids only
-- grow, so no other snapshot lies between the two. The spans of one path or
-- one workflow name never overlap.

CREATE TABLE file_spans (
    path           TEXT NOT NULL,
    blob_hash      TEXT NOT NULL REFERENCES blobs (hash),
    first_snapshot INTEGER NOT NULL REFERENCES snapshots (id),
    last_snapshot  INTEGER NOT NULL,
    PRIMARY KEY (path, first_snapshot)
) WITHOUT ROWID;

CREATE INDEX file_spans_last ON file_spans (last_snapshot, first_snapshot);
CREATE INDEX file_spans_blob ON file_spans (blob_hash);

CREATE TABLE workflow_spans (
    name           TEXT NOT NULL,
    version        TEXT NOT NULL,
    file           TEXT NOT NULL,
    digest         TEXT NOT NULL,
    first_snapshot INTEGER NOT NULL REFERENCES snapshots (id),
    last_snapshot  INTEGER NOT NULL,
    PRIMARY KEY (name, first_snapshot)
) WITHOUT ROWID;

CREATE INDEX workflow_spans_last ON workflow_spans (last_snapshot, first_snapshot);

-- The order in which the reconciler listed the workflows, as a JSON array of
-- the names in hex, which keeps names that are not valid UTF-8 intact. A row is written only for a snapshot whose order differs from the
-- snapshot before it, so a snapshot's order is the row with the greatest
-- snapshot_id not above its own id. No row means no workflows.
CREATE TABLE workflow_orders (
    snapshot_id INTEGER PRIMARY KEY REFERENCES snapshots (id),
    names       TEXT NOT NULL
);

-- Copy the per-snapshot rows into spans. Rows of one path with one content
-- in snapshots that follow each other without a gap form one span: seq
-- numbers the snapshots without gaps, so seq minus the row's rank among the
-- rows of that path and content is the same for every row of a span.
WITH numbered AS (
    SELECT id, row_number() OVER (ORDER BY id) AS seq FROM snapshots
),
islands AS (
    SELECT f.path, f.blob_hash, f.snapshot_id,
        n.seq - row_number() OVER (PARTITION BY f.path, f.blob_hash ORDER BY f.snapshot_id) AS island
    FROM snapshot_files f JOIN numbered n ON n.id = f.snapshot_id
)
INSERT INTO file_spans (path, blob_hash, first_snapshot, last_snapshot)
SELECT path, blob_hash, MIN(snapshot_id),
    CASE WHEN MAX(snapshot_id) = (SELECT MAX(id) FROM snapshots) THEN 9223372036854775807
        ELSE MAX(snapshot_id) END
FROM islands
GROUP BY path, blob_hash, island;

WITH numbered AS (
    SELECT id, row_number() OVER (ORDER BY id) AS seq FROM snapshots
),
islands AS (
    SELECT w.name, w.version, w.file, w.digest, w.snapshot_id,
        n.seq - row_number() OVER (
            PARTITION BY w.name, w.version, w.file, w.digest ORDER BY w.snapshot_id) AS island
    FROM snapshot_workflows w JOIN numbered n ON n.id = w.snapshot_id
)
INSERT INTO workflow_spans (name, version, file, digest, first_snapshot, last_snapshot)
SELECT name, version, file, digest, MIN(snapshot_id),
    CASE WHEN MAX(snapshot_id) = (SELECT MAX(id) FROM snapshots) THEN 9223372036854775807
        ELSE MAX(snapshot_id) END
FROM islands
GROUP BY name, version, file, digest, island;

WITH orders AS (
    SELECT s.id,
        (SELECT json_group_array(lower(hex(w.name)) ORDER BY w.position)
            FROM snapshot_workflows w WHERE w.snapshot_id = s.id) AS names
    FROM snapshots s
),
changes AS (
    SELECT id, names, lag(names) OVER (ORDER BY id) AS previous FROM orders
)
INSERT INTO workflow_orders (snapshot_id, names)
SELECT id, names FROM changes
WHERE names <> COALESCE(previous, '[]');

DROP TABLE snapshot_files;
DROP TABLE snapshot_workflows;
