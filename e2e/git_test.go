package e2e

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gitEnv fixes the identity and isolates git from the user's and the
// system's configuration, so commit signing or hooks set there cannot
// interfere.
func gitEnv() []string {
	return append(cliEnv(),
		"GIT_AUTHOR_NAME=PolicyCortex E2E",
		"GIT_AUTHOR_EMAIL=e2e@policycortex.test",
		"GIT_COMMITTER_NAME=PolicyCortex E2E",
		"GIT_COMMITTER_EMAIL=e2e@policycortex.test",
		"GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_TERMINAL_PROMPT=0",
	)
}

// git runs the git CLI in dir and returns its trimmed standard output.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	full := append([]string{"-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false"}, args...)
	cmd := exec.Command("git", full...)
	cmd.Dir = dir
	cmd.Env = gitEnv()
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if exitErr, ok := err.(*exec.ExitError); ok {
			stderr = string(exitErr.Stderr)
		}
		t.Fatalf("git %s in %s: %v\n%s", strings.Join(args, " "), dir, err, stderr)
	}
	return strings.TrimSpace(string(out))
}

// newPolicyRepo copies example-repo into a new Git repository on branch main
// and commits it. It returns the repository directory.
func newPolicyRepo(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "policy")
	copyTree(t, suite.exampleRepo, dir)
	git(t, dir, "init", "--quiet")
	gitCommit(t, dir, "Add the example policy repository", nil)
	return dir
}

// gitCommit writes files, keyed by path relative to dir, stages every change
// in dir, commits and returns the new head commit id. An empty content
// removes the file.
func gitCommit(t *testing.T, dir, message string, files map[string]string) string {
	t.Helper()
	for rel, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(rel))
		if content == "" {
			if err := os.Remove(path); err != nil {
				t.Fatalf("remove %s: %v", path, err)
			}
			continue
		}
		writeFile(t, path, content)
	}
	git(t, dir, "add", "--all")
	git(t, dir, "commit", "--quiet", "--allow-empty", "-m", message)
	return git(t, dir, "rev-parse", "HEAD")
}

// newRemotePair creates a bare repository and a clone of it holding a copy
// of example-repo pushed to main. The daemon follows the bare repository,
// and the test pushes from the clone.
func newRemotePair(t *testing.T) (bare, work string) {
	t.Helper()
	bare = filepath.Join(t.TempDir(), "remote.git")
	git(t, filepath.Dir(bare), "init", "--quiet", "--bare", bare)
	work = newPolicyRepo(t)
	git(t, work, "remote", "add", "origin", bare)
	git(t, work, "push", "--quiet", "origin", "main")
	return bare, work
}

// writeFile creates path and its parent directories.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatalf("create directory for %s: %v", path, err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
}

// copyTree copies the regular files under src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatalf("copy %s to %s: %v", src, dst, err)
	}
}
