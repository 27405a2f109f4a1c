package e2e

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// problemLine matches one text problem line: file:line:col: message.
var problemLine = regexp.MustCompile(`^(.+):(\d+):(\d+): (.+)$`)

// misspeltTrigger is a workflow whose "trigger" key is spelt "tigger" on
// line 3, column 3.
const misspeltTrigger = `workflow:
  name: "misspelt-trigger"
  tigger:
    event: "e2e.test"
  steps:
    - name: "evaluate"
      script: "return True"
`

// newLintRepo writes a policy repository with one workflow file and returns
// the repository directory and the file's path.
func newLintRepo(t *testing.T, name, content string) (repo, file string) {
	t.Helper()
	repo = filepath.Join(t.TempDir(), "policy")
	copyTree(t, suite.exampleRepo, repo)
	file = filepath.Join(repo, "workflows", name)
	writeFile(t, file, content)
	return repo, file
}

func TestLintBadFileText(t *testing.T) {
	t.Parallel()
	_, file := newLintRepo(t, "misspelt.yaml", misspeltTrigger)
	res := runCLI(t, "", "lint", file)
	res.wantExit(t, 1, "lint of a file with an unknown key")

	want := file + `:3:3: unknown key "tigger"; did you mean "trigger"?`
	lines := strings.Split(strings.TrimSpace(res.Stdout), "\n")
	found := false
	for _, line := range lines {
		if !problemLine.MatchString(line) {
			t.Errorf("lint output line %q is not file:line:col: message", line)
		}
		if line == want {
			found = true
		}
	}
	if !found {
		t.Errorf("lint output lacks %q:\n%s", want, res.Stdout)
	}
}

func TestLintCleanFileExitsZero(t *testing.T) {
	t.Parallel()
	file := filepath.Join(suite.exampleRepo, "workflows", "data-exposure-response.yaml")
	res := runCLI(t, "", "lint", file)
	res.wantExit(t, 0, "lint of a clean workflow")
}

func TestLintMissingPathExitsTwo(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "no-such-workflow.yaml")
	res := runCLI(t, "", "lint", missing)
	res.wantExit(t, 2, "lint of a missing path")
	if !strings.Contains(res.Stderr, "no-such-workflow.yaml") {
		t.Errorf("lint error does not name the missing path:\n%s", res.Stderr)
	}
}

func TestLintWithoutPathExitsTwo(t *testing.T) {
	t.Parallel()
	res := runCLI(t, "", "lint")
	res.wantExit(t, 2, "lint without a path")
}

func TestLintJSONFormat(t *testing.T) {
	t.Parallel()
	_, file := newLintRepo(t, "misspelt.yaml", misspeltTrigger)
	res := runCLI(t, "", "lint", "--format", "json", file)
	res.wantExit(t, 1, "lint --format json of a bad file")

	var report struct {
		Problems []struct {
			File     string `json:"file"`
			Line     int    `json:"line"`
			Column   int    `json:"column"`
			Severity string `json:"severity"`
			Message  string `json:"message"`
		} `json:"problems"`
		Errors int `json:"errors"`
	}
	if err := json.Unmarshal([]byte(res.Stdout), &report); err != nil {
		t.Fatalf("lint --format json output is not JSON: %v\n%s", err, res.Stdout)
	}
	if report.Errors == 0 || report.Errors > len(report.Problems) {
		t.Errorf("errors = %d with %d problems, want at least one error", report.Errors, len(report.Problems))
	}
	found := false
	for _, p := range report.Problems {
		if p.File == file && p.Line == 3 && p.Column == 3 && strings.Contains(p.Message, `"tigger"`) {
			found = true
			if p.Severity != "error" {
				t.Errorf("unknown key problem has severity %q, want error", p.Severity)
			}
		}
	}
	if !found {
		t.Errorf("lint JSON lacks the unknown key problem at %s:3:3:\n%s", file, res.Stdout)
	}
}

func TestLintJSONFormatClean(t *testing.T) {
	t.Parallel()
	res := runCLI(t, suite.moduleRoot, "lint", "--format", "json", "example-repo")
	res.wantExit(t, 0, "lint --format json of example-repo")
	var report struct {
		Errors int `json:"errors"`
	}
	if err := json.Unmarshal([]byte(res.Stdout), &report); err != nil {
		t.Fatalf("lint --format json output is not JSON: %v\n%s", err, res.Stdout)
	}
	if report.Errors != 0 {
		t.Errorf("errors = %d, want 0", report.Errors)
	}
}

func TestLintUnknownFormatExitsTwo(t *testing.T) {
	t.Parallel()
	res := runCLI(t, suite.moduleRoot, "lint", "--format", "xml", "example-repo")
	res.wantExit(t, 2, "lint --format xml")
}
