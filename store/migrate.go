package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered schema change. The number is the decimal prefix
// of its file name, as in 0001_init.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the embedded migrations in version order.
func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	var list []migration
	seen := map[int]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		prefix, _, ok := strings.Cut(e.Name(), "_")
		version, err := strconv.Atoi(prefix)
		if !ok || err != nil || version <= 0 {
			return nil, fmt.Errorf("parse migration name %s: expected NNNN_name.sql with NNNN > 0", e.Name())
		}
		if other, dup := seen[version]; dup {
			return nil, fmt.Errorf("parse migration name %s: version %d is also used by %s", e.Name(), version, other)
		}
		seen[version] = e.Name()
		body, err := fs.ReadFile(migrationFiles, path.Join("migrations", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		list = append(list, migration{version: version, name: e.Name(), sql: string(body)})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].version < list[j].version })
	return list, nil
}

// migrate applies the pending migrations in one transaction and returns the
// resulting schema version. A database whose version is newer than the
// newest embedded migration is rejected, because this binary would not
// know how to read it.
func migrate(ctx context.Context, db *sql.DB, now time.Time) (int, error) {
	list, err := loadMigrations()
	if err != nil {
		return 0, err
	}
	known := 0
	if len(list) > 0 {
		known = list[len(list)-1].version
	}

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("begin migration transaction: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	const createTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at INTEGER NOT NULL
	)`
	if _, err := tx.ExecContext(ctx, createTable); err != nil {
		return 0, fmt.Errorf("create schema_migrations: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if current > known {
		return 0, fmt.Errorf("check schema version: database is at version %d but this binary knows only up to %d; run a newer binary", current, known)
	}

	for _, m := range list {
		if m.version <= current {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return 0, fmt.Errorf("apply migration %s: %w", m.name, err)
		}
		const record = `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`
		if _, err := tx.ExecContext(ctx, record, m.version, m.name, now.UnixNano()); err != nil {
			return 0, fmt.Errorf("record migration %s: %w", m.name, err)
		}
		current = m.version
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("commit migrations: %w", err)
	}
	return current, nil
}
