package store

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// crashHelperEnv names the database file of the child process that
// TestIngestSurvivesKill starts and kills.
const crashHelperEnv = "POLICYCORTEX_STORE_CRASH_DB"

// TestCrashHelperProcess is the child side of TestIngestSurvivesKill. It
// ingests events from several goroutines and prints the id of each event
// whose IngestEvent returned nil, until it is killed.
func TestCrashHelperProcess(t *testing.T) {
	path := os.Getenv(crashHelperEnv)
	if path == "" {
		t.Skip("runs only as the child process of TestIngestSurvivesKill")
	}
	s, err := Open(context.Background(), path, Options{Logger: quietLogger()})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	var out sync.Mutex
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("w%d-%d", w, i)
				run := testRun("run-"+id, "triage", 0, 0, "a")
				if _, err := s.IngestEvent(context.Background(), testEvent("crash", id), []NewRun{run}); err != nil {
					fmt.Fprintln(os.Stderr, "ingest:", err)
					os.Exit(2)
				}
				out.Lock()
				fmt.Println(id)
				out.Unlock()
			}
		}()
	}
	wg.Wait()
}

func TestIngestSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	t.Parallel()
	const wantAcked = 500
	path := filepath.Join(t.TempDir(), "state.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelperProcess$")
	cmd.Env = append(os.Environ(), crashHelperEnv+"="+path)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("child stdout: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}

	var acked []string
	lines := bufio.NewScanner(stdout)
	for len(acked) < wantAcked && lines.Scan() {
		acked = append(acked, lines.Text())
	}
	// SIGKILL gives the child no chance to flush or close anything.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("kill child %d: %v", cmd.Process.Pid, err)
	}
	cmd.Wait() //nolint:errcheck // the child was killed, so Wait reports that
	if len(acked) < wantAcked {
		t.Fatalf("child acknowledged %d events before it stopped, want %d", len(acked), wantAcked)
	}

	s := openAt(t, path)
	for _, id := range acked {
		var n int
		err := s.readDB.QueryRow(`SELECT COUNT(*) FROM events e JOIN runs r ON r.event_seq = e.seq
			WHERE e.source = 'crash' AND e.id = ?`, id).Scan(&n)
		if err != nil {
			t.Fatalf("look up event %s: %v", id, err)
		}
		if n != 1 {
			t.Errorf("acknowledged event %s has %d stored runs after the kill, want 1", id, n)
		}
	}
}
