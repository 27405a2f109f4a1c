package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	validWorkflow = "workflow:\n  name: real\n  trigger: {event: x}\n  steps: [{name: s, condition: 'true'}]\n"
	validAction   = "action:\n  name: page\n  http: {url: 'https://example.com/page'}\n"
)

// symlinkRepo makes a repository whose workflows/ folder holds a regular
// workflow, a link to a workflow file, a link to a folder of workflows and
// a link that is no policy file.
func symlinkRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join(dir, "policies")
	writeFile(t, filepath.Join(root, "workflows", "real.yaml"), validWorkflow)
	writeFile(t, filepath.Join(dir, "elsewhere", "other.yaml"), strings.Replace(validWorkflow, "real", "other", 1))
	links := map[string]string{
		filepath.Join(root, "workflows", "linked.yaml"): filepath.Join(dir, "elsewhere", "other.yaml"),
		filepath.Join(root, "workflows", "team"):        filepath.Join(dir, "elsewhere"),
		filepath.Join(root, "workflows", "notes.md"):    filepath.Join(dir, "elsewhere", "other.yaml"),
	}
	for link, target := range links {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestReadDirReportsSymlinks(t *testing.T) {
	t.Parallel()
	root := symlinkRepo(t)
	files, problems, err := ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files["workflows/real.yaml"] == nil {
		t.Errorf("files = %v, want only workflows/real.yaml", files)
	}
	want := "workflows/linked.yaml: warning: symbolic links are not followed; replace the link with the file or folder it points to\n" +
		"workflows/team: warning: symbolic links are not followed; replace the link with the file or folder it points to"
	problems.Sort()
	if got := problems.Error(); got != want {
		t.Errorf("problems =\n%s\nwant\n%s", got, want)
	}
}

func TestLintReportsSymlinks(t *testing.T) {
	t.Parallel()
	root := symlinkRepo(t)
	for _, arg := range []string{root, filepath.Join(root, "workflows")} {
		problems, err := Lint([]string{arg}, LintOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if errs := problems.Errors(); len(errs) > 0 {
			t.Errorf("Lint(%s) errors: %v", arg, errs)
		}
		var named []string
		for _, p := range problems {
			if p.Severity == SeverityWarning && strings.Contains(p.Message, "symbolic links are not followed") {
				named = append(named, p.Pos.File)
			}
		}
		want := []string{filepath.Join(root, "workflows", "linked.yaml"), filepath.Join(root, "workflows", "team")}
		if strings.Join(named, "\n") != strings.Join(want, "\n") {
			t.Errorf("Lint(%s) symlink warnings at %v, want %v", arg, named, want)
		}
	}

	problems, err := Lint([]string{filepath.Join(root, "workflows", "real.yaml")}, LintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Errorf("Lint of one regular file reported %v", problems)
	}
}

func TestLintReportsSymlinkOutsideLayout(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "target.yaml"), "conditions:\n  - name: x\n    expression: 'true'\n")
	if err := os.Symlink(filepath.Join(dir, "target.yaml"), filepath.Join(dir, "fragment.yaml")); err != nil {
		t.Fatal(err)
	}
	problems, err := Lint([]string{dir}, LintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "fragment.yaml") + ": warning: symbolic links are not followed; replace the link with the file or folder it points to"
	if got := problems.Error(); got != want {
		t.Errorf("problems = %q, want %q", got, want)
	}
}

func TestLoadRepositoryWarnsWithoutWorkflows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files Files
		want  string
	}{
		{"only an action", Files{"actions/page.yaml": []byte(validAction)},
			"workflows/: warning: the repository has policy files but no workflow under workflows/, so no event or schedule will start a run"},
		{"no files", Files{}, ""},
		{"a workflow", Files{"actions/page.yaml": []byte(validAction), "workflows/real.yaml": []byte(validWorkflow)}, ""},
		{"a broken workflow", Files{"workflows/real.yaml": []byte("workflow: [\n")}, "workflows/real.yaml:1:1: invalid YAML: did not find expected node content"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			repo, problems := LoadRepository(tt.files, LoadOptions{})
			if got := problems.Error(); got != tt.want {
				t.Errorf("problems = %q, want %q", got, tt.want)
			}
			if repo == nil {
				t.Errorf("repository is nil")
			}
		})
	}
}

func TestLintWarnsWithoutWorkflows(t *testing.T) {
	t.Parallel()
	root := filepath.Join(t.TempDir(), "policies")
	writeFile(t, filepath.Join(root, "actions", "page.yaml"), validAction)
	writeFile(t, filepath.Join(root, "conditions.yaml"), "conditions:\n  - name: always\n    expression: 'true'\n")

	problems, err := Lint([]string{root}, LintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(root, "workflows") + string(filepath.Separator) +
		": warning: the repository has policy files but no workflow under workflows/, so no event or schedule will start a run"
	if got := problems.Error(); got != want {
		t.Errorf("problems = %q, want %q", got, want)
	}
	if errs := problems.Errors(); len(errs) > 0 {
		t.Errorf("a repository without workflows has errors: %v", errs)
	}

	problems, err = Lint([]string{filepath.Join(root, "actions", "page.yaml")}, LintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Errorf("Lint of one file reported the repository warning: %v", problems)
	}
}
