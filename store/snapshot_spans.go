package store

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
)

// writeSpans turns the open spans from prev into next. It ends the spans
// whose file or record next changes or drops, starts spans for what next
// changes or adds, and stores the contents missing from the blobs table.
// Files and records that stay the same are not written at all.
func writeSpans(ctx context.Context, tx *writeTx, prev, next *headState, contents map[string][]byte) error {
	if err := writeFileSpans(ctx, tx, prev, next, contents); err != nil {
		return err
	}
	if err := writeWorkflowSpans(ctx, tx, prev, next); err != nil {
		return err
	}
	if slices.Equal(prev.order, next.order) {
		return nil
	}
	names, err := encodeOrder(next.order)
	if err != nil {
		return err
	}
	const insertOrder = `INSERT INTO workflow_orders (snapshot_id, names) VALUES (?, ?)`
	if _, err := tx.ExecContext(ctx, insertOrder, next.snapshotID, names); err != nil {
		return fmt.Errorf("insert workflow order: %w", err)
	}
	return nil
}

func writeFileSpans(ctx context.Context, tx *writeTx, prev, next *headState, contents map[string][]byte) error {
	var ended []string
	for path, hash := range prev.files {
		if newHash, found := next.files[path]; !found || newHash != hash {
			ended = append(ended, path)
		}
	}
	var started []string
	for path, hash := range next.files {
		if oldHash, found := prev.files[path]; !found || oldHash != hash {
			started = append(started, path)
		}
	}
	sort.Strings(ended)
	sort.Strings(started)

	if err := endSpans(ctx, tx, "file_spans", "path", ended, next.snapshotID); err != nil {
		return err
	}
	if err := insertBlobs(ctx, tx, started, next.files, contents); err != nil {
		return err
	}
	rows := make([][]any, 0, len(started))
	for _, path := range started {
		rows = append(rows, []any{path, next.files[path], next.snapshotID, openSpan})
	}
	query := func(n int) string {
		return `INSERT INTO file_spans (path, blob_hash, first_snapshot, last_snapshot) VALUES ` + valuesRows(n, 4)
	}
	if err := execRows(ctx, tx, query, rows, nil, nil); err != nil {
		return fmt.Errorf("start %d file spans: %w", len(rows), err)
	}
	return nil
}

func writeWorkflowSpans(ctx context.Context, tx *writeTx, prev, next *headState) error {
	var ended []string
	for name, w := range prev.workflows {
		if now, found := next.workflows[name]; !found || now != w {
			ended = append(ended, name)
		}
	}
	var rows [][]any
	for _, name := range next.order {
		w := next.workflows[name]
		if old, found := prev.workflows[name]; !found || old != w {
			rows = append(rows, []any{w.Name, w.Version, w.File, w.Digest, next.snapshotID, openSpan})
		}
	}
	sort.Strings(ended)

	if err := endSpans(ctx, tx, "workflow_spans", "name", ended, next.snapshotID); err != nil {
		return err
	}
	query := func(n int) string {
		return `INSERT INTO workflow_spans (name, version, file, digest, first_snapshot, last_snapshot) VALUES ` +
			valuesRows(n, 6)
	}
	if err := execRows(ctx, tx, query, rows, nil, nil); err != nil {
		return fmt.Errorf("start %d workflow spans: %w", len(rows), err)
	}
	return nil
}

// endSpans ends the open spans of the listed keys at the snapshot before
// snapshotID. The unary plus on last_snapshot keeps SQLite from walking
// every open span through the last_snapshot index, so it seeks each key by
// primary key instead. table and key are constants of this package.
func endSpans(ctx context.Context, tx *writeTx, table, key string, keys []string, snapshotID int64) error {
	rows := make([][]any, len(keys))
	for i, k := range keys {
		rows[i] = []any{k}
	}
	query := func(n int) string {
		return `UPDATE ` + table + ` SET last_snapshot = ? WHERE +last_snapshot = ? AND ` + key + ` IN (` + placeholders(n) + `)`
	}
	if err := execRows(ctx, tx, query, rows, []any{snapshotID - 1, openSpan}, nil); err != nil {
		return fmt.Errorf("end %d spans of %s: %w", len(keys), table, err)
	}
	return nil
}

// encodeOrder encodes workflow names as the JSON array of their hex forms
// that workflow_orders.names stores. Hex keeps names that are not valid
// UTF-8 intact, which JSON strings cannot.
func encodeOrder(names []string) (string, error) {
	encoded := make([]string, len(names))
	for i, name := range names {
		encoded[i] = hex.EncodeToString([]byte(name))
	}
	b, err := json.Marshal(encoded)
	if err != nil {
		return "", fmt.Errorf("encode workflow order: %w", err)
	}
	return string(b), nil
}

// decodeOrder is the inverse of encodeOrder.
func decodeOrder(text string) ([]string, error) {
	var encoded []string
	if err := json.Unmarshal([]byte(text), &encoded); err != nil {
		return nil, fmt.Errorf("decode workflow order: %w", err)
	}
	names := make([]string, len(encoded))
	for i, e := range encoded {
		name, err := hex.DecodeString(e)
		if err != nil {
			return nil, fmt.Errorf("decode workflow order entry %d: %w", i, err)
		}
		names[i] = string(name)
	}
	return names, nil
}
