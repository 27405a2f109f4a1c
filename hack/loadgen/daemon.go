package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// sink is the loopback server the load workflow's http steps call.
type sink struct {
	*httptest.Server
	third atomic.Int64

	mu      sync.Mutex
	waiters map[string]chan time.Time
}

func startSink() (*sink, error) {
	s := &sink{waiters: map[string]chan time.Time{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s, nil
}

func (s *sink) serve(w http.ResponseWriter, r *http.Request) {
	var body struct{ ID string }
	raw, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(raw, &body)
	switch r.URL.Path {
	case "/one":
		s.mu.Lock()
		ch := s.waiters[body.ID]
		s.mu.Unlock()
		if ch != nil {
			select {
			case ch <- time.Now():
			default:
			}
		}
	case "/three":
		s.third.Add(1)
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"ok":true}`)
}

// expect registers interest in the first step of the run for event id.
func (s *sink) expect(id string) chan time.Time {
	ch := make(chan time.Time, 1)
	s.mu.Lock()
	s.waiters[id] = ch
	s.mu.Unlock()
	return ch
}

const loadWorkflow = `workflow:
  name: "load-three-steps"
  version: "1"
  trigger:
    event: "load.run"
  steps:
    - name: "one"
      action: "http"
      parameters:
        url: "%[1]s/one"
        body: {id: "{{ event.id }}"}
    - name: "two"
      action: "http"
      parameters:
        url: "%[1]s/two"
        body: {id: "{{ event.id }}", previous: "{{ steps.one.output.status }}"}
    - name: "three"
      action: "http"
      parameters:
        url: "%[1]s/three"
        body: {id: "{{ event.id }}"}
`

// daemon is a running `policycortex serve`.
type daemon struct {
	URL string
	cmd *exec.Cmd
	log *os.File
}

func startDaemon(ctx context.Context, bin, work, sinkURL string, workers int) (*daemon, error) {
	repo := filepath.Join(work, "policy")
	if err := os.MkdirAll(filepath.Join(repo, "workflows"), 0o755); err != nil {
		return nil, err
	}
	wf := fmt.Sprintf(loadWorkflow, sinkURL)
	if err := os.WriteFile(filepath.Join(repo, "workflows", "load.yaml"), []byte(wf), 0o644); err != nil {
		return nil, err
	}
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "-A"}, {"commit", "-qm", "Add the load workflow"}} {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-C", repo, "-c", "user.name=Load", "-c", "user.email=load@example.com"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("git %v: %v: %s", args, err, out)
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(work, "daemon.log"))
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin, "serve", "--repo", repo, "--data-dir", filepath.Join(work, "data"),
		"--listen", addr, "--poll-interval", "1h", "--workers", fmt.Sprint(workers), "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	d := &daemon{URL: "http://" + addr, cmd: cmd, log: logFile}
	if err := d.waitReady(ctx); err != nil {
		d.Stop()
		return nil, err
	}
	return d, nil
}

func (d *daemon) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var status struct {
			Active *struct{ Commit string } `json:"active"`
		}
		if err := getJSON(ctx, d.URL+"/v1/status", &status); err == nil && status.Active != nil && status.Active.Commit != "" {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("daemon at %s not ready with an active commit after 30s; see %s", d.URL, d.log.Name())
}

// Stop ends the daemon this program started.
func (d *daemon) Stop() {
	_ = d.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = d.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = d.cmd.Process.Kill()
		<-done
	}
	_ = d.log.Close()
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 30 * time.Second}

func getJSON(ctx context.Context, url string, v any) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func postEvent(ctx context.Context, base, typ, id string) error {
	body := fmt.Sprintf(`{"specversion":"1.0","id":%q,"source":"loadgen","type":%q,"data":{"n":1}}`, id, typ)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/events", bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/cloudevents+json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("POST event %s: %s", id, resp.Status)
	}
	return nil
}
