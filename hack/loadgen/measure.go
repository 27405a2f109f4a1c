package main

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// postAll posts n events of one type from the given number of clients and
// returns the wall time until every 202 arrived.
func postAll(ctx context.Context, base, typ, prefix string, n, clients int) (time.Duration, error) {
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) || ctx.Err() != nil {
					return
				}
				if err := postEvent(ctx, base, typ, fmt.Sprintf("%s-%d", prefix, i)); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start), firstErr
}

// measureIngest posts events that match no workflow, so only durable
// ingestion is measured.
func measureIngest(ctx context.Context, base string, n, clients int) (time.Duration, error) {
	return postAll(ctx, base, "load.ingest", "ingest", n, clients)
}

// measureRuns posts n events that each start a three-step run and waits
// until the sink has seen every third step.
func measureRuns(ctx context.Context, base string, s *sink, n, clients int) (time.Duration, error) {
	start := time.Now()
	s.third.Store(0)
	if _, err := postAll(ctx, base, "load.run", "run", n, clients); err != nil {
		return 0, err
	}
	deadline := time.Now().Add(5 * time.Minute)
	for s.third.Load() < int64(n) {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return 0, fmt.Errorf("only %d of %d runs finished their third step in 5m", s.third.Load(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start), nil
}

// measureLatency sends events one at a time and measures from the start of
// the POST to the arrival of the run's first step request.
func measureLatency(ctx context.Context, base string, s *sink, samples int) (time.Duration, time.Duration, error) {
	lat := make([]time.Duration, 0, samples)
	for i := range samples {
		id := fmt.Sprintf("latency-%d", i)
		arrived := s.expect(id)
		sent := time.Now()
		if err := postEvent(ctx, base, "load.run", id); err != nil {
			return 0, 0, err
		}
		select {
		case at := <-arrived:
			lat = append(lat, at.Sub(sent))
		case <-time.After(10 * time.Second):
			return 0, 0, fmt.Errorf("first step of %s did not arrive within 10s", id)
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return percentile(lat, 0.50), percentile(lat, 0.99), nil
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p)
	return sorted[i]
}
