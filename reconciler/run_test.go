package reconciler

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// fakeTimer replaces time.After in Run: each wait reports its delay on
// delays and ends when the test sends on fire.
type fakeTimer struct {
	delays chan time.Duration
	fire   chan time.Time
	// stop ends a wait that the test no longer reads.
	stop chan struct{}
}

func newFakeTimer() *fakeTimer {
	return &fakeTimer{delays: make(chan time.Duration), fire: make(chan time.Time), stop: make(chan struct{})}
}

func (f *fakeTimer) after(d time.Duration) <-chan time.Time {
	select {
	case f.delays <- d:
	case <-f.stop:
	}
	return f.fire
}

// nextDelay returns the delay of Run's next wait. The deadline only guards
// against a hung Run.
func (f *fakeTimer) nextDelay(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-f.delays:
		return d
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not wait again within 30s")
		return 0
	}
}

func TestRunBackoffAndRecovery(t *testing.T) {
	t.Parallel()
	repo := newGitRepo(t, "main")
	repo.write("workflows/a.yaml", workflowYAML("alpha", "1.0", "production"))
	head := repo.commit("Add alpha")
	moved := repo.dir + ".moved"
	if err := os.Rename(repo.dir, moved); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, repo, func(cfg *Config) {
		cfg.PollInterval = time.Minute
		cfg.MaxBackoff = 4 * time.Second
	})
	timer := newFakeTimer()
	h.rec.after = timer.after
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.rec.Run(ctx) }()

	for attempt, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second} {
		if attempt > 0 {
			timer.fire <- time.Time{}
		}
		if got := timer.nextDelay(t); got != want {
			t.Errorf("delay after failure %d = %s, want %s", attempt+1, got, want)
		}
		status := h.rec.Status()
		if status.ConsecutiveFailures != attempt+1 {
			t.Errorf("consecutive failures = %d, want %d", status.ConsecutiveFailures, attempt+1)
		}
		if !status.NextAttemptAt.Equal(h.clock.Now().Add(want)) {
			t.Errorf("next attempt at %s, want now + %s", status.NextAttemptAt, want)
		}
		if status.LastFetchError == "" {
			t.Error("status has no fetch error")
		}
	}
	if err := os.Rename(moved, repo.dir); err != nil {
		t.Fatal(err)
	}
	timer.fire <- time.Time{}

	if got := timer.nextDelay(t); got != time.Minute {
		t.Errorf("delay after recovery = %s, want the 1m poll interval", got)
	}
	if got := h.activeCommit(); got != head {
		t.Errorf("active commit after recovery = %s, want %s", got, head)
	}
	status := h.rec.Status()
	if status.ConsecutiveFailures != 0 {
		t.Errorf("consecutive failures after recovery = %d, want 0", status.ConsecutiveFailures)
	}
	if status.LastFetchError != "" {
		t.Errorf("fetch error after recovery = %q, want none", status.LastFetchError)
	}
	logs := h.logs.String()
	for _, want := range []string{`"attempt":3`, `"delay":4000000000`, `"msg":"reconcile recovered"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}

	repo.write("workflows/b.yaml", workflowYAML("beta", "1.0", "production"))
	next := repo.commit("Add beta")
	h.rec.Trigger()
	if got := timer.nextDelay(t); got != time.Minute {
		t.Errorf("delay after a triggered pass = %s, want 1m", got)
	}
	if got := h.activeCommit(); got != next {
		t.Errorf("active commit after Trigger = %s, want %s", got, next)
	}

	cancel()
	close(timer.stop)
	if err := <-done; err != nil {
		t.Errorf("Run returned %v after cancel, want nil", err)
	}
	if status := h.rec.Status(); !status.NextAttemptAt.IsZero() {
		t.Errorf("next attempt = %s after Run ended, want zero", status.NextAttemptAt)
	}
}

func TestBackoffDelay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		failures int
		max      time.Duration
		want     time.Duration
	}{
		{1, 5 * time.Minute, time.Second},
		{2, 5 * time.Minute, 2 * time.Second},
		{9, 5 * time.Minute, 256 * time.Second},
		{10, 5 * time.Minute, 5 * time.Minute},
		{500, 5 * time.Minute, 5 * time.Minute},
		{1, 500 * time.Millisecond, 500 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := backoffDelay(tt.failures, tt.max); got != tt.want {
			t.Errorf("backoffDelay(%d, %s) = %s, want %s", tt.failures, tt.max, got, tt.want)
		}
	}
}

func TestTriggerCoalesces(t *testing.T) {
	t.Parallel()
	h := newHarness(t, newGitRepo(t, "main"), nil)

	for range 3 {
		h.rec.Trigger()
	}

	if n := len(h.rec.trigger); n != 1 {
		t.Errorf("pending triggers = %d, want 1", n)
	}
}
