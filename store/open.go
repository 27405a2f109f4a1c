package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Defaults applied by Open to zero Options fields.
const (
	DefaultBusyTimeout = 5 * time.Second
	DefaultMaxBatch    = 256
)

// Options configures Open. Zero fields take the defaults.
type Options struct {
	// BusyTimeout is how long a statement waits for a lock held by another
	// process before failing with SQLITE_BUSY. Default DefaultBusyTimeout.
	BusyTimeout time.Duration
	// Synchronous is the SQLite synchronous level: "FULL" (default) or
	// "NORMAL". In WAL mode NORMAL skips the fsync at each commit, so a power
	// loss may drop the last commits, while a process crash still loses none.
	Synchronous string
	// MaxBatch is the maximum number of write requests committed in one
	// transaction. Default DefaultMaxBatch.
	MaxBatch int
	// Logger receives the store's logs. Default slog.Default().
	Logger *slog.Logger
}

// Store is the SQLite persistence of snapshots, reconcile history, events,
// runs, steps, approval gates and schedules. Its methods are safe for
// concurrent use.
type Store struct {
	path     string
	writeDB  *sql.DB
	readDB   *sql.DB
	log      *slog.Logger
	maxBatch int

	// mu guards closed and every send on requests, so Close can close the
	// channel without racing a sender.
	mu         sync.RWMutex
	closed     bool
	requests   chan *writeRequest
	writerDone chan struct{}
	stats      writerStats
	stmts      *stmtCache

	// headMu guards head, the newest snapshot's content as the last Activate
	// of this Store left it. Activate checks it against the database before
	// use (see currentHead).
	headMu sync.Mutex
	head   *headState
}

// Open opens or creates the database file at path, applies the embedded
// migrations and starts the writer goroutine. Close releases it.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := checkPath(path); err != nil {
		return nil, fmt.Errorf("open store %q: %w", path, err)
	}

	writeDB, err := openWriter(ctx, path, opts)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	version, err := migrate(ctx, writeDB, time.Now())
	if err != nil {
		writeDB.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	readDB, err := openReaders(ctx, path, opts)
	if err != nil {
		writeDB.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}

	s := &Store{
		path:       path,
		writeDB:    writeDB,
		readDB:     readDB,
		log:        opts.Logger.With("db", path),
		maxBatch:   opts.MaxBatch,
		requests:   make(chan *writeRequest, opts.MaxBatch),
		writerDone: make(chan struct{}),
		stmts:      newStmtCache(writeDB),
	}
	go s.runWriter()
	s.log.Info("store opened", "schema_version", version, "synchronous", opts.Synchronous, "max_batch", opts.MaxBatch)
	return s, nil
}

// Close stops accepting writes, commits every write already queued, waits
// for the writer goroutine and closes both connection pools. Calls after
// the first return nil.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.requests)
	s.mu.Unlock()

	<-s.writerDone
	s.stmts.close()
	err := errors.Join(s.readDB.Close(), s.writeDB.Close())
	if err != nil {
		s.log.Error("store close failed", "error", err)
		return fmt.Errorf("close store %s: %w", s.path, err)
	}
	s.log.Info("store closed", "batches", s.stats.batches.Load(), "writes", s.stats.requests.Load())
	return nil
}

func (o Options) withDefaults() (Options, error) {
	if o.BusyTimeout < 0 {
		return o, fmt.Errorf("invalid busy timeout %s: must not be negative", o.BusyTimeout)
	}
	if o.BusyTimeout == 0 {
		o.BusyTimeout = DefaultBusyTimeout
	}
	switch strings.ToUpper(o.Synchronous) {
	case "":
		o.Synchronous = "FULL"
	case "FULL", "NORMAL":
		o.Synchronous = strings.ToUpper(o.Synchronous)
	default:
		return o, fmt.Errorf("invalid synchronous level %q: use FULL or NORMAL", o.Synchronous)
	}
	if o.MaxBatch < 0 {
		return o, fmt.Errorf("invalid max batch %d: must not be negative", o.MaxBatch)
	}
	if o.MaxBatch == 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, nil
}

// checkPath rejects paths that the DSN cannot carry or that would give the
// reader and writer pools different databases.
func checkPath(path string) error {
	switch {
	case path == "":
		return errors.New("missing database path")
	case strings.Contains(path, "?"):
		return errors.New("invalid database path: it must not contain '?', which starts the DSN parameters")
	case path == ":memory:" || strings.HasPrefix(path, "file:"):
		return errors.New("invalid database path: give a plain file name, because the reader and writer pools must open the same file")
	}
	return nil
}

// openWriter opens the single-connection pool that every write goes through.
// BEGIN is IMMEDIATE so a transaction takes the write lock up front instead
// of failing with SQLITE_BUSY when it upgrades from a read.
func openWriter(ctx context.Context, path string, opts Options) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn(path, opts.BusyTimeout, true,
		"journal_mode(WAL)", "foreign_keys(1)", "synchronous("+opts.Synchronous+")", "temp_store(MEMORY)"))
	if err != nil {
		return nil, fmt.Errorf("open writer connection: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)

	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		db.Close()
		return nil, fmt.Errorf("read journal mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		db.Close()
		return nil, fmt.Errorf("enable WAL journal: the file system left journal mode %q", mode)
	}
	return db, nil
}

// openReaders opens the read-only pool. WAL lets these connections read
// while the writer commits. Their transactions stay DEFERRED because an
// IMMEDIATE one would take the write lock.
func openReaders(ctx context.Context, path string, opts Options) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn(path, opts.BusyTimeout, false, "foreign_keys(1)", "query_only(1)"))
	if err != nil {
		return nil, fmt.Errorf("open reader connections: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open reader connections: %w", err)
	}
	return db, nil
}

// dsn builds a modernc.org/sqlite DSN. The driver runs each _pragma value as
// "PRAGMA value" on every new connection, busy_timeout first.
func dsn(path string, busy time.Duration, immediate bool, pragmas ...string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busy.Milliseconds(), 10)+")")
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	if immediate {
		q.Set("_txlock", "immediate")
	}
	return path + "?" + q.Encode()
}
