package store

import (
	"context"
	"database/sql"
)

// maxCachedStatements bounds the writer's prepared statements. Queries with
// IN lists differ by their number of markers, so there are many distinct
// texts. Texts seen after the cache is full are parsed on every call.
const maxCachedStatements = 256

// stmtCache holds statements prepared on the writer connection, keyed by
// query text. Without it SQLite parses every statement on every call, which
// took about a third of the writer's CPU time in BenchmarkIngestEvent. Only
// the writer goroutine uses it.
type stmtCache struct {
	db       *sql.DB
	prepared map[string]*sql.Stmt
	// missed are texts run unprepared during the current batch. They are
	// prepared after the batch ends, because preparing on the pool while the
	// batch transaction holds its only connection would block forever.
	missed map[string]bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, prepared: map[string]*sql.Stmt{}, missed: map[string]bool{}}
}

// lookup returns the prepared statement for query, or nil after noting the
// query for prepareMissed.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	if st, ok := c.prepared[query]; ok {
		return st
	}
	if len(c.prepared)+len(c.missed) < maxCachedStatements {
		c.missed[query] = true
	}
	return nil
}

// prepareMissed prepares the texts noted during the last batch. A text that
// fails to prepare is dropped, since it runs unprepared just as well.
func (c *stmtCache) prepareMissed(ctx context.Context) {
	for query := range c.missed {
		st, err := c.db.PrepareContext(ctx, query)
		if err == nil {
			c.prepared[query] = st
		}
		delete(c.missed, query)
	}
}

func (c *stmtCache) close() {
	for query, st := range c.prepared {
		st.Close()
		delete(c.prepared, query)
	}
}

// writeTx is the batch transaction as the write requests see it. It runs
// each query through the statement cache.
type writeTx struct {
	tx    *sql.Tx
	cache *stmtCache
}

// ExecContext runs a statement that returns no rows.
func (w *writeTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := w.cache.lookup(query); st != nil {
		return w.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return w.tx.ExecContext(ctx, query, args...)
}

// QueryContext runs a query that returns rows.
func (w *writeTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := w.cache.lookup(query); st != nil {
		return w.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return w.tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a query that returns at most one row.
func (w *writeTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := w.cache.lookup(query); st != nil {
		return w.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return w.tx.QueryRowContext(ctx, query, args...)
}
