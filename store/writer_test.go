package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// insertSchedule returns a request body that stores one schedule row.
func insertSchedule(workflow string) txFunc {
	return func(ctx context.Context, tx *writeTx) error {
		return upsertSchedule(ctx, tx, ScheduleState{Workflow: workflow, Spec: "rate(1 hour)", NextAt: baseTime})
	}
}

func newRequest(ctx context.Context, fn txFunc) *writeRequest {
	return &writeRequest{ctx: ctx, fn: fn, done: make(chan error, 1)}
}

func TestCommitBatchIsolatesFailingRequest(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	errBoom := errors.New("boom")

	batch := []*writeRequest{
		newRequest(ctx, insertSchedule("first")),
		newRequest(ctx, func(ctx context.Context, tx *writeTx) error {
			if err := insertSchedule("failing")(ctx, tx); err != nil {
				return err
			}
			return errBoom
		}),
		newRequest(cancelled, insertSchedule("cancelled")),
		newRequest(ctx, insertSchedule("last")),
	}
	s.commitBatch(batch)

	wantErrs := []error{nil, errBoom, context.Canceled, nil}
	for i, req := range batch {
		if err := <-req.done; !errors.Is(err, wantErrs[i]) {
			t.Errorf("request %d: got %v, want %v", i, err, wantErrs[i])
		}
	}
	list, err := s.Schedules(ctx)
	if err != nil {
		t.Fatalf("Schedules: %v", err)
	}
	var names []string
	for _, st := range list {
		names = append(names, st.Workflow)
	}
	if fmt.Sprint(names) != "[first last]" {
		t.Errorf("committed schedules = %v, want [first last]", names)
	}
}

func TestWriteAfterCloseReturnsErrClosed(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	err := s.SetSchedule(context.Background(), ScheduleState{Workflow: "w", Spec: "rate(1 hour)"})
	if !errors.Is(err, ErrClosed) {
		t.Errorf("SetSchedule after Close: got %v, want ErrClosed", err)
	}
}

func TestCloseCommitsAcceptedWrites(t *testing.T) {
	t.Parallel()
	const writers = 40
	s, path := openTemp(t)
	ctx := context.Background()

	var wg sync.WaitGroup
	accepted := make([]bool, writers)
	ready := make(chan struct{})
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-ready
			err := s.SetSchedule(ctx, ScheduleState{Workflow: fmt.Sprintf("w%02d", i), Spec: "rate(1 hour)", NextAt: baseTime})
			switch {
			case err == nil:
				accepted[i] = true
			case !errors.Is(err, ErrClosed):
				t.Errorf("SetSchedule w%02d: %v", i, err)
			}
		}()
	}
	close(ready)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg.Wait()

	reopened := openAt(t, path)
	list, err := reopened.Schedules(ctx)
	if err != nil {
		t.Fatalf("Schedules: %v", err)
	}
	stored := map[string]bool{}
	for _, st := range list {
		stored[st.Workflow] = true
	}
	for i, ok := range accepted {
		name := fmt.Sprintf("w%02d", i)
		if ok && !stored[name] {
			t.Errorf("write %s returned nil but is missing after reopen", name)
		}
		if !ok && stored[name] {
			t.Errorf("write %s returned ErrClosed but was stored", name)
		}
	}
}
