package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// generatedWorkflow returns a workflow file typical of a policy repository:
// an event trigger with matches, named conditions, templated parameters, a
// step reading an earlier step's output, and an approval gate.
func generatedWorkflow(i int) []byte {
	return fmt.Appendf(nil, `workflow:
  name: "generated-%05d"
  description: "Generated workflow number %d"
  version: "1.%d"
  trigger:
    event: "policy.violation.created"
    conditions:
      - policy_name: "policy-%d"
      - severity: ["HIGH", "CRITICAL"]
  conditions:
    - name: "is_production"
      expression: "resource.tags.Environment == 'production'"
  steps:
    - name: "assess"
      type: "evaluation"
      conditions:
        - bucket_environment: "production"
        - is_production
    - name: "ticket"
      action: "create_jira_incident"
      timeout: 30s
      retry:
        max_attempts: 3
        backoff: 5s
      parameters:
        priority: "P2"
        title: "Violation {{ violation.policy.name }} on {{ violation.resource.name }}"
        description: |
          Resource: {{ violation.resource.name }}
          Assessed: {{ steps.assess.output }}
    - name: "notify"
      action: "send_slack_message"
      condition: "severity == 'CRITICAL' or steps.ticket.status == 'succeeded'"
      parameters:
        channel: "#alerts-%d"
        message: "Ticket {{ steps.ticket.output.key }} opened for policy-%d"
  approval:
    required_for: [is_production]
    approvers: [security_team]
    timeout: 24h
`, i, i, i%10, i, i%50, i)
}

// generatedRepo returns the files of a repository with n generated
// workflows and the context they need.
func generatedRepo(tb testing.TB, n int) Files {
	tb.Helper()
	files, _, err := ReadDir(filepath.Join("testdata", "repo"))
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < n; i++ {
		files[fmt.Sprintf("workflows/generated/wf-%05d.yaml", i)] = generatedWorkflow(i)
	}
	return files
}

func BenchmarkLoadRepository10k(b *testing.B) {
	files := generatedRepo(b, 10000)
	env := newTestEnv(b)
	b.ResetTimer()
	for b.Loop() {
		repo, problems := LoadRepository(files, LoadOptions{Env: env})
		if len(problems) > 0 || len(repo.Workflows) < 10000 {
			b.Fatalf("load: %d workflows, problems:\n%v", len(repo.Workflows), problems)
		}
	}
}

func BenchmarkLoadRepositoryOneChange(b *testing.B) {
	files := generatedRepo(b, 10000)
	env := newTestEnv(b)
	prev, problems := LoadRepository(files, LoadOptions{Env: env})
	if len(problems) > 0 {
		b.Fatalf("initial load: %v", problems)
	}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		// Each round changes one file against the previous round's result.
		i++
		files["workflows/generated/wf-00042.yaml"] = append(generatedWorkflow(42), fmt.Sprintf("# change %d\n", i)...)
		repo, problems := LoadRepository(files, LoadOptions{Env: env, Previous: prev})
		if len(problems) > 0 {
			b.Fatalf("reload: %v", problems)
		}
		prev = repo
	}
}

func BenchmarkLint1000(b *testing.B) {
	dir := b.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "repo"))); err != nil {
		b.Fatal(err)
	}
	wfDir := filepath.Join(dir, "workflows", "generated")
	if err := os.MkdirAll(wfDir, 0o755); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		if err := os.WriteFile(filepath.Join(wfDir, fmt.Sprintf("wf-%04d.yaml", i)), generatedWorkflow(i), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		problems, err := Lint([]string{wfDir}, LintOptions{})
		if err != nil || len(problems) > 0 {
			b.Fatalf("lint: %v %v", err, problems)
		}
	}
}
