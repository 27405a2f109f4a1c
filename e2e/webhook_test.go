package e2e

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// postWebhook posts a push webhook body with the given X-Hub-Signature-256
// header and returns the status code.
func postWebhook(t *testing.T, d *daemon, body []byte, signature string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, d.url+"/v1/webhooks/git", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("build webhook request: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "push")
	if signature != "" {
		req.Header.Set("X-Hub-Signature-256", signature)
	}
	resp, err := (&http.Client{Timeout: requestTimeout}).Do(req)
	if err != nil {
		t.Fatalf("POST /v1/webhooks/git: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// signBody returns the X-Hub-Signature-256 value of body under secret.
func signBody(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func TestPushWebhookTriggersReconcile(t *testing.T) {
	t.Parallel()
	repo := newPolicyRepo(t)
	head := git(t, repo, "rev-parse", "HEAD")
	const secret = "e2e-webhook-secret"
	secretFile := filepath.Join(t.TempDir(), "webhook-secret")
	writeFile(t, secretFile, secret+"\n")

	// An hour between polls: only the webhook can make the daemon see the
	// next commit within the test.
	d := startDaemon(t, "--repo", repo, "--poll-interval", "1h", "--webhook-secret-file", secretFile)
	waitActive(t, d, head)

	next := gitCommit(t, repo, "Add a workflow announced by webhook", map[string]string{
		"workflows/webhook.yaml": e2eWorkflow("webhook", "1.0", "e2e.webhook"),
	})
	body := []byte(`{"ref": "refs/heads/main", "after": "` + next + `"}`)

	if code := postWebhook(t, d, body, ""); code != http.StatusUnauthorized {
		t.Errorf("webhook without a signature: status %d, want 401", code)
	}
	if code := postWebhook(t, d, body, signBody("wrong-secret", body)); code != http.StatusUnauthorized {
		t.Errorf("webhook signed with another secret: status %d, want 401", code)
	}
	if got := getStatus(t, d).activeCommit(); got != head {
		t.Errorf("active commit after rejected webhooks is %q, want %s", got, head)
	}

	if code := postWebhook(t, d, body, signBody(secret, body)); code < 200 || code > 299 {
		t.Fatalf("signed webhook: status %d, want 2xx", code)
	}
	waitActive(t, d, next)
}

func TestWebhookDisabledWithoutSecret(t *testing.T) {
	t.Parallel()
	repo := newPolicyRepo(t)
	d := startDaemon(t, "--repo", repo, "--poll-interval", pollInterval)
	body := []byte(`{"ref": "refs/heads/main"}`)
	if code := postWebhook(t, d, body, signBody("any", body)); code != http.StatusNotFound {
		t.Errorf("webhook without --webhook-secret-file: status %d, want 404", code)
	}
}

func TestFollowsBranchAndSubdirectory(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "monorepo")
	copyTree(t, suite.exampleRepo, filepath.Join(dir, "governance", "policies"))
	writeFile(t, filepath.Join(dir, "README.md"), "Service code and governance policies.\n")
	git(t, dir, "init", "--quiet")
	gitCommit(t, dir, "Add the policies on main", nil)
	git(t, dir, "checkout", "--quiet", "-b", "release")
	release := gitCommit(t, dir, "Add a workflow on the release branch", map[string]string{
		"governance/policies/workflows/release-only.yaml": e2eWorkflow("release-only", "1.0", "e2e.release"),
	})
	// Work continues on main, which the daemon must not follow.
	git(t, dir, "checkout", "--quiet", "main")
	// A broken file outside --path must not matter.
	gitCommit(t, dir, "Add a broken workflow outside the policy path", map[string]string{
		"workflows/broken.yaml": misspeltTrigger,
	})

	svcs := newServices(t)
	d := serveRepo(t, dir, svcs, release, "--branch", "release", "--path", "governance/policies")
	var wf workflowSummary
	getJSON(t, d, "/v1/workflows/release-only", &wf)
	if wf.File != "workflows/release-only.yaml" {
		t.Errorf("workflow file %q, want the path relative to --path, workflows/release-only.yaml", wf.File)
	}
	id := submitOne(t, d, cloudEvent(t, "e2e/tests", "release-1", "e2e.release", nil), "release-only")
	wantRunStatus(t, d, id, "succeeded")
	if _, err := os.Stat(filepath.Join(dir, "governance", "policies", "workflows", "release-only.yaml")); err == nil {
		t.Errorf("the work tree on main has the release-only workflow; the test setup is wrong")
	}
}
