package reconciler

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/policycortex/policycortex/schema"
	"github.com/policycortex/policycortex/store"
)

func withoutDigests(entries []store.DiffEntry) []store.DiffEntry {
	for i := range entries {
		entries[i].OldDigest, entries[i].NewDigest = "", ""
	}
	return entries
}

func TestDiffSeesActionChange(t *testing.T) {
	t.Parallel()
	wf := &schema.Workflow{Name: "a", Version: "1", Digest: "d1", File: "workflows/a.yaml",
		Steps: []*schema.Step{{Name: "s", Action: "page"}}}
	load := func(action string) *schema.Repository {
		return &schema.Repository{
			Workflows: []*schema.Workflow{wf},
			Actions:   map[string]*schema.ActionDef{"page": {Name: "page", File: "actions/page.yaml"}},
			Files:     schema.Files{"workflows/a.yaml": []byte("w"), "actions/page.yaml": []byte(action)},
		}
	}
	got := Diff(load("url: /v1"), load("url: /v2"))
	if len(got) != 1 || got[0].Change != store.ChangeChanged || got[0].Warning != WarningVersionUnchanged {
		t.Errorf("Diff after an action change = %+v, want a changed entry with the version warning", got)
	}
	if same := Diff(load("url: /v1"), load("url: /v1")); len(same) != 0 {
		t.Errorf("Diff without changes = %+v, want none", same)
	}
}

func TestDiff(t *testing.T) {
	t.Parallel()
	repo := func(workflows ...*schema.Workflow) *schema.Repository {
		return &schema.Repository{Workflows: workflows}
	}
	wf := func(name, version, digest string) *schema.Workflow {
		return &schema.Workflow{Name: name, Version: version, Digest: digest, File: "workflows/" + name + ".yaml"}
	}
	tests := []struct {
		name     string
		old, new *schema.Repository
		want     []store.DiffEntry
	}{
		{"both nil", nil, nil, nil},
		{"same", repo(wf("a", "1", "d1")), repo(wf("a", "1", "d1")), nil},
		{
			"added from nil", nil, repo(wf("b", "1", "d2"), wf("a", "2", "d1")),
			[]store.DiffEntry{
				{Workflow: "a", Change: store.ChangeAdded, NewVersion: "2", NewDigest: "d1"},
				{Workflow: "b", Change: store.ChangeAdded, NewVersion: "1", NewDigest: "d2"},
			},
		},
		{
			"removed", repo(wf("a", "1", "d1")), repo(),
			[]store.DiffEntry{{Workflow: "a", Change: store.ChangeRemoved, OldVersion: "1", OldDigest: "d1"}},
		},
		{
			"version bumped", repo(wf("a", "1", "d1")), repo(wf("a", "2", "d2")),
			[]store.DiffEntry{{Workflow: "a", Change: store.ChangeChanged, OldVersion: "1", NewVersion: "2", OldDigest: "d1", NewDigest: "d2"}},
		},
		{
			"content without version", repo(wf("a", "1", "d1")), repo(wf("a", "1", "d2")),
			[]store.DiffEntry{{Workflow: "a", Change: store.ChangeChanged, OldVersion: "1", NewVersion: "1", OldDigest: "d1", NewDigest: "d2", Warning: WarningVersionUnchanged}},
		},
		{
			"no version at all", repo(wf("a", "", "d1")), repo(wf("a", "", "d2")),
			[]store.DiffEntry{{Workflow: "a", Change: store.ChangeChanged, OldDigest: "d1", NewDigest: "d2", Warning: WarningVersionUnchanged}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Digests are effective digests, derived from the file digests;
			// the entries are compared without them.
			got, want := withoutDigests(Diff(tt.old, tt.new)), withoutDigests(tt.want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Diff = %+v, want %+v", got, want)
			}
		})
	}
}

func TestParseRemote(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name string
		repo string
		want remoteSpec
	}{
		{"absolute path", dir, remoteSpec{url: "file://" + filepath.ToSlash(dir), protocol: "file"}},
		{"file URL", "file:///srv/policy.git", remoteSpec{url: "file:///srv/policy.git", protocol: "file"}},
		{"https with credentials", "https://bot:s3cret@git.example.com/org/policy.git",
			remoteSpec{url: "https://git.example.com/org/policy.git", protocol: "https", username: "bot", password: "s3cret"}},
		{"ssh URL", "ssh://git@git.example.com:2222/org/policy.git",
			remoteSpec{url: "ssh://git.example.com:2222/org/policy.git", protocol: "ssh", username: "git"}},
		{"scp-like", "git@github.com:org/policy.git",
			remoteSpec{url: "git@github.com:org/policy.git", protocol: "ssh", username: "git"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRemote(tt.repo)
			if err != nil {
				t.Fatalf("parseRemote(%q): %v", tt.repo, err)
			}
			if got != tt.want {
				t.Errorf("parseRemote(%q) = %+v, want %+v", tt.repo, got, tt.want)
			}
		})
	}
}

