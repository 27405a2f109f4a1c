package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

func TestIngestEventDuplicateReturnsOriginal(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := context.Background()
	snap := activate(t, s, "c1", nil, "triage", "notify")

	first, err := s.IngestEvent(ctx, testEvent("scanner", "e1"), []NewRun{
		testRun("r1", "triage", snap, 0, "classify", "page"),
		testRun("r2", "notify", snap, 0, "send"),
	})
	if err != nil {
		t.Fatalf("IngestEvent: %v", err)
	}
	if first.Duplicate || first.Seq == 0 {
		t.Fatalf("first ingest = %+v, want a new event with a seq", first)
	}
	if !reflect.DeepEqual(first.RunIDs, []string{"r1", "r2"}) {
		t.Errorf("first RunIDs = %v, want [r1 r2]", first.RunIDs)
	}

	again, err := s.IngestEvent(ctx, testEvent("scanner", "e1"), []NewRun{testRun("r3", "triage", snap, 0, "classify")})
	if err != nil {
		t.Fatalf("IngestEvent duplicate: %v", err)
	}
	if !again.Duplicate {
		t.Error("second ingest: Duplicate = false, want true")
	}
	if again.Seq != first.Seq {
		t.Errorf("duplicate Seq = %d, want %d", again.Seq, first.Seq)
	}
	if !reflect.DeepEqual(again.RunIDs, []string{"r1", "r2"}) {
		t.Errorf("duplicate RunIDs = %v, want [r1 r2]", again.RunIDs)
	}
	if got := countRows(t, s, "runs"); got != 2 {
		t.Errorf("runs = %d, want 2", got)
	}
	if got := countRows(t, s, "events"); got != 1 {
		t.Errorf("events = %d, want 1", got)
	}

	other, err := s.IngestEvent(ctx, testEvent("other-scanner", "e1"), nil)
	if err != nil {
		t.Fatalf("IngestEvent same id from another source: %v", err)
	}
	if other.Duplicate || other.Seq == first.Seq {
		t.Errorf("same id from another source = %+v, want a new event", other)
	}
	if len(other.RunIDs) != 0 {
		t.Errorf("event without runs has RunIDs %v", other.RunIDs)
	}
}

func TestIngestEventCreatesPendingRun(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := context.Background()
	snap := activate(t, s, "c1", nil, "triage")
	res, err := s.IngestEvent(ctx, testEvent("scanner", "e1"), []NewRun{testRun("r1", "triage", snap, time.Second, "classify", "page")})
	if err != nil {
		t.Fatalf("IngestEvent: %v", err)
	}

	r := getRun(t, s, "r1")
	if r.Status != RunPending || r.EventSeq != res.Seq || r.NextStep != 0 {
		t.Errorf("run = status %s, event %d, next step %d; want pending, %d, 0", r.Status, r.EventSeq, r.NextStep, res.Seq)
	}
	if r.Commit != "c1" || r.Version != "v1" || r.SnapshotID != snap {
		t.Errorf("run pinned to %d/%s/%s, want %d/c1/v1", r.SnapshotID, r.Commit, r.Version, snap)
	}
	want := baseTime.Add(time.Second)
	if !r.CreatedAt.Equal(want) || !r.NotBefore.Equal(want) {
		t.Errorf("CreatedAt %v, NotBefore %v; both want %v", r.CreatedAt, r.NotBefore, want)
	}
	if len(r.Steps) != 2 {
		t.Fatalf("run has %d steps, want 2", len(r.Steps))
	}
	for i, name := range []string{"classify", "page"} {
		st := r.Steps[i]
		if st.Index != i || st.Name != name || st.Status != StepPending || st.Attempts != 0 {
			t.Errorf("step %d = %+v, want pending %s", i, st, name)
		}
	}

	ev, err := s.GetEvent(ctx, res.Seq)
	if err != nil {
		t.Fatalf("GetEvent: %v", err)
	}
	if ev.Source != "scanner" || ev.ID != "e1" || ev.Type != "security.finding" {
		t.Errorf("event = %+v, want scanner/e1 of type security.finding", ev)
	}
	if string(ev.Body) != `{"id":"e1"}` {
		t.Errorf("event body = %s", ev.Body)
	}
	if !ev.Time.Equal(baseTime) || ev.Time.Location() != time.UTC {
		t.Errorf("event time = %v, want %v in UTC", ev.Time, baseTime)
	}
	if _, err := s.GetEvent(ctx, res.Seq+100); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetEvent of unknown seq: got %v, want ErrNotFound", err)
	}
}

