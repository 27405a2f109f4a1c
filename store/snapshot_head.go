package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
)

// openSpan is the last_snapshot of a span that reaches the newest snapshot
// (see migrations/0002_snapshot_spans.sql).
const openSpan int64 = math.MaxInt64

// headState is the content of the newest snapshot, as its open spans record
// it. Activate compares a new activation with it to find the few spans to
// end and to start. A headState is never changed after it is built.
type headState struct {
	snapshotID int64
	// files maps each path to the hex SHA-256 of its content.
	files     map[string]string
	workflows map[string]WorkflowRecord
	// order lists the workflow names in the order the caller gave them.
	order []string
}

// newHeadState hashes the files of a and indexes its workflow records. The
// snapshot id is filled in once the snapshot row exists.
func newHeadState(a Activation) (*headState, error) {
	h := &headState{
		files:     make(map[string]string, len(a.Files)),
		workflows: make(map[string]WorkflowRecord, len(a.Workflows)),
		order:     make([]string, 0, len(a.Workflows)),
	}
	for path, content := range a.Files {
		h.files[path] = contentHash(content)
	}
	for _, w := range a.Workflows {
		if _, dup := h.workflows[w.Name]; dup {
			return nil, fmt.Errorf("invalid workflow records: workflow %q is listed twice", w.Name)
		}
		h.workflows[w.Name] = w
		h.order = append(h.order, w.Name)
	}
	return h, nil
}

// contentHash returns the lowercase hex SHA-256 that keys the blobs table.
func contentHash(content []byte) string {
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:])
}

// currentHead returns the content of the newest snapshot. It uses the copy
// cached by the last Activate of this Store if that copy is of the newest
// snapshot. Otherwise, as after Open or after another Store on the same file
// activated a commit, it reads the open spans. It runs in the write
// transaction, so no other activation can commit in between.
func (s *Store) currentHead(ctx context.Context, tx *writeTx) (*headState, error) {
	var newest int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM snapshots`).Scan(&newest); err != nil {
		return nil, fmt.Errorf("read newest snapshot id: %w", err)
	}
	s.headMu.Lock()
	cached := s.head
	s.headMu.Unlock()
	if cached != nil && cached.snapshotID == newest {
		return cached, nil
	}
	return readHead(ctx, tx, newest)
}

// keepHead caches h as the newest snapshot's content once its transaction
// is committed. A slower caller of an older activation leaves a newer copy
// in place.
func (s *Store) keepHead(h *headState) {
	s.headMu.Lock()
	defer s.headMu.Unlock()
	if s.head == nil || h.snapshotID > s.head.snapshotID {
		s.head = h
	}
}

// readHead loads the open spans and the newest workflow order.
func readHead(ctx context.Context, q querier, newest int64) (*headState, error) {
	h := &headState{snapshotID: newest, files: map[string]string{}, workflows: map[string]WorkflowRecord{}}
	rows, err := q.QueryContext(ctx, `SELECT path, blob_hash FROM file_spans WHERE last_snapshot = ?`, openSpan)
	if err != nil {
		return nil, fmt.Errorf("read files of snapshot %d: %w", newest, err)
	}
	for rows.Next() {
		var path, hash string
		if err := rows.Scan(&path, &hash); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read files of snapshot %d: %w", newest, err)
		}
		h.files[path] = hash
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read files of snapshot %d: %w", newest, err)
	}

	if err := readHeadWorkflows(ctx, q, h); err != nil {
		return nil, fmt.Errorf("read workflows of snapshot %d: %w", newest, err)
	}
	return h, nil
}

func readHeadWorkflows(ctx context.Context, q querier, h *headState) error {
	rows, err := q.QueryContext(ctx, `SELECT name, version, file, digest FROM workflow_spans
		WHERE last_snapshot = ?`, openSpan)
	if err != nil {
		return err
	}
	for rows.Next() {
		var w WorkflowRecord
		if err := rows.Scan(&w.Name, &w.Version, &w.File, &w.Digest); err != nil {
			rows.Close()
			return err
		}
		h.workflows[w.Name] = w
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	var names sql.NullString
	err = q.QueryRowContext(ctx, `SELECT names FROM workflow_orders ORDER BY snapshot_id DESC LIMIT 1`).Scan(&names)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if names.Valid {
		if h.order, err = decodeOrder(names.String); err != nil {
			return err
		}
	}
	return nil
}
