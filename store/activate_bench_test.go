package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// benchFiles is the number of workflow files of the activation benchmarks,
// the size of a large policy repository.
const benchFiles = 10_000

// benchActivation returns an activation of n workflow files of about 180
// bytes each plus an approvers file, with one workflow record per workflow
// file in name order.
func benchActivation(n int, commit string) Activation {
	a := Activation{
		Commit:    commit,
		Branch:    "main",
		Files:     make(map[string][]byte, n+1),
		Workflows: make([]WorkflowRecord, 0, n),
		At:        baseTime,
	}
	a.Files["approvers.yaml"] = []byte("groups:\n  security_team: [alice, bob]\n")
	for i := range n {
		name := fmt.Sprintf("wf-%05d", i)
		file := "workflows/" + name + ".yaml"
		a.Files[file] = benchWorkflowYAML(name, "1.0.0")
		a.Workflows = append(a.Workflows, WorkflowRecord{Name: name, Version: "1.0.0", File: file, Digest: "sha256:" + name})
	}
	return a
}

func benchWorkflowYAML(name, version string) []byte {
	return fmt.Appendf(nil, `name: %s
version: %s
trigger:
  event: security.finding
steps:
  - name: classify
    uses: classify
  - name: notify
    uses: notify
    with:
      channel: "#security"
`, name, version)
}

// changeOne returns a copy of a with the file and record of workflow i at a
// new version, under a new commit and a later activation time.
func changeOne(a Activation, i, seq int) Activation {
	next := a
	next.Commit = fmt.Sprint("c", seq)
	next.At = a.At.Add(time.Duration(seq) * time.Second)
	next.Files = make(map[string][]byte, len(a.Files))
	for p, content := range a.Files {
		next.Files[p] = content
	}
	next.Workflows = append([]WorkflowRecord(nil), a.Workflows...)
	w := &next.Workflows[i]
	w.Version = fmt.Sprint("1.", seq)
	w.Digest = fmt.Sprint("sha256:", w.Name, "-", seq)
	next.Files[w.File] = benchWorkflowYAML(w.Name, w.Version)
	next.Diff = []DiffEntry{{Workflow: w.Name, Change: ChangeChanged, NewVersion: w.Version, NewDigest: w.Digest}}
	return next
}

// BenchmarkActivate10kFirst measures the first activation of a repository of
// 10,000 workflow files into an empty database, so every blob, file and
// workflow row is new.
func BenchmarkActivate10kFirst(b *testing.B) {
	ctx := context.Background()
	a := benchActivation(benchFiles, "c0")
	for b.Loop() {
		b.StopTimer()
		s, _ := openTemp(b)
		b.StartTimer()
		if _, err := s.Activate(ctx, a); err != nil {
			b.Fatalf("Activate: %v", err)
		}
	}
}

// BenchmarkActivate10kOneChange measures an activation of a repository of
// 10,000 workflow files that differs from the active snapshot in one file
// and one workflow record, as after a commit that edits one workflow.
func BenchmarkActivate10kOneChange(b *testing.B) {
	ctx := context.Background()
	s, _ := openTemp(b)
	a := benchActivation(benchFiles, "c0")
	if _, err := s.Activate(ctx, a); err != nil {
		b.Fatalf("Activate first snapshot: %v", err)
	}
	seq := 0
	for b.Loop() {
		b.StopTimer()
		seq++
		a = changeOne(a, seq%benchFiles, seq)
		b.StartTimer()
		if _, err := s.Activate(ctx, a); err != nil {
			b.Fatalf("Activate %s: %v", a.Commit, err)
		}
	}
}
