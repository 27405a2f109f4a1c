// Package store is the one place that holds SQL. It persists the activated
// snapshots of the policy repository, the reconcile history, events, runs,
// steps, approval stages and schedules in one SQLite file, through
// modernc.org/sqlite (pure Go).
//
// # Writes
//
// Every write goes through one goroutine (group commit). It takes a request
// from a channel, then every request already queued up to Options.MaxBatch,
// runs each in its own SAVEPOINT of one transaction, commits once and only
// then replies. A request that fails rolls back alone and returns its own
// error. So every method that writes returns after its transaction is
// durable, and the cost of an fsync is shared by the whole batch.
//
// The file uses the WAL journal, foreign keys, BEGIN IMMEDIATE, a busy
// timeout and synchronous=FULL unless Options.Synchronous is NORMAL. Reads use a
// separate pool of query-only connections, which WAL lets read while the
// writer commits.
//
// # Schema
//
// Numbered files in migrations/ are embedded and applied in one transaction
// at Open. The schema_migrations table records them, and Open rejects a
// database whose version is newer than the newest embedded migration. Times
// are UTC unix nanoseconds in INTEGER columns. A file or workflow record
// that stays the same across snapshots is stored once, as a span from the
// first to the last snapshot that holds it, so activating a commit writes
// only what changed. The tables are:
//
//	schema_migrations   applied migration versions
//	blobs               file contents keyed by SHA-256, shared between snapshots
//	snapshots           one row per activated commit
//	file_spans          path -> blob over a span of consecutive snapshots
//	workflow_spans      workflow name, version, file and digest over a span of snapshots
//	workflow_orders     order of the workflow names, from each snapshot that changed it
//	active_snapshot     the single active snapshot
//	reconcile_history   every activation (with its diff) and rejection (with its problems)
//	events              accepted CloudEvents, unique on (source, id)
//	runs                workflow runs with status, next step and lease
//	steps               per-step status, attempts, input, output and timing
//	gates               approval stages with approvers, deadline and decision
//	schedules           next and last firing of each workflow schedule
//
// # Other backends
//
// Callers see only the methods of Store and the record types, never SQL, so
// a PostgreSQL backend can be added beside this one. Its ClaimRuns would
// select runnable runs with FOR UPDATE SKIP LOCKED, so that several engine
// replicas can claim from one database, and the leases stay as they are.
package store
