package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyTestRepo copies testdata/repo into a temporary directory.
func copyTestRepo(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "policies")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "repo"))); err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLintExampleRepositoryClean(t *testing.T) {
	t.Parallel()
	fragments := filepath.Join("testdata", "repo", "fragments")
	paths := []string{
		filepath.Join("testdata", "repo"),
		filepath.Join(fragments, "fragment-conditions.yaml"),
		filepath.Join(fragments, "fragment-approval-chain.yaml"),
	}
	problems, err := Lint(paths, LintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s", p)
	}
}

func TestLintFragmentsOutsideRepository(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"fragment-conditions.yaml", "fragment-approval-chain.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", "repo", "fragments", name))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, name), string(data))
	}
	problems, err := Lint([]string{dir}, LintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s", p)
	}
}

func TestLintDiscoversRepository(t *testing.T) {
	t.Parallel()
	root := copyTestRepo(t)
	bad := filepath.Join(root, "workflows", "team", "bad.yaml")
	writeFile(t, bad, "workflow:\n  name: bad\n  trigger: {event: x}\n  steps:\n    - name: s\n      action: create_jira_incidnet\n")
	problems, err := Lint([]string{bad}, LintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := bad + `:6:15: unknown action "create_jira_incidnet": not a built-in action and not defined in actions/; did you mean "create_jira_incident"?`
	if got := problems.Error(); got != want {
		t.Errorf("problems = %q, want %q", got, want)
	}
}

func TestLintReportsOnlyGivenFiles(t *testing.T) {
	t.Parallel()
	root := copyTestRepo(t)
	writeFile(t, filepath.Join(root, "workflows", "broken.yaml"), "workflow: [\n")
	good := filepath.Join(root, "workflows", "weekly-compliance-report.yaml")
	problems, err := Lint([]string{good}, LintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Errorf("problems of other files reported: %v", problems)
	}
	problems, err = Lint([]string{filepath.Join(root, "workflows")}, LintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || !strings.HasPrefix(problems[0].Pos.File, filepath.Join(root, "workflows", "broken.yaml")) {
		t.Errorf("folder lint problems = %v, want one in broken.yaml", problems)
	}
}

func TestLintStandaloneCopyReplacesRepositoryWorkflow(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "repo", "workflows", "data-exposure-response.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "draft.yaml")
	writeFile(t, copyPath, string(data))
	problems, err := Lint([]string{copyPath}, LintOptions{Repo: filepath.Join("testdata", "repo")})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Errorf("a copy of a repository workflow reported %v", problems)
	}
}

func TestLintLocationDecidesKind(t *testing.T) {
	t.Parallel()
	root := copyTestRepo(t)
	misplaced := filepath.Join(root, "workflows", "conditions.yaml")
	writeFile(t, misplaced, "conditions:\n  - name: x\n    expression: 'true'\n")
	problems, err := Lint([]string{misplaced}, LintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || !strings.Contains(problems[0].Message, `must have the top-level key "workflow"`) {
		t.Errorf("problems = %v, want the wrong top-level key", problems)
	}
}

func TestLintUsageErrors(t *testing.T) {
	t.Parallel()
	if _, err := Lint(nil, LintOptions{}); err == nil {
		t.Errorf("Lint with no paths returned no error")
	}
	if _, err := Lint([]string{filepath.Join(t.TempDir(), "missing.yaml")}, LintOptions{}); err == nil {
		t.Errorf("Lint of a missing file returned no error")
	}
}

func TestLintFolderSkipsUnknownFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "notes.yaml"), "title: not a policy file\n")
	writeFile(t, filepath.Join(dir, "package.json"), "{}\n")
	writeFile(t, filepath.Join(dir, "README.md"), "text\n")
	problems, err := Lint([]string{dir}, LintOptions{})
	if err != nil || len(problems) > 0 {
		t.Errorf("Lint = %v, %v; want no problems", problems, err)
	}
	problems, err = Lint([]string{filepath.Join(dir, "notes.yaml")}, LintOptions{})
	if err != nil || len(problems) != 1 || !strings.Contains(problems[0].Message, "unknown file kind") {
		t.Errorf("Lint of an unknown file = %v, %v; want an unknown kind problem", problems, err)
	}
}

func TestLoadWorkflowFileReplacesCopy(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "repo", "workflows", "weekly-compliance-report.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	draft := strings.Replace(string(data), "Generate and distribute weekly", "Draft of the weekly", 1)
	path := filepath.Join(t.TempDir(), "weekly.yaml")
	writeFile(t, path, draft)

	repo, wf, problems, err := LoadWorkflowFile(path, filepath.Join("testdata", "repo"))
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	if wf == nil || !strings.HasPrefix(wf.Description, "Draft of the weekly") {
		t.Fatalf("workflow = %+v, want the draft", wf)
	}
	if repo.Workflow("weekly-compliance-report") != wf {
		t.Errorf("repository still holds the committed copy")
	}
	if got := len(repo.Workflows); got != 4 {
		t.Errorf("repository has %d workflows, want 4", got)
	}
}

func TestLoadWorkflowFileProblems(t *testing.T) {
	t.Parallel()
	root := copyTestRepo(t)
	path := filepath.Join(root, "workflows", "new.yaml")
	writeFile(t, path, "workflow:\n  name: new\n  trigger: {event: x}\n  steps:\n    - name: s\n      action: send_slack_message\n")
	_, wf, problems, err := LoadWorkflowFile(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if wf != nil {
		t.Errorf("a workflow with errors was returned")
	}
	want := path + `:6:15: missing required parameter "message" for action "send_slack_message"`
	if got := problems.Error(); got != want {
		t.Errorf("problems = %q, want %q", got, want)
	}
}
