package store

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// reportBatching adds the events/s rate and the mean number of write
// requests per committed batch to a benchmark's output.
func reportBatching(b *testing.B, s *Store, batchesBefore, requestsBefore int64) {
	b.Helper()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	batches := s.stats.batches.Load() - batchesBefore
	if batches > 0 {
		b.ReportMetric(float64(s.stats.requests.Load()-requestsBefore)/float64(batches), "writes/batch")
	}
}

// BenchmarkIngestEvent measures events per second through the group-commit
// writer: each event creates one run with three steps. SetParallelism(16)
// gives 16 concurrent callers per GOMAXPROCS, like many HTTP handlers.
func BenchmarkIngestEvent(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		b.Run("synchronous="+sync, func(b *testing.B) {
			s, err := Open(context.Background(), b.TempDir()+"/bench.db", Options{Synchronous: sync, Logger: quietLogger()})
			if err != nil {
				b.Fatalf("Open: %v", err)
			}
			defer s.Close()
			var next atomic.Int64
			batches, requests := s.stats.batches.Load(), s.stats.requests.Load()
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					id := fmt.Sprint(next.Add(1))
					ev := testEvent("bench", id)
					run := testRun("run-"+id, "triage", 0, 0, "classify", "notify", "ticket")
					if _, err := s.IngestEvent(ctx, ev, []NewRun{run}); err != nil {
						b.Errorf("IngestEvent: %v", err)
						return
					}
				}
			})
			b.StopTimer()
			reportBatching(b, s, batches, requests)
		})
	}
}

// BenchmarkClaimAndFinish measures one run's path through the engine's
// store calls: claim it, start its step, then finish the step and the run.
// With "workers=1" each of the three commits waits for its own fsync. With
// "workers=16" there are 16 callers per GOMAXPROCS, like an engine with many
// workers, and their commits share batches. The runs are stored before the
// timer starts.
func BenchmarkClaimAndFinish(b *testing.B) {
	for _, workers := range []int{1, 16} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			s, err := Open(context.Background(), b.TempDir()+"/bench.db", Options{Logger: quietLogger()})
			if err != nil {
				b.Fatalf("Open: %v", err)
			}
			defer s.Close()
			storeBenchRuns(b, s, b.N)
			b.ResetTimer()
			if workers == 1 {
				for range b.N {
					claimAndFinish(b, s)
				}
			} else {
				b.SetParallelism(workers)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						claimAndFinish(b, s)
					}
				})
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "runs/s")
		})
	}
}

// storeBenchRuns stores n runs of one step, 100 per event, in created order.
func storeBenchRuns(b *testing.B, s *Store, n int) {
	b.Helper()
	ctx := context.Background()
	for first := 0; first < n; first += 100 {
		var runs []NewRun
		for i := first; i < min(first+100, n); i++ {
			runs = append(runs, testRun(fmt.Sprint("run-", i), "triage", 0, time.Duration(i), "classify"))
		}
		if _, err := s.IngestEvent(ctx, testEvent("bench", fmt.Sprint(first)), runs); err != nil {
			b.Fatalf("IngestEvent: %v", err)
		}
	}
}

func claimAndFinish(b *testing.B, s *Store) {
	ctx := context.Background()
	now := baseTime.Add(time.Hour)
	runs, err := s.ClaimRuns(ctx, "bench", now, time.Minute, 1)
	if err != nil || len(runs) != 1 {
		b.Errorf("ClaimRuns = %d runs, %v; want 1", len(runs), err)
		return
	}
	id := runs[0].ID
	if err := s.StartStep(ctx, StepStart{RunID: id, Index: 0, Attempt: 1, At: now}); err != nil {
		b.Errorf("StartStep: %v", err)
		return
	}
	f := StepFinish{RunID: id, Index: 0, Status: StepSucceeded, At: now}
	if err := s.FinishStep(ctx, f, RunUpdate{Status: RunSucceeded, FinishedAt: &now}); err != nil {
		b.Errorf("FinishStep: %v", err)
	}
}
