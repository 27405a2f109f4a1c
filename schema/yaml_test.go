package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseYAMLProblems(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("[", 150) + strings.Repeat("]", 150)
	tests := []struct {
		name, data, want string
	}{
		{"duplicate nested key", "a:\n  b: 1\n  c: 2\n  b: 3\n", `f.yaml:4:3: duplicate key "b"; first defined at line 2`},
		{"alias cycle", "a: &x [1, *x]\n", "f.yaml:1:11: alias *x refers to a node that contains it"},
		{"deep nesting", "a: " + deep + "\n", "f.yaml:1:103: YAML nesting is deeper than 100 levels"},
		{"custom tag", "a: !Ref bucket\n", "f.yaml:1:4: unsupported YAML tag !Ref"},
		{"complex key", "? [a, b]\n: 1\n", "f.yaml:1:3: mapping key must be a scalar, got a list"},
		{"bad merge", "a: &x 1\nb:\n  <<: *x\n", "f.yaml:3:7: merge key << needs a mapping or a list of mappings"},
		{"syntax error", "a: [1, 2\n", "f.yaml:1:1: invalid YAML: did not find expected ',' or ']'"},
		{"scalar root", "just text\n", "f.yaml:1:1: top-level value must be a mapping, got a scalar"},
		{"empty second document", "a: 1\n---\n", "f.yaml:2:1: file contains more than one YAML document; put each document in its own file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := parseProblems("f.yaml", tt.data); got != tt.want {
				t.Errorf("problems = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseYAMLAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, data string
	}{
		{"leading document marker", "# comment\n---\na: 1\n"},
		{"document end marker", "a: 1\n...\n"},
		{"tab inside block scalar", "script: |\n    if x:\n    \treturn 1\n"},
		{"tab as separator", "a:\t1\n"},
		{"tab in flow list", "a: [1,\n\t2]\n"},
		{"marker inside block scalar", "a: |\n  ---\n  text\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := parseProblems("f.yaml", tt.data); got != "" {
				t.Errorf("problems = %q, want none", got)
			}
		})
	}
}

func TestParseYAMLMergeKeys(t *testing.T) {
	t.Parallel()
	data := "base: &base\n  timeout: 30s\n  on_failure: continue\nstep:\n  <<: *base\n  timeout: 5s\n"
	doc, problems := parseYAML("f.yaml", []byte(data))
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	step := value(doc.root, "step")
	if got := stringValue(value(step, "timeout")); got != "5s" {
		t.Errorf("timeout = %q, want the explicit 5s", got)
	}
	if got := stringValue(value(step, "on_failure")); got != "continue" {
		t.Errorf("on_failure = %q, want the merged continue", got)
	}
}

func TestParseYAMLAliasBombBounded(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "bad", "alias-bomb.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var problems string
	alloc := allocatedBytes(func() { problems = parseProblems("bomb.yaml", string(data)) })
	if !strings.Contains(problems, "bomb.yaml:") || !strings.Contains(problems, "alias bomb") {
		t.Errorf("problems = %q, want an alias bomb problem naming the file", problems)
	}
	// Expanded, the document holds about 10^9 nodes; the walk stops after
	// its budget of about ten thousand.
	if alloc > 16<<20 {
		t.Errorf("parsing the alias bomb allocated %d bytes", alloc)
	}
}

func TestParseYAMLSharedAliasesWithinBudget(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("defaults: &d {timeout: 30s, retry: {max_attempts: 3}}\nsteps:\n")
	for i := 0; i < 500; i++ {
		b.WriteString("  - *d\n")
	}
	doc, problems := parseYAML("f.yaml", []byte(b.String()))
	if len(problems) > 0 || doc == nil {
		t.Fatalf("problems: %v", problems)
	}
	if got := len(value(doc.root, "steps").Content); got != 500 {
		t.Errorf("got %d steps, want 500", got)
	}
}

func TestScalarValue(t *testing.T) {
	t.Parallel()
	doc, problems := parseYAML("f.yaml", []byte("i: 42\nh: 0x1F\nf: 1.5\nb: true\nn: null\ns: '42'\nts: 2025-01-06\n"))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	want := map[string]any{"i": 42, "h": 31, "f": 1.5, "b": true, "n": nil, "s": "42", "ts": "2025-01-06"}
	got := toValue(doc.root).(map[string]any)
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %#v, want %#v", k, got[k], w)
		}
	}
}
