package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Bounds for hostile input. hangGuard is far above the few hundred
// milliseconds these files take when handled well, so it catches a parser
// that expands an alias bomb or reads a huge file whole, not slowness.
const (
	hangGuard  = 15 * time.Second
	memoryCap  = 500 << 20
	hugeFileMB = 10
)

// hostileFile is a workflow file crafted to attack the YAML loader.
type hostileFile struct {
	name    string
	content string
	// line and col locate the problem; zero when the message has no
	// position.
	line, col int
	// message matches the problem's message.
	message *regexp.Regexp
}

// hostileFiles returns the attacks: a duplicate key, a tab in the
// indentation, a billion-laughs alias bomb, a 10 MB file and flow
// collections nested 100,000 deep.
func hostileFiles() []hostileFile {
	return []hostileFile{
		{
			name: "duplicate-keys.yaml",
			content: `workflow:
  name: "duplicate-keys"
  version: "1.0"
  name: "duplicate-keys-again"
  trigger:
    event: "e2e.hostile"
  steps:
    - name: "evaluate"
      script: "return True"
`,
			line: 4, col: 3,
			message: regexp.MustCompile(`(?i)duplicate.*"?name"?`),
		},
		{
			name: "tab-indent.yaml",
			content: "workflow:\n  name: \"tab-indent\"\n  trigger:\n\tevent: \"e2e.hostile\"\n" +
				"  steps:\n    - name: \"evaluate\"\n      script: \"return True\"\n",
			line: 4, col: 1,
			message: regexp.MustCompile(`(?i)tab`),
		},
		{
			name:    "alias-bomb.yaml",
			content: aliasBomb(),
			message: regexp.MustCompile(`(?i)alias`),
		},
		{
			name: "deep-nesting.yaml",
			content: "workflow:\n  name: \"deep-nesting\"\n  description: " +
				strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "\n",
			message: regexp.MustCompile(`(?i)(depth|nest)`),
		},
		{
			name:    "huge.yaml",
			content: hugeWorkflow(),
			message: regexp.MustCompile(`(?i)(size|large|bytes|limit|MiB|MB)`),
		},
	}
}

// aliasBomb is the billion-laughs document: nine levels of nine aliases
// that expand to 9^9 strings.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("workflow:\n  name: \"alias-bomb\"\n  lol0: &lol0 \"lol\"\n")
	for level := 1; level <= 9; level++ {
		refs := make([]string, 9)
		for i := range refs {
			refs[i] = fmt.Sprintf("*lol%d", level-1)
		}
		fmt.Fprintf(&b, "  lol%d: &lol%d [%s]\n", level, level, strings.Join(refs, ", "))
	}
	b.WriteString("  trigger:\n    event: \"e2e.hostile\"\n  steps:\n    - name: \"evaluate\"\n      script: \"return True\"\n")
	return b.String()
}

// hugeWorkflow is a valid-looking workflow padded with comments to 10 MB.
func hugeWorkflow() string {
	var b strings.Builder
	b.WriteString("workflow:\n  name: \"huge\"\n  trigger:\n    event: \"e2e.hostile\"\n  steps:\n    - name: \"evaluate\"\n      script: \"return True\"\n")
	line := "# " + strings.Repeat("padding ", 12) + "\n"
	for b.Len() < hugeFileMB<<20 {
		b.WriteString(line)
	}
	return b.String()
}

func TestLintHostileYAML(t *testing.T) {
	t.Parallel()
	for _, hf := range hostileFiles() {
		t.Run(strings.TrimSuffix(hf.name, ".yaml"), func(t *testing.T) {
			t.Parallel()
			_, file := newLintRepo(t, hf.name, hf.content)
			res := runCLI(t, "", "lint", file)
			res.wantExit(t, 1, "lint of "+hf.name)

			prefix := file + ":"
			if hf.line > 0 {
				prefix = fmt.Sprintf("%s:%d:%d: ", file, hf.line, hf.col)
			}
			var match string
			for _, line := range strings.Split(res.Stdout, "\n") {
				if strings.HasPrefix(line, prefix) && hf.message.MatchString(line[len(prefix):]) {
					match = line
				}
			}
			if match == "" {
				t.Errorf("lint output has no line starting %q with a message matching %s:\n%s", prefix, hf.message, truncate(res.Stdout))
			}
			if res.Elapsed > hangGuard {
				t.Errorf("lint of %s took %s, over the %s hang guard", hf.name, res.Elapsed, hangGuard)
			}
			if res.MaxRSS > memoryCap {
				t.Errorf("lint of %s peaked at %d MB resident, over %d MB", hf.name, res.MaxRSS>>20, memoryCap>>20)
			}
		})
	}
}

func TestDaemonRejectsHostileYAML(t *testing.T) {
	t.Parallel()
	repo := newPolicyRepo(t)
	good := git(t, repo, "rev-parse", "HEAD")
	svcs := newServices(t)
	d := serveRepo(t, repo, svcs, good)

	for _, hf := range hostileFiles() {
		rel := "workflows/" + hf.name
		commit := gitCommit(t, repo, "Add "+hf.name, map[string]string{rel: hf.content})
		st := waitRejected(t, d, commit)
		if !hasProblem(st.LastRejection.Problems, rel, hf.line, hf.col, hf.message) {
			t.Errorf("rejection of %s lacks a problem at %s:%d:%d matching %s: %+v",
				hf.name, rel, hf.line, hf.col, hf.message, st.LastRejection.Problems)
		}
		if got := st.activeCommit(); got != good {
			t.Errorf("after %s the active commit is %q, want the last good %s", hf.name, got, good)
		}

		id := submitOne(t, d, cloudEventFor(t, "critical-security-violation.json", "after-"+hf.name), "critical-security-incident-response")
		if r := wantRunStatus(t, d, id, "succeeded"); r.Commit != good {
			t.Errorf("run after %s used commit %s, want the last good %s", hf.name, r.Commit, good)
		}

		// Remove the file again, so that each rejection is caused by its
		// own attack alone.
		good = gitCommit(t, repo, "Remove "+hf.name, map[string]string{rel: ""})
		waitActive(t, d, good)
	}

	peak, err := peakRSS(d.pid())
	if err != nil {
		t.Fatalf("read peak memory of the daemon: %v", err)
	}
	if peak > memoryCap {
		t.Errorf("daemon peak resident memory is %d MB, over %d MB", peak>>20, memoryCap>>20)
	}
}

// hasProblem reports whether a problem of file matches message, at line
// and col when line is not zero.
func hasProblem(problems []problem, file string, line, col int, message *regexp.Regexp) bool {
	for _, p := range problems {
		if p.File != file || !message.MatchString(p.Message) {
			continue
		}
		if line == 0 || (p.Line == line && p.Column == col) {
			return true
		}
	}
	return false
}

// peakRSS reads VmHWM, the peak resident set size, of a process from
// /proc/<pid>/status, in bytes.
func peakRSS(pid int) (int64, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		value, ok := strings.CutPrefix(line, "VmHWM:")
		if !ok {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("unexpected VmHWM line %q", line)
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse VmHWM line %q: %w", line, err)
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("no VmHWM line in /proc/%d/status", pid)
}

// truncate shortens long command output for failure messages.
func truncate(s string) string {
	const limit = 4000
	if len(s) <= limit {
		return s
	}
	return s[:limit] + fmt.Sprintf("\n... (%d more bytes)", len(s)-limit)
}
