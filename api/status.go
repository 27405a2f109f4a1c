package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/policycortex/policycortex/reconciler"
	"github.com/policycortex/policycortex/store"
)

// statusHistoryLimit is how many reconcile records GET /v1/status returns.
const statusHistoryLimit = 10

// rejectionSearchLimit is how many reconcile records GET /v1/status reads
// to find the newest rejection.
const rejectionSearchLimit = 200

// StatusResponse is the body of GET /v1/status.
type StatusResponse struct {
	// Active is the active snapshot; nil before the first activation.
	Active *ActiveSnapshot `json:"active"`
	// LastRejection is the newest rejected commit among the last 200
	// reconcile records; nil when there is none.
	LastRejection *Rejection `json:"last_rejection"`
	// History holds the newest reconcile records, newest first.
	History    []store.ReconcileRecord `json:"history"`
	Reconciler reconciler.Status       `json:"reconciler"`
	// Runs counts runs by status; statuses without runs are absent.
	Runs map[store.RunStatus]int `json:"runs"`
}

// ActiveSnapshot describes the active snapshot.
type ActiveSnapshot struct {
	SnapshotID  int64     `json:"snapshot_id"`
	Commit      string    `json:"commit"`
	Branch      string    `json:"branch"`
	ActivatedAt time.Time `json:"activated_at"`
	Workflows   int       `json:"workflows"`
}

// Rejection is a commit that failed validation.
type Rejection struct {
	Commit string    `json:"commit"`
	Branch string    `json:"branch"`
	At     time.Time `json:"at"`
	// Superseded is true when a later commit was activated.
	Superseded bool                  `json:"superseded"`
	Problems   []store.ProblemRecord `json:"problems"`
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	resp := StatusResponse{Reconciler: s.cfg.Reconciler.Status()}

	snap, err := s.cfg.Store.ActiveSnapshot(ctx)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		s.readFailed(w, r, err)
		return
	default:
		resp.Active = &ActiveSnapshot{
			SnapshotID:  snap.ID,
			Commit:      snap.Commit,
			Branch:      snap.Branch,
			ActivatedAt: snap.ActivatedAt,
			Workflows:   len(snap.Workflows),
		}
	}

	history, err := s.cfg.Store.ReconcileHistory(ctx, rejectionSearchLimit)
	if err != nil {
		s.readFailed(w, r, err)
		return
	}
	if history == nil {
		history = []store.ReconcileRecord{}
	}
	resp.LastRejection = lastRejection(history)
	resp.History = history[:min(len(history), statusHistoryLimit)]

	resp.Runs, err = s.cfg.Store.CountRuns(ctx)
	if err != nil {
		s.readFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// lastRejection finds the newest rejection in history, which is newest
// first, and whether an activation followed it.
func lastRejection(history []store.ReconcileRecord) *Rejection {
	for i, rec := range history {
		if rec.Outcome != store.OutcomeRejected {
			continue
		}
		rejection := &Rejection{
			Commit:   rec.Commit,
			Branch:   rec.Branch,
			At:       rec.At,
			Problems: rec.Problems,
		}
		for _, newer := range history[:i] {
			if newer.Outcome == store.OutcomeActivated {
				rejection.Superseded = true
			}
		}
		if rejection.Problems == nil {
			rejection.Problems = []store.ProblemRecord{}
		}
		return rejection
	}
	return nil
}
