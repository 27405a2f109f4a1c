package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Timeouts of the daemon's life cycle.
const (
	readyTimeout = 30 * time.Second
	// stopTimeout exceeds the engine's 10 s grace for in-flight steps.
	stopTimeout = 20 * time.Second
)

// daemon is one `policycortex serve` child process.
type daemon struct {
	t       *testing.T
	args    []string
	dataDir string
	token   string
	url     string
	cmd     *exec.Cmd
	stderr  *syncBuffer
	exited  chan struct{}
	// waitErr is the result of cmd.Wait, valid once exited is closed.
	waitErr error
}

// startDaemon runs `policycortex serve args...` on a free 127.0.0.1 port
// and waits until /readyz responds 200. When args name no --data-dir, a new
// temporary one is used. The process is stopped by its PID when the test
// ends, and its stderr is logged when the test failed.
func startDaemon(t *testing.T, args ...string) *daemon {
	t.Helper()
	d := &daemon{t: t, args: slices.Clone(args)}
	d.dataDir = flagValue(args, "--data-dir")
	if d.dataDir == "" {
		d.dataDir = filepath.Join(t.TempDir(), "data")
		d.args = append(d.args, "--data-dir", d.dataDir)
	}
	d.start()
	return d
}

// restart starts a new process with the same arguments and data directory
// on a new port. The previous process must have exited.
func (d *daemon) restart() {
	d.t.Helper()
	select {
	case <-d.exited:
	default:
		d.t.Fatalf("restart daemon: process %d is still running", d.cmd.Process.Pid)
	}
	d.start()
}

func (d *daemon) start() {
	t := d.t
	t.Helper()
	addr := freeAddr(t)
	d.url = "http://" + addr
	args := append([]string{"serve", "--listen", addr}, d.args...)
	d.cmd = exec.Command(suite.binary, args...)
	d.cmd.Env = cliEnv()
	d.stderr = &syncBuffer{}
	d.cmd.Stdout = d.stderr
	d.cmd.Stderr = d.stderr
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("start policycortex serve: %v", err)
	}
	exited := make(chan struct{})
	d.exited = exited
	cmd, stderr := d.cmd, d.stderr
	go func() {
		d.waitErr = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		d.stopProcess(cmd, exited)
		if t.Failed() {
			t.Logf("policycortex serve (pid %d) output:\n%s", cmd.Process.Pid, stderr.String())
		}
	})
	d.waitReady()
}

// waitReady polls /readyz until the daemon has restored its state: 200, or
// 503 "no active policy commit" while no commit has been activated yet. It
// fails early when the process exits.
func (d *daemon) waitReady() {
	d.t.Helper()
	deadline := time.Now().Add(readyTimeout)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-d.exited:
			d.t.Fatalf("policycortex serve exited before it was ready: %v\n%s", d.waitErr, d.stderr.String())
		default:
		}
		resp, err := client.Get(d.url + "/readyz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || strings.Contains(string(body), "no active policy commit") {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	d.t.Fatalf("policycortex serve at %s not ready after %s\n%s", d.url, readyTimeout, d.stderr.String())
}

// stop sends SIGTERM and waits for the process to exit. It returns the exit
// error, nil for exit code 0.
func (d *daemon) stop() error {
	d.t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		d.t.Fatalf("send SIGTERM to %d: %v", d.cmd.Process.Pid, err)
	}
	select {
	case <-d.exited:
		return d.waitErr
	case <-time.After(stopTimeout):
		d.t.Fatalf("policycortex serve (pid %d) still running %s after SIGTERM", d.cmd.Process.Pid, stopTimeout)
		return nil
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (d *daemon) kill() {
	d.t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		d.t.Fatalf("send SIGKILL to %d: %v", d.cmd.Process.Pid, err)
	}
	<-d.exited
}

// pid is the process id of the running daemon.
func (d *daemon) pid() int { return d.cmd.Process.Pid }

// stopProcess ends a process at cleanup: SIGTERM, then SIGKILL after
// stopTimeout.
func (d *daemon) stopProcess(cmd *exec.Cmd, exited <-chan struct{}) {
	select {
	case <-exited:
		return
	default:
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(stopTimeout):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-exited
	}
}

// output returns what the process wrote to stdout and stderr so far.
func (d *daemon) output() string { return d.stderr.String() }

// freeAddr returns a 127.0.0.1 address with a port that was free a moment
// ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}

// flagValue returns the value of --name in args, given as "--name value" or
// "--name=value".
func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	return ""
}

// syncBuffer is a bytes.Buffer safe for the process's writes and the test's
// reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// describeExit formats a process exit error for messages.
func describeExit(err error) string {
	if err == nil {
		return "exit code 0"
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return fmt.Sprintf("%v", exitErr)
	}
	return err.Error()
}
