package e2e

import (
	"fmt"
	"testing"
	"time"
)

// reconcileTimeout bounds the wait for the daemon to activate or reject a
// pushed commit. The daemons in these tests poll every pollInterval.
const reconcileTimeout = 30 * time.Second

// pollInterval is the --poll-interval of the daemons in these tests.
// NOTE: serve rejects intervals under 1s, so the tests poll every second.
// TestServeSubsecondPollInterval checks a 200ms interval on its own.
const pollInterval = "1s"

// status is the JSON form of GET /v1/status.
type status struct {
	Active *struct {
		SnapshotID int64  `json:"snapshot_id"`
		Commit     string `json:"commit"`
		Workflows  int    `json:"workflows"`
	} `json:"active"`
	LastRejection *struct {
		Commit     string    `json:"commit"`
		Superseded bool      `json:"superseded"`
		Problems   []problem `json:"problems"`
	} `json:"last_rejection"`
	History    []reconcileRecord `json:"history"`
	Reconciler struct {
		Repo           string    `json:"repo"`
		LastFetchAt    time.Time `json:"last_fetch_at"`
		LastFetchError string    `json:"last_fetch_error"`
		LastError      string    `json:"last_error"`
		Head           string    `json:"head"`
	} `json:"reconciler"`
	Runs map[string]int `json:"runs"`
}

// problem is one validation problem of a rejected commit.
type problem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

// reconcileRecord is one activation or rejection in the history.
type reconcileRecord struct {
	ID         int64       `json:"id"`
	Commit     string      `json:"commit"`
	Outcome    string      `json:"outcome"`
	SnapshotID int64       `json:"snapshot_id"`
	Diff       []diffEntry `json:"diff"`
	Problems   []problem   `json:"problems"`
}

// diffEntry is one workflow added, changed or removed by an activation.
type diffEntry struct {
	Workflow   string `json:"workflow"`
	Change     string `json:"change"`
	OldVersion string `json:"old_version"`
	NewVersion string `json:"new_version"`
	OldDigest  string `json:"old_digest"`
	NewDigest  string `json:"new_digest"`
	Warning    string `json:"warning"`
}

// getStatus fetches GET /v1/status.
func getStatus(t *testing.T, d *daemon) status {
	t.Helper()
	var st status
	getJSON(t, d, "/v1/status", &st)
	return st
}

// activeCommit returns the active commit, "" when none is active.
func (st status) activeCommit() string {
	if st.Active == nil {
		return ""
	}
	return st.Active.Commit
}

// record returns the history record of commit, or nil.
func (st status) record(commit string) *reconcileRecord {
	for i := range st.History {
		if st.History[i].Commit == commit {
			return &st.History[i]
		}
	}
	return nil
}

// waitActive waits until commit is the active snapshot, both in the store
// (GET /v1/status) and in the engine (GET /v1/workflows), and returns the
// status at that moment. The store commits an activation a moment before
// the engine switches to it, so events posted in between still use the
// previous set.
func waitActive(t *testing.T, d *daemon, commit string) status {
	t.Helper()
	var st status
	waitFor(t, reconcileTimeout, func() error {
		st = status{}
		if err := tryGetJSON(d, "/v1/status", &st); err != nil {
			return err
		}
		if got := st.activeCommit(); got != commit {
			return fmt.Errorf("active commit is %q, want %s; reconciler: %+v", got, commit, st.Reconciler)
		}
		var list struct {
			Commit string `json:"commit"`
		}
		if err := tryGetJSON(d, "/v1/workflows", &list); err != nil {
			return err
		}
		if list.Commit != commit {
			return fmt.Errorf("engine runs commit %q, want %s", list.Commit, commit)
		}
		return nil
	})
	return st
}

// waitRejected waits until commit is the last rejection and returns the
// status at that moment.
func waitRejected(t *testing.T, d *daemon, commit string) status {
	t.Helper()
	var st status
	waitFor(t, reconcileTimeout, func() error {
		st = status{}
		if err := tryGetJSON(d, "/v1/status", &st); err != nil {
			return err
		}
		if st.LastRejection == nil || st.LastRejection.Commit != commit {
			return fmt.Errorf("last rejection is %+v, want commit %s; active %q; reconciler: %+v",
				st.LastRejection, commit, st.activeCommit(), st.Reconciler)
		}
		return nil
	})
	return st
}

// serveRepo starts a daemon following repo with the fake services as its
// connectors and waits until head is active.
func serveRepo(t *testing.T, repo string, svcs services, head string, extra ...string) *daemon {
	t.Helper()
	args := []string{"--repo", repo, "--poll-interval", pollInterval, "--connectors", svcs.writeConnectors(t)}
	d := startDaemon(t, append(args, extra...)...)
	waitActive(t, d, head)
	return d
}
