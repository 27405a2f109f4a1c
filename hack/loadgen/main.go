// Command loadgen measures the daemon end to end on loopback: durable event
// ingest over HTTP, three-step runs completed per second, and the latency
// from posting an event to its first step's request. It starts the built
// binary on a temporary Git repository and a SQLite file, and stops it at
// the end. Every load loop is bounded by a count and a deadline.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"
)

func main() {
	bin := flag.String("bin", "bin/policycortex", "path to the policycortex binary")
	events := flag.Int("events", 20000, "events posted in the ingest measurement")
	runs := flag.Int("runs", 5000, "runs started in the throughput measurement")
	latencySamples := flag.Int("latency-samples", 500, "events sent one at a time for the latency measurement")
	clients := flag.Int("clients", 32, "concurrent HTTP clients")
	workers := flag.Int("workers", 64, "engine workers (serve --workers)")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	work, err := os.MkdirTemp("", "policycortex-load-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(work)

	sink, err := startSink()
	if err != nil {
		log.Fatal(err)
	}
	defer sink.Close()

	absBin, _ := filepath.Abs(*bin)
	d, err := startDaemon(ctx, absBin, work, sink.URL, *workers)
	if err != nil {
		log.Fatal(err)
	}
	defer d.Stop()

	ingest, err := measureIngest(ctx, d.URL, *events, *clients)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("ingest: %d events in %s: %.0f events/s (durable 202 over HTTP, %d clients)\n",
		*events, ingest.Round(time.Millisecond), float64(*events)/ingest.Seconds(), *clients)

	runTime, err := measureRuns(ctx, d.URL, sink, *runs, *clients)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("runs: %d three-step runs in %s: %.0f runs/s (http actions to a loopback server)\n",
		*runs, runTime.Round(time.Millisecond), float64(*runs)/runTime.Seconds())

	p50, p99, err := measureLatency(ctx, d.URL, sink, *latencySamples)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("latency: event to first step request over %d events: p50 %s, p99 %s\n",
		*latencySamples, p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond))
}
