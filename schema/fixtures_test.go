package schema

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateFixtures = flag.Bool("update", false, "rewrite the .want files of the lint fixtures")

// problemLines formats problems one per line with prefix removed from every
// path, so expectations do not depend on where the fixture lies.
func problemLines(problems Problems, prefix string) string {
	var b strings.Builder
	for _, p := range problems {
		b.WriteString(strings.ReplaceAll(p.String(), prefix, ""))
		b.WriteByte('\n')
	}
	return b.String()
}

// checkWant compares got with the .want file, or rewrites it with -update.
func checkWant(t *testing.T, wantFile, got string) {
	t.Helper()
	if *updateFixtures {
		if err := os.WriteFile(wantFile, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(wantFile)
	if err != nil {
		t.Fatalf("read expectations: %v (run go test -update to create them)", err)
	}
	if got != string(want) {
		t.Errorf("problems differ from %s\n--- got\n%s--- want\n%s", wantFile, got, want)
	}
}

// TestLintBadFiles lints each file of testdata/bad by itself in the
// context of testdata/repo and compares the problems with the file's .want.
func TestLintBadFiles(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob(filepath.Join("testdata", "bad", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		if strings.HasSuffix(path, ".want") {
			continue
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			problems, err := Lint([]string{path}, LintOptions{Repo: filepath.Join("testdata", "repo")})
			if err != nil {
				t.Fatal(err)
			}
			if len(problems.Errors()) == 0 {
				t.Errorf("no error reported for a bad fixture")
			}
			checkWant(t, path+".want", problemLines(problems, filepath.Join("testdata", "bad")+"/"))
		})
	}
}

// TestLintBadRepos lints each repository of testdata/bad-repos as a folder,
// so its root is discovered, and compares with NAME.want.
func TestLintBadRepos(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob(filepath.Join("testdata", "bad-repos", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		if strings.HasSuffix(dir, ".want") {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			problems, err := Lint([]string{dir}, LintOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(problems.Errors()) == 0 {
				t.Errorf("no error reported for a bad repository")
			}
			checkWant(t, dir+".want", problemLines(problems, dir+"/"))
		})
	}
}
