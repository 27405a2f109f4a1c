package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// querier is the query interface of *sql.Tx, *sql.DB and *writeTx, so the
// read helpers serve both the reader pool and the writer's batch transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// read runs fn in a read-only transaction on the reader pool, so the rows
// it reads come from one consistent snapshot of the database.
func (s *Store) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.readDB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin read transaction: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // nothing was written
	return fn(tx)
}

// nanos converts a time to UTC unix nanoseconds, or NULL for the zero time.
// Times outside the years 1678 to 2262 do not fit in int64 nanoseconds.
func nanos(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}
}

// sinceNanos converts the lower bound of a time filter to UTC unix
// nanoseconds, where t.UnixNano would overflow and compare against an
// unrelated time. A bound before 1677-09-21, which every stored time meets,
// becomes math.MinInt64. A bound after 2262-04-11, which no stored time
// meets, returns matchable false.
func sinceNanos(t time.Time) (n int64, matchable bool) {
	switch {
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64, true
	case t.After(time.Unix(0, math.MaxInt64)):
		return 0, false
	}
	return t.UnixNano(), true
}

// nanosPtr is nanos for an optional time.
func nanosPtr(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return nanos(*t)
}

// timeOf converts stored nanoseconds to a UTC time, or the zero time for NULL.
func timeOf(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

// timePtrOf is timeOf for an optional time: NULL becomes nil.
func timePtrOf(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := timeOf(n)
	return &t
}

// orNow returns t, or the current time when t is zero.
func orNow(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now().UTC()
	}
	return t.UTC()
}

// placeholders returns "?, ?, ?" with n markers for an IN list.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// stringArgs converts strings to the []any that database/sql takes.
func stringArgs(values []string) []any {
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return args
}

// marshalList encodes a slice as JSON text, or NULL when it is empty.
func marshalList[T any](list []T) (sql.NullString, error) {
	if len(list) == 0 {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(list)
	if err != nil {
		return sql.NullString{}, err
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

// unmarshalList decodes JSON text written by marshalList; NULL gives nil.
func unmarshalList[T any](text sql.NullString) ([]T, error) {
	if !text.Valid || text.String == "" {
		return nil, nil
	}
	var list []T
	if err := json.Unmarshal([]byte(text.String), &list); err != nil {
		return nil, err
	}
	return list, nil
}

// rawOrNil returns nil for an empty stored JSON value, so it is omitted.
func rawOrNil(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	return json.RawMessage(b)
}

// notFound maps sql.ErrNoRows to ErrNotFound and leaves other errors alone.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// normalLimit applies the default and the cap of listing methods.
func normalLimit(limit int) int {
	const defaultLimit, maxLimit = 50, 1000
	switch {
	case limit <= 0:
		return defaultLimit
	case limit > maxLimit:
		return maxLimit
	}
	return limit
}
