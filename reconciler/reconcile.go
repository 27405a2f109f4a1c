package reconciler

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/policycortex/policycortex/schema"
	"github.com/policycortex/policycortex/store"
)

// Outcomes of one reconcile pass.
const (
	OutcomeActivated = "activated"
	OutcomeRejected  = "rejected"
	OutcomeUnchanged = "unchanged"
)

// Result describes one reconcile pass.
type Result struct {
	// Commit is the head of the followed branch.
	Commit string
	// Outcome is OutcomeActivated, OutcomeRejected or OutcomeUnchanged.
	Outcome string
	// SnapshotID is the active snapshot after the pass, or zero when none.
	SnapshotID int64
	// Diff lists the workflow changes of an activation and is nil otherwise.
	Diff []store.DiffEntry
	// Problems are every error and warning found in the commit. They are nil
	// when the pass was unchanged.
	Problems schema.Problems
}

// Reconcile runs one pass: it fetches, resolves refs/remotes/origin/<branch>
// and returns OutcomeUnchanged when the head is the active commit or the
// newest activated or rejected one, also as recorded by an earlier process.
// Otherwise it loads, validates and diffs the head and then activates it or
// records its rejection. A returned error leaves the active set as it was.
func (r *Reconciler) Reconcile(ctx context.Context) (Result, error) {
	r.passMu.Lock()
	defer r.passMu.Unlock()
	result, err := r.reconcile(ctx)
	r.recordPass(err)
	return result, err
}

func (r *Reconciler) reconcile(ctx context.Context) (Result, error) {
	fetchErr := r.source.fetch(ctx)
	r.recordFetch(fetchErr)
	if fetchErr != nil {
		return Result{}, fetchErr
	}
	commit, err := r.source.head()
	if err != nil {
		return Result{}, err
	}
	head := commit.Hash.String()
	r.setHead(head)
	if err := r.loadBaseline(ctx); err != nil {
		return Result{Commit: head}, err
	}
	if !r.revalidate && (head == r.activeCommit || head == r.lastCommit) {
		r.lastCommit = head
		return Result{Commit: head, Outcome: OutcomeUnchanged, SnapshotID: r.activeID}, nil
	}
	result, err := r.evaluate(ctx, commit)
	if err == nil {
		r.revalidate = false
	}
	return result, err
}

// loadBaseline reads the active snapshot and the newest history record from
// the store once per process, unless Restore already did.
func (r *Reconciler) loadBaseline(ctx context.Context) error {
	if r.baseline {
		return nil
	}
	snapshot, err := r.cfg.Store.ActiveSnapshot(ctx)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return fmt.Errorf("read active snapshot: %w", err)
	default:
		r.setActive(snapshot.ID, snapshot.Commit, snapshot.Workflows, nil)
	}
	history, err := r.cfg.Store.ReconcileHistory(ctx, 1)
	if err != nil {
		return fmt.Errorf("read reconcile history: %w", err)
	}
	if len(history) > 0 {
		r.lastCommit = history[0].Commit
	}
	r.baseline = true
	return nil
}

// evaluate loads and validates commit, then activates or rejects it.
func (r *Reconciler) evaluate(ctx context.Context, commit *object.Commit) (Result, error) {
	head := commit.Hash.String()
	files, treeProblems, err := r.tree.load(commit)
	if err != nil {
		return Result{Commit: head}, err
	}
	repo, problems := schema.LoadRepository(files, schema.LoadOptions{
		Env:         r.cfg.Env,
		Previous:    r.active,
		MaxFileSize: r.cfg.MaxFileSize,
	})
	problems = append(treeProblems, problems...)
	problems.Sort()
	if len(problems.Errors()) > 0 || repo == nil {
		return r.reject(ctx, head, problems)
	}
	return r.activate(ctx, head, files, repo, problems)
}

func (r *Reconciler) activate(ctx context.Context, head string, files schema.Files, repo *schema.Repository, problems schema.Problems) (Result, error) {
	workflows := WorkflowRecords(repo)
	diff := DiffRecords(r.activeWorkflows, workflows)
	id, err := r.cfg.Store.Activate(ctx, store.Activation{
		Commit:    head,
		Branch:    r.cfg.Branch,
		Files:     files,
		Workflows: workflows,
		Diff:      diff,
		At:        r.cfg.Now(),
	})
	if err != nil {
		// The store's error already names the operation and the commit.
		return Result{Commit: head}, err
	}
	r.setActive(id, head, workflows, repo)
	r.lastCommit = head
	r.logActivation(head, id, diff, problems)
	if r.cfg.OnActivate != nil {
		r.cfg.OnActivate(ctx, id, head, repo)
	}
	return Result{Commit: head, Outcome: OutcomeActivated, SnapshotID: id, Diff: diff, Problems: problems}, nil
}

func (r *Reconciler) reject(ctx context.Context, head string, problems schema.Problems) (Result, error) {
	errs := problems.Errors()
	if len(errs) == 0 {
		errs = schema.Problems{{Severity: schema.SeverityError, Message: "policy repository could not be loaded"}}
	}
	records := make([]store.ProblemRecord, 0, len(errs))
	for _, p := range errs {
		records = append(records, store.ProblemRecord{File: p.Pos.File, Line: p.Pos.Line, Col: p.Pos.Col, Message: p.Message})
	}
	err := r.cfg.Store.RecordRejection(ctx, store.Rejection{
		Commit:   head,
		Branch:   r.cfg.Branch,
		At:       r.cfg.Now(),
		Problems: records,
	})
	if err != nil {
		return Result{Commit: head}, err
	}
	r.lastCommit = head
	r.logRejection(head, errs)
	return Result{Commit: head, Outcome: OutcomeRejected, SnapshotID: r.activeID, Problems: problems}, nil
}

// setActive replaces the in-memory description of the active snapshot. repo
// is nil when the snapshot has not been compiled in this process.
func (r *Reconciler) setActive(id int64, commit string, workflows []store.WorkflowRecord, repo *schema.Repository) {
	r.activeID = id
	r.activeCommit = commit
	r.activeWorkflows = workflows
	r.active = repo
	r.statusMu.Lock()
	r.status.ActiveCommit = commit
	r.status.SnapshotID = id
	r.statusMu.Unlock()
}
