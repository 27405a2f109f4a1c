package schema

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// loadTestRepo loads testdata/repo and fails the test on any problem.
func loadTestRepo(t *testing.T) *Repository {
	t.Helper()
	files, readProblems, err := ReadDir(filepath.Join("testdata", "repo"))
	if err != nil {
		t.Fatal(err)
	}
	if len(readProblems) > 0 {
		t.Fatalf("problems reading testdata/repo:\n%v", readProblems)
	}
	repo, problems := LoadRepository(files, LoadOptions{})
	if len(problems) > 0 {
		t.Fatalf("problems loading testdata/repo:\n%v", problems)
	}
	return repo
}

func TestLoadRepositoryExamples(t *testing.T) {
	t.Parallel()
	repo := loadTestRepo(t)

	wantNames := []string{
		"auto-remediate-s3-public-access",
		"critical-security-incident-response",
		"data-exposure-response",
		"weekly-compliance-report",
	}
	if len(repo.Workflows) != len(wantNames) {
		t.Fatalf("got %d workflows, want %d", len(repo.Workflows), len(wantNames))
	}
	for i, name := range wantNames {
		if got := repo.Workflows[i].Name; got != name {
			t.Errorf("Workflows[%d].Name = %q, want %q", i, got, name)
		}
		if repo.Workflow(name) != repo.Workflows[i] {
			t.Errorf("Workflow(%q) did not return the sorted entry", name)
		}
	}
	if repo.Workflow("no-such-workflow") != nil {
		t.Errorf("Workflow of an unknown name returned a workflow")
	}
	if got := len(repo.Actions); got != 13 {
		t.Errorf("got %d user-defined actions, want 13", got)
	}
	if got := len(repo.Conditions); got != 3 {
		t.Errorf("got %d repository conditions, want 3", got)
	}
	if got := len(repo.ApprovalChains["standard-change"]); got != 2 {
		t.Errorf("standard-change chain has %d stages, want 2", got)
	}
	if got := len(repo.Approvers); got != 5 {
		t.Errorf("got %d approver groups, want 5", got)
	}
}

func TestLoadRepositoryAutoRemediate(t *testing.T) {
	t.Parallel()
	wf := loadTestRepo(t).Workflow("auto-remediate-s3-public-access")
	if wf.Version != "1.0" || wf.File != "workflows/auto-remediate-s3-public-access.yaml" || len(wf.Digest) != 64 {
		t.Errorf("version %q, file %q, digest %q", wf.Version, wf.File, wf.Digest)
	}

	tr := wf.Trigger
	if tr.Event != "policy.violation.created" || tr.Schedule != nil || tr.Location != time.UTC {
		t.Errorf("trigger = %+v", tr)
	}
	if len(tr.Matches) != 3 {
		t.Fatalf("got %d trigger matches, want 3", len(tr.Matches))
	}
	sev := tr.Matches[1]
	if sev.Key != "severity" || !sev.List || len(sev.Values) != 2 || sev.Values[0] != "HIGH" || sev.Values[1] != "CRITICAL" {
		t.Errorf("severity match = %+v", sev)
	}
	if sev.Pos.Line != 12 || sev.Pos.Col != 9 {
		t.Errorf("severity match at %s, want line 12 column 9", sev.Pos)
	}

	assess := wf.Steps[0]
	if assess.Action != "" || assess.Script != nil || len(assess.Matches) != 2 || assess.Matches[0].Values[0] != true {
		t.Errorf("evaluation step = %+v", assess)
	}
	if assess.Retry.MaxAttempts != 1 || assess.OnFailure != OnFailureFail {
		t.Errorf("defaults: retry %+v, on_failure %q", assess.Retry, assess.OnFailure)
	}
	if wf.Steps[1].Parameters == nil || wf.Steps[1].Action != "aws_s3_disable_public_access" {
		t.Errorf("remediation step = %+v", wf.Steps[1])
	}

	if wf.Approval == nil || len(wf.Approval.RequiredFor) != 2 || wf.Approval.Approvers[1] != "resource_owner" {
		t.Errorf("approval = %+v", wf.Approval)
	}
}

