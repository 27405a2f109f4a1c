package e2e

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunsAPIValidatesQueries(t *testing.T) {
	t.Parallel()
	repo := newPolicyRepo(t)
	d := startDaemon(t, "--repo", repo, "--poll-interval", pollInterval)

	cases := []struct {
		path string
		want int
	}{
		{"/v1/runs?status=bogus", http.StatusBadRequest},
		{"/v1/runs?limit=0", http.StatusBadRequest},
		{"/v1/runs?limit=abc", http.StatusBadRequest},
		{"/v1/runs?status=succeeded&limit=5", http.StatusOK},
		{"/v1/runs/no-such-run", http.StatusNotFound},
		{"/v1/workflows/no-such-workflow", http.StatusNotFound},
		{"/v1/no-such-route", http.StatusNotFound},
	}
	for _, tc := range cases {
		status, body, err := d.do(http.MethodGet, tc.path, nil)
		if err != nil {
			t.Fatalf("GET %s: %v", tc.path, err)
		}
		if status != tc.want {
			t.Errorf("GET %s: status %d, want %d; body %s", tc.path, status, tc.want, body)
		}
		if status != http.StatusOK && !strings.Contains(string(body), `"error"`) {
			t.Errorf("GET %s: error body %s is not {\"error\": ...}", tc.path, body)
		}
	}
}

func TestServeRejectsInvalidFlags(t *testing.T) {
	t.Parallel()
	repo := newPolicyRepo(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	cases := []struct {
		name string
		args []string
	}{
		{"missing repo", []string{"serve", "--data-dir", dataDir}},
		{"invalid listen", []string{"serve", "--repo", repo, "--data-dir", dataDir, "--listen", "not-an-address"}},
		{"path escaping the repository", []string{"serve", "--repo", repo, "--data-dir", dataDir, "--listen", freeAddr(t), "--path", "../outside"}},
		{"unknown log format", []string{"serve", "--repo", repo, "--data-dir", dataDir, "--log-format", "xml"}},
		{"missing connectors file", []string{"serve", "--repo", repo, "--data-dir", dataDir, "--listen", freeAddr(t),
			"--connectors", filepath.Join(t.TempDir(), "missing.yaml")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := runCLI(t, "", tc.args...)
			res.wantExit(t, 2, "serve with "+tc.name)
			if strings.TrimSpace(res.Stderr) == "" {
				t.Errorf("serve with %s printed no error", tc.name)
			}
		})
	}
}
