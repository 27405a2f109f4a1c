package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Arguments that make the test binary act as a child process instead of
// running the tests.
const (
	// childArg serves one script with ServeChild, as the policycortex
	// binary does.
	childArg = "sandbox-test-child"
	// probeArg closes inherited descriptors as ServeChild does, then
	// replies with the descriptors and the environment it finds.
	probeArg = "sandbox-test-probe"
	// hangArg writes its pid, and that of a grandchild in its process
	// group, to the file named by the next argument, then blocks.
	hangArg = "sandbox-test-hang"
	// sleepArg blocks; it is the grandchild of hangArg.
	sleepArg = "sandbox-test-sleep"
)

func TestMain(m *testing.M) {
	if len(os.Args) >= 2 {
		switch os.Args[1] {
		case childArg:
			if err := ServeChild(os.Stdin, os.Stdout); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			os.Exit(0)
		case probeArg:
			os.Exit(serveProbe())
		case hangArg:
			os.Exit(hang(os.Args[2]))
		case sleepArg:
			time.Sleep(time.Hour)
			os.Exit(0)
		}
	}
	os.Exit(m.Run())
}

// probeReport is the output of a probe child.
type probeReport struct {
	Before []string `json:"before"`
	After  []string `json:"after"`
	Env    []string `json:"env"`
}

func serveProbe() int {
	_, _ = io.Copy(io.Discard, os.Stdin)
	report := probeReport{Before: openFiles(), Env: os.Environ()}
	if err := closeInheritedFiles(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	report.After = openFiles()
	if err := json.NewEncoder(os.Stdout).Encode(reply{Output: report}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// openFiles returns the targets of this process's descriptors above 2.
func openFiles() []string {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	var targets []string
	for _, e := range entries {
		if fd, _ := strconv.Atoi(e.Name()); fd <= 2 {
			continue
		}
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err == nil {
			targets = append(targets, target)
		}
	}
	return targets
}

func hang(pidFile string) int {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	grandchild := exec.Command(self, sleepArg)
	if err := grandchild.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	pids := fmt.Sprintf("%d %d", os.Getpid(), grandchild.Process.Pid)
	if err := os.WriteFile(pidFile, []byte(pids), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	time.Sleep(time.Hour)
	return 0
}

// testRunner returns a Runner that starts this test binary in mode arg.
func testRunner(tb testing.TB, args ...string) *Runner {
	tb.Helper()
	self, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	return &Runner{Executable: self, Args: args}
}

// processGone reports whether pid has exited; a zombie counts as gone.
func processGone(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// The state follows the command name, which is in parentheses.
	rest := string(stat[strings.LastIndexByte(string(stat), ')')+1:])
	fields := strings.Fields(rest)
	return len(fields) > 0 && fields[0] == "Z"
}

// waitGone polls until pid is gone or a minute passes. Orphans are reaped
// by init, which may take a moment after the kill.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !processGone(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("process %d still runs after the script was stopped", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// residentBytes returns this process's resident set size.
func residentBytes(t *testing.T) uint64 {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kib, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kib << 10
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}
