package reconciler

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/policycortex/policycortex/store"
)

func TestRestoreAfterReopen(t *testing.T) {
	t.Parallel()
	repo := newGitRepo(t, "main")
	repo.write("workflows/a.yaml", workflowYAML("alpha", "1.0", "production"))
	repo.write("workflows/b.yaml", workflowYAML("beta", "1.0", "production"))
	head := repo.commit("Add alpha and beta")
	h := newHarness(t, repo, nil)
	first := h.reconcile()
	if err := h.store.Close(); err != nil {
		t.Fatal(err)
	}
	h.store = openStore(t, h.storePath)
	h.activations = nil
	h.rec = h.newReconciler(nil)

	if err := h.rec.Restore(context.Background()); err != nil {
		t.Fatalf("restore: %v", err)
	}

	checkActivation(t, h.activationCalls(), activation{snapshotID: first.SnapshotID, commit: head, workflows: 2})
	if n := len(h.history()); n != 1 {
		t.Errorf("history has %d records after restore, want 1", n)
	}
	status := h.rec.Status()
	if status.ActiveCommit != head {
		t.Errorf("status active commit = %s, want %s", status.ActiveCommit, head)
	}
	if status.SnapshotID != first.SnapshotID {
		t.Errorf("status snapshot = %d, want %d", status.SnapshotID, first.SnapshotID)
	}

	result := h.reconcile()

	checkResult(t, result, OutcomeUnchanged, head)
	if result.SnapshotID != first.SnapshotID {
		t.Errorf("snapshot after restore = %d, want %d", result.SnapshotID, first.SnapshotID)
	}
	if n := len(h.history()); n != 1 {
		t.Errorf("history has %d records, want 1", n)
	}

	repo.write("workflows/b.yaml", workflowYAML("beta", "1.1", "production"))
	bumped := repo.commit("Bump beta")
	result = h.reconcile()

	checkResult(t, result, OutcomeActivated, bumped)
	if len(result.Diff) != 1 || result.Diff[0].Workflow != "beta" {
		t.Errorf("diff = %+v, want only beta changed", result.Diff)
	}
	if h.rec.tree.reads != 1 {
		t.Errorf("pass after restore read %d blobs, want 1 (restored files seed the cache)", h.rec.tree.reads)
	}
}

func TestRestoreSkipsRejectedHead(t *testing.T) {
	t.Parallel()
	repo := newGitRepo(t, "main")
	repo.write("workflows/a.yaml", workflowYAML("alpha", "1.0", "production"))
	good := repo.commit("Add alpha")
	h := newHarness(t, repo, nil)
	h.reconcile()
	repo.write("workflows/bad.yaml", invalidYAML)
	repo.commit("Add a broken workflow")
	h.reconcile()
	h.rec = h.newReconciler(nil)

	if err := h.rec.Restore(context.Background()); err != nil {
		t.Fatalf("restore: %v", err)
	}
	result := h.reconcile()

	if result.Outcome != OutcomeUnchanged {
		t.Errorf("pass over the rejected head after restart = %q, want unchanged", result.Outcome)
	}
	if n := len(h.history()); n != 2 {
		t.Errorf("history has %d records, want 2", n)
	}
	if got := h.activeCommit(); got != good {
		t.Errorf("active commit = %s, want %s", got, good)
	}
}

func TestRestoreEmptyStore(t *testing.T) {
	t.Parallel()
	repo := newGitRepo(t, "main")
	h := newHarness(t, repo, nil)

	if err := h.rec.Restore(context.Background()); err != nil {
		t.Fatalf("restore of an empty store: %v", err)
	}

	if calls := h.activationCalls(); len(calls) != 0 {
		t.Errorf("OnActivate calls = %+v, want none", calls)
	}
}

func TestReconcileWithoutRestoreDiffsStoredSet(t *testing.T) {
	t.Parallel()
	repo := newGitRepo(t, "main")
	repo.write("workflows/a.yaml", workflowYAML("alpha", "1.0", "production"))
	repo.commit("Add alpha")
	h := newHarness(t, repo, nil)
	h.reconcile()
	repo.write("workflows/b.yaml", workflowYAML("beta", "1.0", "production"))
	repo.commit("Add beta")
	h.rec = h.newReconciler(nil)

	result := h.reconcile()

	if len(result.Diff) != 1 || result.Diff[0].Workflow != "beta" {
		t.Errorf("diff = %+v, want only beta added against the stored set", result.Diff)
	}
}

func TestRestoreInvalidSnapshotRevalidatesHead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	repo := newGitRepo(t, "main")
	repo.write("workflows/a.yaml", workflowYAML("alpha", "1.0", "production"))
	head := repo.commit("Add alpha")
	h := newHarness(t, repo, nil)
	// The store holds the head with content that no longer validates, as
	// after an upgrade that tightened the rules.
	_, err := h.store.Activate(ctx, store.Activation{
		Commit: head, Branch: "main", At: time.Now(),
		Files: map[string][]byte{"workflows/a.yaml": []byte(invalidYAML)},
	})
	if err != nil {
		t.Fatal(err)
	}

	err = h.rec.Restore(ctx)
	if !errors.Is(err, ErrSnapshotInvalid) {
		t.Fatalf("restore error = %v, want ErrSnapshotInvalid", err)
	}
	if n := len(h.activationCalls()); n != 0 {
		t.Errorf("OnActivate called %d times for an invalid snapshot, want 0", n)
	}

	result := h.reconcile()

	checkResult(t, result, OutcomeActivated, head)
	checkActivation(t, h.activationCalls(), activation{snapshotID: result.SnapshotID, commit: head, workflows: 1})
	if again := h.reconcile(); again.Outcome != OutcomeUnchanged {
		t.Errorf("next pass = %q, want unchanged", again.Outcome)
	}
}
