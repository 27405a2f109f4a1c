package reconciler

import (
	"log/slog"

	"github.com/policycortex/policycortex/schema"
	"github.com/policycortex/policycortex/store"
)

// maxLoggedProblems bounds the problems listed in a rejection log record.
// Every problem is stored with the rejection.
const maxLoggedProblems = 5

func (r *Reconciler) logActivation(commit string, snapshotID int64, diff []store.DiffEntry, problems schema.Problems) {
	added, changed, removed := countChanges(diff)
	r.cfg.Logger.Info("policy commit activated",
		slog.String("repo", r.source.remote.url),
		slog.String("branch", r.cfg.Branch),
		slog.String("commit", commit),
		slog.Int64("snapshot", snapshotID),
		slog.Int("added", added),
		slog.Int("changed", changed),
		slog.Int("removed", removed),
		slog.Int("warnings", len(problems)))
	for i, p := range problems {
		if i == maxLoggedProblems {
			r.cfg.Logger.Warn("more policy warnings not logged", slog.String("commit", commit), slog.Int("count", len(problems)-i))
			break
		}
		r.cfg.Logger.Warn("policy warning", slog.String("commit", commit), slog.String("problem", p.String()))
	}
	for _, entry := range diff {
		if entry.Warning == "" {
			continue
		}
		r.cfg.Logger.Warn("workflow "+entry.Warning,
			slog.String("commit", commit),
			slog.String("workflow", entry.Workflow),
			slog.String("version", entry.NewVersion),
			slog.String("old_digest", entry.OldDigest),
			slog.String("new_digest", entry.NewDigest))
	}
}

func (r *Reconciler) logRejection(commit string, errs schema.Problems) {
	listed := errs
	if len(listed) > maxLoggedProblems {
		listed = listed[:maxLoggedProblems]
	}
	lines := make([]string, len(listed))
	for i, p := range listed {
		lines[i] = p.String()
	}
	r.cfg.Logger.Warn("policy commit rejected; the active set stays",
		slog.String("repo", r.source.remote.url),
		slog.String("branch", r.cfg.Branch),
		slog.String("commit", commit),
		slog.String("active_commit", r.activeCommit),
		slog.Int("errors", len(errs)),
		slog.Any("problems", lines))
}