func TestLoadRepositoryStepFields(t *testing.T) {
	t.Parallel()
	repo := loadTestRepo(t)
	critical := repo.Workflow("critical-security-incident-response")
	if got := critical.Steps[0].Timeout; got != 30*time.Second {
		t.Errorf("isolate_resource timeout = %s, want 30s", got)
	}
	exposure := repo.Workflow("data-exposure-response")
	if got := exposure.Steps[0].MaxDelay; got != 10*time.Second {
		t.Errorf("emergency_access_control max_delay = %s, want 10s", got)
	}
	if exposure.Steps[1].Script == nil {
		t.Errorf("assess_exposure_severity has no compiled script")
	}
	check := exposure.Steps[2]
	if check.Condition == nil {
		t.Fatalf("check_breach_notification has no compiled condition")
	}
	if refs := check.Condition.Refs(); len(refs.Steps) != 1 || refs.Steps[0] != "assess_exposure_severity" {
		t.Errorf("condition step refs = %v", refs.Steps)
	}
}

func TestLoadRepositoryWeeklySchedule(t *testing.T) {
	t.Parallel()
	wf := loadTestRepo(t).Workflow("weekly-compliance-report")
	sched := wf.Trigger.Schedule
	if sched == nil || sched.Spec != "cron(0 9 * * MON)" || sched.Location != time.UTC {
		t.Fatalf("schedule = %+v", sched)
	}
	// 2025-01-06 is a Monday.
	from := time.Date(2025, 1, 6, 8, 0, 0, 0, time.UTC)
	if got, want := sched.Next(from), time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Next(%s) = %s, want %s", from, got, want)
	}
	if got, want := sched.Next(time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)), time.Date(2025, 1, 13, 9, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Next at a firing = %s, want %s", got, want)
	}
	if wf.Trigger.Event != "" {
		t.Errorf("schedule-only trigger has event %q", wf.Trigger.Event)
	}
}

// TestLoadRepositoryExampleRepo loads the project's example repository,
// which must be free of problems.
func TestLoadRepositoryExampleRepo(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "example-repo")
	if _, err := os.Stat(filepath.Join(root, "workflows")); err != nil {
		t.Skipf("no example repository with workflows at %s", root)
	}
	files, _, err := ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	repo, problems := LoadRepository(files, LoadOptions{})
	for _, p := range problems {
		t.Errorf("%s", p)
	}
	if len(repo.Workflows) == 0 {
		t.Errorf("example repository has no valid workflow")
	}
}

func TestLoadRepositoryDeterministic(t *testing.T) {
	t.Parallel()
	files := generatedRepo(t, 200)
	files["workflows/bad-a.yaml"] = []byte("workflow:\n  name: generated-00001\n  tigger: {}\n  steps: []\n")
	files["workflows/bad-b.yaml"] = []byte("workflow:\n  name: x\n\tsteps: []\n")
	_, first := LoadRepository(files, LoadOptions{})
	if len(first) == 0 {
		t.Fatal("expected problems")
	}
	for round := 0; round < 3; round++ {
		_, again := LoadRepository(files, LoadOptions{})
		if again.Error() != first.Error() {
			t.Fatalf("round %d problems differ:\n%v\n---\n%v", round, again, first)
		}
	}
}

func TestLoadRepositoryMaxFileSize(t *testing.T) {
	files := Files{"workflows/big.yaml": make([]byte, 10<<20)}
	for i := range files["workflows/big.yaml"] {
		files["workflows/big.yaml"][i] = 'a'
	}
	env := newTestEnv(t)
	schemas, err := newSchemaSet()
	if err != nil {
		t.Fatal(err)
	}
	prev := &Repository{cache: &loadCache{env: env, schemas: schemas, maxSize: DefaultMaxFileSize}}
	alloc := allocatedBytes(func() {
		_, problems := LoadRepository(files, LoadOptions{Previous: prev})
		if len(problems) != 1 {
			t.Fatalf("got problems %v, want one", problems)
		}
		want := "workflows/big.yaml:1:1: file is 10485760 bytes, over the limit of 1048576 bytes; it was not parsed"
		if got := problems[0].String(); got != want {
			t.Errorf("problem = %q, want %q", got, want)
		}
	})
	// Parsing ten megabytes would allocate far more than the file itself.
	if alloc > 1<<20 {
		t.Errorf("loading an oversized file allocated %d bytes; it must not be parsed", alloc)
	}
}

func TestLoadRepositoryCustomMaxFileSize(t *testing.T) {
	t.Parallel()
	files := loadTestRepo(t).Files
	_, problems := LoadRepository(files, LoadOptions{MaxFileSize: 100})
	if len(problems) == 0 {
		t.Fatal("no problem for files over a 100-byte limit")
	}
	for _, p := range problems {
		if p.Pos.Line != 1 || p.Pos.Col != 1 {
			t.Errorf("size problem %s not at 1:1", p)
		}
	}
}
