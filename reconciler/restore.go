package reconciler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/policycortex/policycortex/schema"
)

// ErrSnapshotInvalid is wrapped by Restore's error when the stored active
// snapshot no longer passes validation. The caller may go on without an
// active set: the next Reconcile evaluates the head even if it is the
// stored active commit.
var ErrSnapshotInvalid = errors.New("stored active snapshot is no longer valid")

// Restore compiles the active snapshot from the store, without Git access,
// and calls OnActivate with it. Call it once at startup, before Run. It
// writes no history record, and when the store has no active snapshot it
// does nothing. It also reads the newest history record, so the next
// Reconcile skips a head that an earlier process already activated or
// rejected.
func (r *Reconciler) Restore(ctx context.Context) error {
	r.passMu.Lock()
	defer r.passMu.Unlock()
	r.baseline = false
	if err := r.loadBaseline(ctx); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if r.activeCommit == "" {
		return nil
	}

	files, err := r.cfg.Store.SnapshotFiles(ctx, r.activeID)
	if err != nil {
		return fmt.Errorf("restore: read files of snapshot %d: %w", r.activeID, err)
	}
	repo, problems := schema.LoadRepository(schema.Files(files), schema.LoadOptions{
		Env:         r.cfg.Env,
		MaxFileSize: r.cfg.MaxFileSize,
	})
	if errs := problems.Errors(); len(errs) > 0 {
		// A newer binary may judge a stored commit more strictly. The daemon
		// then starts without an active set, and the next pass evaluates the
		// head again, so its problems show as a rejection.
		r.revalidate = true
		return fmt.Errorf("restore: compile snapshot %d of commit %s: %w: %w", r.activeID, r.activeCommit, ErrSnapshotInvalid, errs)
	}
	if repo == nil {
		return fmt.Errorf("restore: compile snapshot %d of commit %s: no repository returned", r.activeID, r.activeCommit)
	}

	r.active = repo
	r.tree.seed(files)
	r.cfg.Logger.Info("active policy snapshot restored",
		slog.String("commit", r.activeCommit),
		slog.Int64("snapshot", r.activeID),
		slog.Int("workflows", len(repo.Workflows)))
	if r.cfg.OnActivate != nil {
		r.cfg.OnActivate(ctx, r.activeID, r.activeCommit, repo)
	}
	return nil
}
