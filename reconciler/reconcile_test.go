package reconciler

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/policycortex/policycortex/schema"
	"github.com/policycortex/policycortex/store"
)

func TestReconcileFirstActivation(t *testing.T) {
	t.Parallel()
	repo := newGitRepo(t, "main")
	repo.write("workflows/a.yaml", workflowYAML("alpha", "1.0", "production"))
	repo.write("workflows/b.yaml", workflowYAML("beta", "2.0", "staging"))
	head := repo.commit("Add alpha and beta")
	h := newHarness(t, repo, nil)

	result := h.reconcile()

	if !checkResult(t, result, OutcomeActivated, head) {
		t.FailNow()
	}
	wantDiff := []store.DiffEntry{
		{Workflow: "alpha", Change: store.ChangeAdded, NewVersion: "1.0", NewDigest: result.Diff[0].NewDigest},
		{Workflow: "beta", Change: store.ChangeAdded, NewVersion: "2.0", NewDigest: result.Diff[1].NewDigest},
	}
	if !reflect.DeepEqual(result.Diff, wantDiff) {
		t.Errorf("diff = %+v, want %+v", result.Diff, wantDiff)
	}
	if got := h.activeCommit(); got != head {
		t.Errorf("active commit = %s, want %s", got, head)
	}
	checkActivation(t, h.activationCalls(), activation{snapshotID: result.SnapshotID, commit: head, workflows: 2})
	status := h.rec.Status()
	if status.Head != head {
		t.Errorf("status head = %s, want %s", status.Head, head)
	}
	if status.ActiveCommit != head {
		t.Errorf("status active commit = %s, want %s", status.ActiveCommit, head)
	}
	if status.LastFetchError != "" {
		t.Errorf("status fetch error = %q, want none", status.LastFetchError)
	}
	if status.LastFetchAt.IsZero() {
		t.Error("status has no last fetch time")
	}
	if !strings.Contains(h.logs.String(), `"msg":"policy commit activated"`) {
		t.Errorf("logs lack the activation record:\n%s", h.logs)
	}

	again := h.reconcile()

	checkResult(t, again, OutcomeUnchanged, head)
	if again.SnapshotID != result.SnapshotID {
		t.Errorf("second pass snapshot = %d, want %d", again.SnapshotID, result.SnapshotID)
	}
	if n := len(h.history()); n != 1 {
		t.Errorf("history has %d records after an unchanged pass, want 1", n)
	}
}