func TestIngestEventRejectsInvalid(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	tests := []struct {
		name string
		ev   Event
		runs []NewRun
	}{
		{"missing source", testEvent("", "e1"), nil},
		{"missing id", testEvent("scanner", ""), nil},
		{"run without id", testEvent("scanner", "e2"), []NewRun{testRun("", "triage", 0, 0)}},
		{"run without workflow", testEvent("scanner", "e3"), []NewRun{testRun("r1", "", 0, 0)}},
		{"run id twice", testEvent("scanner", "e4"), []NewRun{testRun("r1", "a", 0, 0), testRun("r1", "b", 0, 0)}},
		{"unknown snapshot", testEvent("scanner", "e5"), []NewRun{testRun("r1", "a", 99, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.IngestEvent(context.Background(), tt.ev, tt.runs); err == nil {
				t.Error("got nil error")
			}
		})
	}
	if got := countRows(t, s, "events"); got != 0 {
		t.Errorf("events after rejected ingests = %d, want 0", got)
	}
}

func TestIngestEventRunIDConflictStoresNothing(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := context.Background()
	ingestRun(t, s, testRun("r1", "triage", 0, 0, "classify"))

	_, err := s.IngestEvent(ctx, testEvent("scanner", "e2"), []NewRun{testRun("r2", "triage", 0, 0), testRun("r1", "triage", 0, 0)})
	if err == nil {
		t.Fatal("IngestEvent reusing run id r1: got nil error")
	}
	if got := countRows(t, s, "events"); got != 1 {
		t.Errorf("events = %d, want 1 (the failed event rolled back)", got)
	}
	if got := countRows(t, s, "runs"); got != 1 {
		t.Errorf("runs = %d, want 1 (r2 rolled back)", got)
	}
}

func TestIngestEventConcurrentDurable(t *testing.T) {
	t.Parallel()
	const writers, perWriter = 50, 20
	s, path := openTemp(t)
	ctx := context.Background()

	var wg sync.WaitGroup
	seqs := make([][]int64, writers)
	errs := make(chan error, writers*perWriter)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				id := fmt.Sprintf("w%d-e%d", w, i)
				res, err := s.IngestEvent(ctx, testEvent("load", id), []NewRun{testRun("run-"+id, "triage", 0, 0, "a", "b")})
				if err != nil {
					errs <- err
					continue
				}
				seqs[w] = append(seqs[w], res.Seq)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent IngestEvent: %v", err)
	}
	distinct := map[int64]bool{}
	for _, list := range seqs {
		for _, seq := range list {
			distinct[seq] = true
		}
	}
	if len(distinct) != writers*perWriter {
		t.Errorf("distinct seqs = %d, want %d", len(distinct), writers*perWriter)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	reopened := openAt(t, path)
	if got := countRows(t, reopened, "events"); got != writers*perWriter {
		t.Errorf("events after reopen = %d, want %d", got, writers*perWriter)
	}
	if got := countRows(t, reopened, "runs"); got != writers*perWriter {
		t.Errorf("runs after reopen = %d, want %d", got, writers*perWriter)
	}
	if got := countRows(t, reopened, "steps"); got != 2*writers*perWriter {
		t.Errorf("steps after reopen = %d, want %d", got, 2*writers*perWriter)
	}
}
