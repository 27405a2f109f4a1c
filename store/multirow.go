package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// maxChunkRows bounds the rows of one multi-row statement. Chunks hold a
// power of two rows, so each statement shape adds at most eight texts to
// the writer's statement cache.
const maxChunkRows = 128

// maxBlobBytes limits the content bytes of one multi-row blob INSERT, so
// 128 large files are not copied into SQLite in one call.
const maxBlobBytes = 4 << 20

// execRows runs the statement that query builds for n rows once per chunk
// of rows, with the fixed arguments first and then those of each row.
// weight, when not nil, returns a row's byte size for the maxBlobBytes limit.
func execRows(ctx context.Context, tx *writeTx, query func(n int) string, rows [][]any, fixed []any, weight func(row []any) int) error {
	for len(rows) > 0 {
		n := chunkRows(rows, weight)
		args := append([]any(nil), fixed...)
		for _, row := range rows[:n] {
			args = append(args, row...)
		}
		if _, err := tx.ExecContext(ctx, query(n), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// chunkRows returns the largest power of two up to maxChunkRows and to
// len(rows) whose rows weigh at most maxBlobBytes, and at least one.
func chunkRows(rows [][]any, weight func(row []any) int) int {
	n := maxChunkRows
	for n > len(rows) {
		n /= 2
	}
	for weight != nil && n > 1 {
		total := 0
		for _, row := range rows[:n] {
			total += weight(row)
		}
		if total <= maxBlobBytes {
			break
		}
		n /= 2
	}
	return n
}

// valuesRows returns the markers of n rows of width values for a multi-row
// VALUES list: "(?, ?), (?, ?)" for two rows of two.
func valuesRows(n, width int) string {
	row := "(" + placeholders(width) + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// insertBlobs stores the contents of the listed paths whose hash is not in
// the blobs table yet. One query finds the hashes already stored, so a file
// changed back to an earlier content sends no content to SQLite.
func insertBlobs(ctx context.Context, tx *writeTx, paths []string, hashes map[string]string, contents map[string][]byte) error {
	byHash := make(map[string][]byte, len(paths))
	for _, path := range paths {
		byHash[hashes[path]] = contents[path]
	}
	if len(byHash) == 0 {
		return nil
	}
	if err := dropStoredBlobs(ctx, tx, byHash); err != nil {
		return fmt.Errorf("look up stored blobs: %w", err)
	}
	missing := make([]string, 0, len(byHash))
	for hash := range byHash {
		missing = append(missing, hash)
	}
	sort.Strings(missing)

	rows := make([][]any, len(missing))
	for i, hash := range missing {
		rows[i] = []any{hash, len(byHash[hash]), byHash[hash]}
	}
	query := func(n int) string {
		return `INSERT INTO blobs (hash, size, content) VALUES ` + valuesRows(n, 3) + ` ON CONFLICT (hash) DO NOTHING`
	}
	weight := func(row []any) int { return row[1].(int) }
	if err := execRows(ctx, tx, query, rows, nil, weight); err != nil {
		return fmt.Errorf("insert %d blobs: %w", len(rows), err)
	}
	return nil
}

// dropStoredBlobs removes from byHash the hashes that the blobs table
// contains. The hashes travel as one JSON array, which hex strings always
// survive intact.
func dropStoredBlobs(ctx context.Context, tx *writeTx, byHash map[string][]byte) error {
	hashes := make([]string, 0, len(byHash))
	for hash := range byHash {
		hashes = append(hashes, hash)
	}
	encoded, err := json.Marshal(hashes)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT hash FROM blobs WHERE hash IN (SELECT value FROM json_each(?))`, string(encoded))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var hash string
		if err := rows.Scan(&hash); err != nil {
			return err
		}
		delete(byHash, hash)
	}
	return rows.Err()
}