func TestReconcileChangeDiff(t *testing.T) {
	t.Parallel()
	repo := newGitRepo(t, "main")
	repo.write("workflows/a.yaml", workflowYAML("alpha", "1.0", "production"))
	repo.write("workflows/b.yaml", workflowYAML("beta", "1.0", "production"))
	repo.write("workflows/d.yaml", workflowYAML("delta", "1.0", "production"))
	repo.commit("Add workflows")
	h := newHarness(t, repo, nil)
	first := h.reconcile()
	old := map[string]string{}
	for _, entry := range first.Diff {
		old[entry.Workflow] = entry.NewDigest
	}

	repo.write("workflows/a.yaml", workflowYAML("alpha", "1.0", "staging"))
	repo.write("workflows/b.yaml", workflowYAML("beta", "1.1", "staging"))
	repo.write("workflows/c.yaml", workflowYAML("gamma", "1.0", "production"))
	repo.remove("workflows/d.yaml")
	head := repo.commit("Change alpha and beta, add gamma, remove delta")
	result := h.reconcile()

	if !checkResult(t, result, OutcomeActivated, head) {
		t.FailNow()
	}
	if result.SnapshotID == first.SnapshotID {
		t.Errorf("snapshot id stayed %d", result.SnapshotID)
	}
	type change struct {
		workflow, change, oldVersion, newVersion, warning string
		oldDigestKept                                     bool
	}
	var got []change
	for _, entry := range result.Diff {
		got = append(got, change{
			workflow:      entry.Workflow,
			change:        string(entry.Change),
			oldVersion:    entry.OldVersion,
			newVersion:    entry.NewVersion,
			warning:       entry.Warning,
			oldDigestKept: entry.OldDigest == old[entry.Workflow] && entry.OldDigest != "",
		})
	}
	want := []change{
		{workflow: "alpha", change: "changed", oldVersion: "1.0", newVersion: "1.0", warning: WarningVersionUnchanged, oldDigestKept: true},
		{workflow: "beta", change: "changed", oldVersion: "1.0", newVersion: "1.1", oldDigestKept: true},
		{workflow: "delta", change: "removed", oldVersion: "1.0", oldDigestKept: true},
		{workflow: "gamma", change: "added", newVersion: "1.0"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("diff = %+v, want %+v", got, want)
	}
	records := h.history()
	if len(records) != 2 {
		t.Fatalf("history has %d records, want 2", len(records))
	}
	if !reflect.DeepEqual(records[0].Diff, result.Diff) {
		t.Errorf("newest history record diff = %+v, want %+v", records[0].Diff, result.Diff)
	}
	logs := h.logs.String()
	for _, want := range []string{`"added":1`, `"changed":2`, `"removed":1`, `"msg":"workflow content changed but version did not"`, `"workflow":"alpha"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
}

func TestReconcileRejectKeepsActive(t *testing.T) {
	t.Parallel()
	repo := newGitRepo(t, "main")
	repo.write("workflows/a.yaml", workflowYAML("alpha", "1.0", "production"))
	good := repo.commit("Add alpha")
	h := newHarness(t, repo, nil)
	first := h.reconcile()

	repo.write("workflows/a.yaml", workflowYAML("alpha", "1.1", "staging"))
	repo.write("workflows/bad.yaml", invalidYAML)
	bad := repo.commit("Add a broken workflow")
	result := h.reconcile()

	if !checkResult(t, result, OutcomeRejected, bad) {
		t.FailNow()
	}
	if result.SnapshotID != first.SnapshotID {
		t.Errorf("snapshot id = %d, want the active %d", result.SnapshotID, first.SnapshotID)
	}
	if got := h.activeCommit(); got != good {
		t.Errorf("active commit = %s, want %s", got, good)
	}
	records := h.history()
	if len(records) != 2 {
		t.Fatalf("history has %d records, want 2", len(records))
	}
	if records[0].Outcome != store.OutcomeRejected {
		t.Errorf("newest record outcome = %q, want rejected", records[0].Outcome)
	}
	if records[0].Commit != bad {
		t.Errorf("newest record commit = %s, want %s", records[0].Commit, bad)
	}
	if len(records[0].Problems) == 0 {
		t.Fatal("rejection has no problems")
	}
	problem := records[0].Problems[0]
	if problem.File != "workflows/bad.yaml" {
		t.Errorf("problem file = %q, want workflows/bad.yaml", problem.File)
	}
	if problem.Line == 0 {
		t.Errorf("problem %+v has no line", problem)
	}
	if problem.Message == "" {
		t.Errorf("problem %+v has no message", problem)
	}
	if len(h.activationCalls()) != 1 {
		t.Errorf("OnActivate called %d times, want 1", len(h.activationCalls()))
	}
	logs := h.logs.String()
	for _, want := range []string{`"msg":"policy commit rejected; the active set stays"`, "workflows/bad.yaml"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}

	if again := h.reconcile(); again.Outcome != OutcomeUnchanged {
		t.Errorf("second pass over the rejected head = %q, want unchanged", again.Outcome)
	}
	if n := len(h.history()); n != 2 {
		t.Errorf("history has %d records, want 2 (no duplicate rejection)", n)
	}

	repo.remove("workflows/bad.yaml")
	fixed := repo.commit("Remove the broken workflow")
	result = h.reconcile()

	if !checkResult(t, result, OutcomeActivated, fixed) {
		t.FailNow()
	}
	if got := h.activeCommit(); got != fixed {
		t.Errorf("active commit = %s, want %s", got, fixed)
	}
	wantDiff := []store.DiffEntry{{
		Workflow: "alpha", Change: store.ChangeChanged, OldVersion: "1.0", NewVersion: "1.1",
		OldDigest: first.Diff[0].NewDigest, NewDigest: result.Diff[0].NewDigest,
	}}
	if !reflect.DeepEqual(result.Diff, wantDiff) {
		t.Errorf("diff = %+v, want alpha 1.0 -> 1.1 against the last active set", result.Diff)
	}
}

func TestReconcileForcePush(t *testing.T) {
	t.Parallel()
	repo := newGitRepo(t, "main")
	repo.write("workflows/a.yaml", workflowYAML("alpha", "1.0", "production"))
	older := repo.commit("Add alpha")
	repo.write("workflows/b.yaml", workflowYAML("beta", "1.0", "production"))
	repo.commit("Add beta")
	h := newHarness(t, repo, nil)
	h.reconcile()

	repo.git("reset", "-q", "--hard", older)
	repo.write("workflows/c.yaml", workflowYAML("gamma", "1.0", "production"))
	rewritten := repo.commit("Add gamma instead of beta")
	repo.git("reflog", "expire", "--expire=now", "--all")
	repo.git("gc", "-q", "--prune=now")
	result := h.reconcile()

	if !checkResult(t, result, OutcomeActivated, rewritten) {
		t.FailNow()
	}
	var changes []string
	for _, entry := range result.Diff {
		changes = append(changes, entry.Workflow+" "+string(entry.Change))
	}
	if want := []string{"beta removed", "gamma added"}; !reflect.DeepEqual(changes, want) {
		t.Errorf("diff = %v, want %v", changes, want)
	}

	repo.git("reset", "-q", "--hard", older)
	back := h.reconcile()

	checkResult(t, back, OutcomeActivated, older)
}

func TestReconcileUnreachable(t *testing.T) {
	t.Parallel()
	repo := newGitRepo(t, "main")
	repo.write("workflows/a.yaml", workflowYAML("alpha", "1.0", "production"))
	head := repo.commit("Add alpha")
	h := newHarness(t, repo, nil)
	h.reconcile()
	moved := repo.dir + ".moved"
	if err := os.Rename(repo.dir, moved); err != nil {
		t.Fatal(err)
	}

	_, err := h.rec.Reconcile(context.Background())

	if err == nil {
		t.Fatal("reconcile of a missing repository succeeded")
	}
	if !strings.Contains(err.Error(), "fetch file://") {
		t.Errorf("error = %q, want it to name the fetch and the URL", err)
	}
	status := h.rec.Status()
	if status.LastFetchError != err.Error() {
		t.Errorf("status fetch error = %q, want %q", status.LastFetchError, err)
	}
	if status.LastError != err.Error() {
		t.Errorf("status error = %q, want %q", status.LastError, err)
	}
	if status.ConsecutiveFailures != 1 {
		t.Errorf("consecutive failures = %d, want 1", status.ConsecutiveFailures)
	}
	if got := h.activeCommit(); got != head {
		t.Errorf("active commit = %s, want %s", got, head)
	}

	if err := os.Rename(moved, repo.dir); err != nil {
		t.Fatal(err)
	}
	result := h.reconcile()

	if result.Outcome != OutcomeUnchanged {
		t.Errorf("outcome after recovery = %q, want unchanged", result.Outcome)
	}
	status = h.rec.Status()
	if status.LastFetchError != "" {
		t.Errorf("status fetch error after recovery = %q, want none", status.LastFetchError)
	}
	if status.ConsecutiveFailures != 0 {
		t.Errorf("consecutive failures after recovery = %d, want 0", status.ConsecutiveFailures)
	}
}

func TestReconcileWarnsAboutSymlink(t *testing.T) {
	t.Parallel()
	repo := newGitRepo(t, "main")
	repo.write("workflows/a.yaml", workflowYAML("alpha", "1.0", "production"))
	if err := os.Symlink("a.yaml", filepath.Join(repo.dir, "workflows", "link.yaml")); err != nil {
		t.Fatal(err)
	}
	head := repo.commit("Add alpha and a link to it")
	h := newHarness(t, repo, nil)

	result := h.reconcile()

	if !checkResult(t, result, OutcomeActivated, head) {
		t.FailNow()
	}
	found := false
	for _, p := range result.Problems {
		if p.Pos.File == "workflows/link.yaml" && p.Severity == schema.SeverityWarning {
			found = true
		}
	}
	if !found {
		t.Errorf("problems = %v, want a warning about workflows/link.yaml", result.Problems)
	}
}
