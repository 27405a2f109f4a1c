package reconciler

import "time"

// Status is the reconciler's in-memory state, for the status CLI and API.
type Status struct {
	// Repo is the repository URL without credentials.
	Repo   string `json:"repo"`
	Branch string `json:"branch"`
	// LastFetchAt is when the last fetch attempt ended, or zero before the first.
	LastFetchAt time.Time `json:"last_fetch_at"`
	// LastFetchError is the error of the last fetch, or empty when it succeeded.
	LastFetchError string `json:"last_fetch_error,omitempty"`
	// LastError is the error of the last pass, from the fetch or a later
	// step. It is empty when the pass succeeded.
	LastError string `json:"last_error,omitempty"`
	// ConsecutiveFailures counts the passes that failed in a row.
	ConsecutiveFailures int `json:"consecutive_failures"`
	// NextAttemptAt is when Run starts its next pass, or zero outside Run.
	NextAttemptAt time.Time `json:"next_attempt_at"`
	// Head is the branch head seen by the last successful fetch.
	Head string `json:"head,omitempty"`
	// ActiveCommit and SnapshotID identify the active snapshot. They are
	// empty and zero when none is known.
	ActiveCommit string `json:"active_commit,omitempty"`
	SnapshotID   int64  `json:"snapshot_id,omitempty"`
}

// Status returns a copy of the reconciler's state.
func (r *Reconciler) Status() Status {
	r.statusMu.Lock()
	defer r.statusMu.Unlock()
	return r.status
}

func (r *Reconciler) recordFetch(err error) {
	r.statusMu.Lock()
	defer r.statusMu.Unlock()
	r.status.LastFetchAt = r.cfg.Now()
	r.status.LastFetchError = errorText(err)
}

func (r *Reconciler) recordPass(err error) {
	r.statusMu.Lock()
	defer r.statusMu.Unlock()
	r.status.LastError = errorText(err)
	if err != nil {
		r.status.ConsecutiveFailures++
	} else {
		r.status.ConsecutiveFailures = 0
	}
}

func (r *Reconciler) setHead(commit string) {
	r.statusMu.Lock()
	defer r.statusMu.Unlock()
	r.status.Head = commit
}

func (r *Reconciler) setNextAttempt(at time.Time) {
	r.statusMu.Lock()
	defer r.statusMu.Unlock()
	r.status.NextAttemptAt = at
}

func errorText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