func TestParseRemoteRelativePath(t *testing.T) {
	t.Parallel()
	got, err := parseRemote("policy-repo")
	if err != nil {
		t.Fatal(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if want := "file://" + filepath.ToSlash(filepath.Join(wd, "policy-repo")); got.url != want {
		t.Errorf("url = %q, want %q", got.url, want)
	}
}

func TestParseRemoteErrorsHideCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		repo, want string
	}{
		{"ftp://user:s3cret@example.com/policy", `unsupported scheme "ftp"`},
		{"http://example.com/policy.git", `unsupported scheme "http"`},
		{"git://example.com/policy.git", `unsupported scheme "git"`},
		{"https://user:s3cret@exa mple.com/policy", "invalid URL"},
	}
	for _, tt := range tests {
		_, err := parseRemote(tt.repo)
		if err == nil {
			t.Errorf("parseRemote(%q) succeeded", tt.repo)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseRemote(%q) error = %q, want %q", tt.repo, err, tt.want)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("parseRemote(%q) error = %q shows the password", tt.repo, err)
		}
	}
}

func TestAuthMethodHTTPS(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(" file-token \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	emptyFile := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(emptyFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(TokenEnv, "env-token")
	https := remoteSpec{url: "https://git.example.com/p.git", protocol: "https"}
	withUser := https
	withUser.username, withUser.password = "bot", "url-password"
	tests := []struct {
		name    string
		auth    authConfig
		remote  remoteSpec
		want    *http.BasicAuth
		wantErr string
	}{
		{"token file", authConfig{tokenFile: tokenFile}, https, &http.BasicAuth{Username: tokenUsername, Password: "file-token"}, ""},
		{"environment", authConfig{}, https, &http.BasicAuth{Username: tokenUsername, Password: "env-token"}, ""},
		{"token with URL user", authConfig{tokenFile: tokenFile}, withUser, &http.BasicAuth{Username: "bot", Password: "file-token"}, ""},
		{"empty token file", authConfig{tokenFile: emptyFile}, https, nil, "file is empty"},
		{"missing token file", authConfig{tokenFile: emptyFile + ".missing"}, https, nil, "read token file"},
		{"plain http ignores the token", authConfig{}, remoteSpec{protocol: "http", username: "bot", password: "pw"}, &http.BasicAuth{Username: "bot", Password: "pw"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, err := tt.auth.method(tt.remote)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := method.(*http.BasicAuth); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("auth = %+v, want %+v", method, tt.want)
			}
		})
	}
}

func TestAuthMethodSSHErrors(t *testing.T) {
	t.Setenv("SSH_AUTH_SOCK", "")
	ssh := remoteSpec{url: "ssh://git.example.com/p.git", protocol: "ssh"}
	missingKey := filepath.Join(t.TempDir(), "id_ed25519")
	tests := []struct {
		name string
		auth authConfig
		want string
	}{
		{"missing key file", authConfig{sshKeyFile: missingKey}, "read SSH key " + missingKey},
		{"no agent", authConfig{}, "set SSHKeyFile or SSH_AUTH_SOCK"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.auth.method(ssh)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	t.Parallel()
	st := openStore(t, filepath.Join(t.TempDir(), "state.db"))
	valid := Config{Repo: t.TempDir(), DataDir: t.TempDir(), Store: st}
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no repo", func(c *Config) { c.Repo = "" }, "Repo is empty"},
		{"no data dir", func(c *Config) { c.DataDir = "" }, "DataDir is empty"},
		{"no store", func(c *Config) { c.Store = nil }, "Store is nil"},
		{"path leaves root", func(c *Config) { c.Path = "policies/../../etc" }, `must not contain ".."`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.edit(&cfg)
			_, err := New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	t.Parallel()
	st := openStore(t, filepath.Join(t.TempDir(), "state.db"))
	rec, err := New(Config{Repo: t.TempDir(), DataDir: t.TempDir(), Store: st, Path: "/policies/"})
	if err != nil {
		t.Fatal(err)
	}
	got := []any{rec.cfg.Branch, rec.cfg.PollInterval, rec.cfg.MaxBackoff, rec.cfg.Path}
	want := []any{DefaultBranch, DefaultPollInterval, DefaultMaxBackoff, "policies"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults = %v, want %v", got, want)
	}
	if _, err := os.Stat(filepath.Join(rec.cfg.DataDir, "git", "policy.git", "config")); err != nil {
		t.Errorf("bare clone not created: %v", err)
	}
}
