package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/policycortex/policycortex/api"
)

// testServeOptions returns serve flags for a daemon on a free loopback port.
func testServeOptions(repo, dataDir string) serveOptions {
	return serveOptions{
		repo:         repo,
		branch:       "main",
		dataDir:      dataDir,
		listen:       "127.0.0.1:0",
		pollInterval: time.Hour,
		workers:      2,
		logFormat:    formatText,
		logLevel:     "error",
	}
}

// startTestDaemon starts the daemon and runs it until the test ends.
func startTestDaemon(t *testing.T, opts serveOptions, env map[string]string) (*daemon, string) {
	t.Helper()
	lookupEnv := func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
	d, err := startDaemon(context.Background(), opts, slog.New(slog.DiscardHandler), lookupEnv)
	if err != nil {
		t.Fatalf("start daemon: %v", err)
	}
	return d, "http://" + d.listener.Addr().String()
}

// runUntilStopped runs d in the background and returns a function that
// stops it and returns the error of run.
func runUntilStopped(t *testing.T, d *daemon) func() error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.run(ctx) }()
	return func() error {
		cancel()
		err := <-done
		d.closeStore()
		return err
	}
}

func httpGet(t *testing.T, url, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func TestDaemonServesAndRestores(t *testing.T) {
	repo, commit := newPolicyRepo(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	opts := testServeOptions(repo, dataDir)

	d, base := startTestDaemon(t, opts, nil)
	if status, _ := httpGet(t, base+"/readyz", ""); status != http.StatusServiceUnavailable {
		t.Fatalf("readyz before the first activation = %d, want 503", status)
	}
	if _, err := d.reconciler.Reconcile(context.Background()); err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	if status, _ := httpGet(t, base+"/readyz", ""); status != http.StatusOK {
		t.Fatalf("readyz after activation = %d, want 200", status)
	}
	stop := runUntilStopped(t, d)
	resp, err := http.Post(base+"/v1/events", "application/cloudevents+json", strings.NewReader(violationEvent("e1", "HIGH")))
	if err != nil {
		t.Fatalf("post event: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("post event = %d, want 202", resp.StatusCode)
	}
	_, metrics := httpGet(t, base+"/metrics", "")
	for _, want := range []string{"policycortex_reconcile_activations_total 1", "policycortex_runs_created_total 1", "go_goroutines"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("metrics do not contain %q", want)
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("run after shutdown = %v, want nil", err)
	}

	// A restart on the same data directory restores the active snapshot
	// before it is ready, without fetching.
	d, base = startTestDaemon(t, opts, nil)
	defer d.closeStore()
	defer d.shutdownHTTP()
	status, body := httpGet(t, base+"/v1/workflows", "")
	if status != http.StatusOK {
		t.Fatalf("workflows after restart = %d, body %s", status, body)
	}
	var list api.WorkflowList
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	if list.Commit != commit || len(list.Workflows) != 1 {
		t.Errorf("after restart commit = %s with %d workflows, want %s with 1", list.Commit, len(list.Workflows), commit)
	}
}

func TestDaemonRequiresToken(t *testing.T) {
	repo, _ := newPolicyRepo(t)
	opts := testServeOptions(repo, filepath.Join(t.TempDir(), "data"))
	opts.apiTokenFile = writeFile(t, filepath.Join(t.TempDir(), "token"), "daemon-token\n")
	d, base := startTestDaemon(t, opts, nil)
	defer d.closeStore()
	defer d.shutdownHTTP()
	if status, _ := httpGet(t, base+"/v1/status", ""); status != http.StatusUnauthorized {
		t.Errorf("status without token = %d, want 401", status)
	}
	if status, body := httpGet(t, base+"/v1/status", "daemon-token"); status != http.StatusOK {
		t.Errorf("status with token = %d, body %s; want 200", status, body)
	}
	if status, _ := httpGet(t, base+"/healthz", ""); status != http.StatusOK {
		t.Errorf("healthz without token = %d, want 200", status)
	}
}

func TestServeStartErrors(t *testing.T) {
	t.Parallel()
	repo, _ := newPolicyRepo(t)
	dir := t.TempDir()
	empty := writeFile(t, filepath.Join(dir, "empty-token"), "\n")
	tests := []struct {
		name   string
		modify func(*serveOptions)
		want   string
	}{
		{"missing token file", func(o *serveOptions) { o.apiTokenFile = filepath.Join(dir, "absent") }, "read --api-token-file"},
		{"empty token file", func(o *serveOptions) { o.apiTokenFile = empty }, "is empty"},
		{"missing webhook secret", func(o *serveOptions) { o.webhookSecretFile = filepath.Join(dir, "absent") }, "read --webhook-secret-file"},
		{"missing connectors", func(o *serveOptions) { o.connectors = filepath.Join(dir, "absent.yaml") }, "load --connectors"},
		{"bad listen address", func(o *serveOptions) { o.listen = "256.0.0.1:80" }, "listen on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := testServeOptions(repo, filepath.Join(t.TempDir(), "data"))
			tt.modify(&opts)
			_, err := startDaemon(context.Background(), opts, slog.New(slog.DiscardHandler), func(string) (string, bool) { return "", false })
			if err == nil {
				t.Fatal("startDaemon succeeded, want an error")
			}
			if exitCode(err) != exitUsage {
				t.Errorf("exit code = %d, want %d", exitCode(err), exitUsage)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestSecondDaemonOnDataDirRejected(t *testing.T) {
	repo, _ := newPolicyRepo(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	startTestDaemon(t, testServeOptions(repo, dataDir), nil)

	opts := testServeOptions(repo, dataDir)
	_, err := startDaemon(context.Background(), opts, slog.New(slog.DiscardHandler), os.LookupEnv)
	if err == nil {
		t.Fatal("second daemon on the same data directory started")
	}
	if !strings.Contains(err.Error(), "in use by another policycortex serve (pid ") {
		t.Errorf("error = %q, want it to name the running daemon", err)
	}
}
