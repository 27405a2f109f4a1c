// Package engine runs workflows: it matches events to the active workflows,
// creates durable runs, executes their steps with leases, retries and
// timeouts, holds runs at approval gates and fires schedules.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/policycortex/policycortex/actions"
	"github.com/policycortex/policycortex/expr"
	"github.com/policycortex/policycortex/schema"
	"github.com/policycortex/policycortex/store"
)

// Defaults for Config fields left zero.
const (
	DefaultWorkers         = 32
	DefaultLease           = 30 * time.Second
	DefaultStepTimeout     = 5 * time.Minute
	DefaultApprovalTimeout = 24 * time.Hour
	DefaultPollInterval    = time.Second
)

// Config configures an Engine. Store is required.
type Config struct {
	Store *store.Store
	// Connectors and ActionOptions build each snapshot's action catalog
	// together with the snapshot's user-defined actions.
	Connectors    actions.Connectors
	ActionOptions actions.Options
	Env           *expr.Env
	Logger        *slog.Logger
	Metrics       *Metrics
	// Scripts runs script steps; nil means InProcess.
	Scripts ScriptRunner
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Owner names this engine in run leases; a restarted engine with the
	// same Owner frees its stale leases at once.
	Owner string
	// Workers is the number of runs executed at once.
	Workers int
	// Lease is how long a claimed run stays reserved without renewal.
	Lease time.Duration
	// StepTimeout bounds a step attempt that sets no timeout.
	StepTimeout time.Duration
	// ApprovalTimeout bounds an approval gate that sets no timeout.
	ApprovalTimeout time.Duration
	// PollInterval is how often idle workers look for runnable runs, and the
	// scheduler for due schedules.
	PollInterval time.Duration
}

// activeSet is a compiled snapshot with its action catalog.
type activeSet struct {
	id      int64
	commit  string
	repo    *schema.Repository
	catalog *actions.Catalog
	// byType lists the workflows whose trigger names each event type;
	// scheduled lists those with a schedule, which also accept schedule
	// events naming them.
	byType    map[string][]*schema.Workflow
	scheduled []*schema.Workflow
}

// Engine executes workflows. Create it with New, feed it the active set with
// Activate, and run it with Run.
type Engine struct {
	cfg    Config
	log    *slog.Logger
	active atomic.Pointer[activeSet]
	wake   chan struct{}
	// stopping is set once Run's context ends: steps in flight finish, and
	// no further step starts.
	stopping atomic.Bool

	mu        sync.Mutex
	snapshots map[int64]*activeSet
	// scheduleMu orders schedule updates of an activation against
	// firings, so a firing never writes back a schedule that an
	// activation just changed or removed.
	scheduleMu sync.Mutex
	// inFlight cancels the runs executing in this process, by run id.
	inFlight map[string]context.CancelCauseFunc
}

// New checks the configuration and fills in defaults.
func New(cfg Config) (*Engine, error) {
	if cfg.Store == nil {
		return nil, errors.New("engine config: Store is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Env == nil {
		env, err := expr.NewEnv()
		if err != nil {
			return nil, fmt.Errorf("engine config: %w", err)
		}
		cfg.Env = env
	}
	if cfg.Scripts == nil {
		cfg.Scripts = InProcess{}
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(nil)
	}
	setDefault(&cfg.Workers, DefaultWorkers)
	setDefault(&cfg.Lease, DefaultLease)
	setDefault(&cfg.StepTimeout, DefaultStepTimeout)
	setDefault(&cfg.ApprovalTimeout, DefaultApprovalTimeout)
	setDefault(&cfg.PollInterval, DefaultPollInterval)
	if cfg.Owner == "" {
		cfg.Owner = "engine-" + uuid.NewString()
	}
	return &Engine{
		cfg:       cfg,
		log:       cfg.Logger,
		wake:      make(chan struct{}, 1),
		snapshots: map[int64]*activeSet{},
		inFlight:  map[string]context.CancelCauseFunc{},
	}, nil
}

func setDefault[T comparable](field *T, value T) {
	var zero T
	if *field == zero {
		*field = value
	}
}

// Activate makes a compiled snapshot the one new events and schedules use.
// Runs already created stay on the snapshot they started with.
func (e *Engine) Activate(ctx context.Context, snapshotID int64, commit string, repo *schema.Repository) {
	set := e.newSet(snapshotID, commit, repo)
	e.cacheSnapshot(set)
	e.active.Store(set)
	if err := e.syncSchedules(ctx, set); err != nil {
		e.log.Error("sync schedules", "commit", commit, "error", err)
	}
	e.log.Info("engine activated snapshot", "snapshot", snapshotID, "commit", commit, "workflows", len(repo.Workflows))
}

// Active returns the active workflows, or nil before the first activation.
func (e *Engine) Active() (*schema.Repository, int64, string) {
	set := e.active.Load()
	if set == nil {
		return nil, 0, ""
	}
	return set.repo, set.id, set.commit
}

// snapshot returns the compiled snapshot a run is pinned to, compiling it
// from the stored files when it is not cached.
func (e *Engine) snapshot(ctx context.Context, id int64) (*activeSet, error) {
	e.mu.Lock()
	set, ok := e.snapshots[id]
	e.mu.Unlock()
	if ok {
		return set, nil
	}
	snap, err := e.cfg.Store.Snapshot(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("load snapshot %d: %w", id, err)
	}
	files, err := e.cfg.Store.SnapshotFiles(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("load snapshot %d files: %w", id, err)
	}
	repo, problems := schema.LoadRepository(files, schema.LoadOptions{Env: e.cfg.Env})
	if errs := problems.Errors(); len(errs) > 0 {
		return nil, fmt.Errorf("compile snapshot %d (commit %s): %w", id, snap.Commit, errs)
	}
	set = e.newSet(id, snap.Commit, repo)
	e.cacheSnapshot(set)
	return set, nil
}

func (e *Engine) newSet(id int64, commit string, repo *schema.Repository) *activeSet {
	catalog := actions.NewCatalog(e.cfg.Connectors, repo.Actions, e.cfg.ActionOptions)
	set := &activeSet{id: id, commit: commit, repo: repo, catalog: catalog, byType: map[string][]*schema.Workflow{}}
	for _, wf := range repo.Workflows {
		if wf.Trigger.Event != "" {
			set.byType[wf.Trigger.Event] = append(set.byType[wf.Trigger.Event], wf)
		}
		if wf.Trigger.Schedule != nil {
			set.scheduled = append(set.scheduled, wf)
		}
	}
	return set
}

// maxCachedSnapshots bounds the compiled snapshots kept for runs pinned to
// older commits; an evicted one is compiled again from the store on demand.
const maxCachedSnapshots = 16

func (e *Engine) cacheSnapshot(set *activeSet) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.snapshots) >= maxCachedSnapshots {
		active := e.active.Load()
		for id := range e.snapshots {
			if active == nil || id != active.id {
				delete(e.snapshots, id)
			}
		}
	}
	e.snapshots[set.id] = set
}

// notify wakes an idle worker loop without blocking.
func (e *Engine) notify() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}
