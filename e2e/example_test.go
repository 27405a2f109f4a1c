package e2e

import (
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// exampleCases pairs each event of example-repo/test-data with the workflow
// it triggers, the status its run settles in, the requests the run sends, as
// "service path" sorted, and the status of each approval stage.
var exampleCases = []struct {
	event     string
	workflow  string
	status    string
	requests  []string
	approvals string
}{
	{
		event:    "critical-security-violation.json",
		workflow: "critical-security-incident-response",
		status:   "succeeded",
		requests: []string{"cloud /aws/isolate", "cloud /forensics/snapshots", "jira /rest/api/2/issue", "mail /send", "pagerduty /v2/enqueue"},
	},
	{
		// The technical review applies to every request, the security review
		// from MEDIUM risk (this one is HIGH), and the executive approval
		// above 10000 in cost (this one is 2500).
		event:     "privileged-access-request.json",
		workflow:  "privileged-access-request",
		status:    "waiting_approval",
		approvals: "technical_review=pending security_review=pending executive_approval=skipped",
	},
	{
		// A production bucket is a production resource, so approval applies.
		event:     "s3-public-bucket-production.json",
		workflow:  "auto-remediate-s3-public-access",
		status:    "waiting_approval",
		approvals: "approval=pending",
	},
	{
		event:    "s3-public-bucket-staging.json",
		workflow: "auto-remediate-s3-public-access",
		status:   "succeeded",
		requests: []string{"cloud /aws/s3/public-access-block", "slack /services/T000/B000/e2e"},
	},
	{
		// The script classifies an exposed SSN as CRITICAL, so the legal team is notified.
		event:    "sensitive-data-exposure.json",
		workflow: "data-exposure-response",
		status:   "succeeded",
		requests: []string{"cloud /aws/deny-public-access", "mail /notify/legal"},
	},
	{
		event:    "weekly-compliance-report.json",
		workflow: "weekly-compliance-report",
		status:   "succeeded",
		requests: []string{"compliance /assessments", "compliance /dashboards/refresh", "compliance /summaries", "compliance /violations/recurring", "mail /reports"},
	},
}

func TestExampleRepoLintsClean(t *testing.T) {
	t.Parallel()
	res := runCLI(t, suite.moduleRoot, "lint", "example-repo")
	res.wantExit(t, 0, "policycortex lint example-repo")
	for _, line := range strings.Split(strings.TrimSpace(res.Stdout), "\n") {
		if line != "" && !strings.Contains(line, "warning") {
			t.Errorf("lint example-repo printed a problem: %s", line)
		}
	}
}

func TestExampleEventsFireThroughDaemon(t *testing.T) {
	t.Parallel()
	repo := newPolicyRepo(t)
	head := git(t, repo, "rev-parse", "HEAD")
	svcs := newServices(t)
	d := serveRepo(t, repo, svcs, head)

	for _, tc := range exampleCases {
		t.Run(strings.TrimSuffix(tc.event, ".json"), func(t *testing.T) {
			id := submitOne(t, d, readTestEvent(t, tc.event), tc.workflow)
			r := wantRunStatus(t, d, id, tc.status)
			if r.Commit != head {
				t.Errorf("run commit = %q, want the active commit %s", r.Commit, head)
			}
			if got := describeApprovals(r); got != tc.approvals {
				t.Errorf("approval stages %q, want %q", got, tc.approvals)
			}
			if tc.status == "waiting_approval" {
				if got := svcs.pathsForRun(id); len(got) != 0 {
					t.Errorf("run waiting for approval sent requests %v, want none", got)
				}
				return
			}
			if got := svcs.pathsForRun(id); !slices.Equal(got, tc.requests) {
				t.Errorf("requests of the run = %v, want %v", got, tc.requests)
			}
		})
	}
}

// describeApprovals lists a run's approval stages as "name=status ...".
func describeApprovals(r *run) string {
	parts := make([]string, len(r.Approvals))
	for i, a := range r.Approvals {
		parts[i] = a.Name + "=" + a.Status
	}
	return strings.Join(parts, " ")
}

func TestStagingBucketRunDetails(t *testing.T) {
	t.Parallel()
	repo := newPolicyRepo(t)
	svcs := newServices(t)
	d := serveRepo(t, repo, svcs, git(t, repo, "rev-parse", "HEAD"))

	id := submitOne(t, d, readTestEvent(t, "s3-public-bucket-staging.json"), "auto-remediate-s3-public-access")
	r := wantRunStatus(t, d, id, "succeeded")

	if s := r.step(t, "assess_risk"); s.Status != "skipped" {
		t.Errorf("assess_risk on a staging bucket: status %s, want skipped", s.Status)
	}
	if s := r.step(t, "disable_public_access"); !strings.Contains(string(s.Input), "acme-build-artifacts") {
		t.Errorf("disable_public_access input %s does not name the bucket acme-build-artifacts", s.Input)
	}
	slack := svcs["slack"].forRun(id)
	if len(slack) != 1 {
		t.Fatalf("Slack webhook got %d requests of the run, want 1", len(slack))
	}
	if !strings.Contains(slack[0].Body, "S3 bucket acme-build-artifacts public access disabled automatically") {
		t.Errorf("Slack message body %s lacks the rendered text", slack[0].Body)
	}
}

// dryRunCases pairs each example workflow with an event that triggers it
// and one that does not.
var dryRunCases = []struct {
	workflow string
	match    string
	noMatch  string
}{
	{"auto-remediate-s3-public-access", "s3-public-bucket-staging.json", "critical-security-violation.json"},
	{"critical-security-incident-response", "critical-security-violation.json", "s3-public-bucket-production.json"},
	{"data-exposure-response", "sensitive-data-exposure.json", "privileged-access-request.json"},
	{"privileged-access-request", "privileged-access-request.json", "sensitive-data-exposure.json"},
	{"weekly-compliance-report", "weekly-compliance-report.json", "s3-public-bucket-staging.json"},
}

func TestWorkflowTestDryRun(t *testing.T) {
	t.Parallel()
	svcs := newServices(t)
	connectors := svcs.writeConnectors(t)
	for _, tc := range dryRunCases {
		t.Run(tc.workflow, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(suite.exampleRepo, "workflows", tc.workflow+".yaml")
			args := func(event string) []string {
				return []string{"workflow", "test", "--workflow-file", file,
					"--test-data", filepath.Join(suite.exampleRepo, "test-data", event),
					"--repo", suite.exampleRepo, "--connectors", connectors, "--dry-run", "--verbose"}
			}

			res := runCLI(t, "", args(tc.match)...)
			res.wantExit(t, 0, "workflow test with a matching event")
			if !strings.Contains(res.Stdout, tc.workflow) {
				t.Errorf("workflow test output does not name the workflow %s:\n%s", tc.workflow, res.Stdout)
			}
			if strings.Contains(res.Stdout+res.Stderr, pagerDutyRoutingKey) {
				t.Errorf("workflow test printed the PagerDuty routing key from the connectors file")
			}

			res = runCLI(t, "", args(tc.noMatch)...)
			res.wantExit(t, 1, "workflow test with a non-matching event")
		})
	}
	t.Cleanup(func() {
		if n := svcs.total(); n != 0 {
			t.Errorf("dry runs sent %d requests to the services, want none", n)
		}
	})
}

func TestEndpointSecretStaysOutOfRuns(t *testing.T) {
	t.Parallel()
	repo := newPolicyRepo(t)
	svcs := newServices(t)
	d := serveRepo(t, repo, svcs, git(t, repo, "rev-parse", "HEAD"), "--log-level", "debug")

	id := submitOne(t, d, readTestEvent(t, "critical-security-violation.json"), "critical-security-incident-response")
	wantRunStatus(t, d, id, "succeeded")

	pages := svcs["pagerduty"].forRun(id)
	if len(pages) != 1 {
		t.Fatalf("PagerDuty received %d requests of the run, want 1", len(pages))
	}
	if !strings.Contains(pages[0].Body, pagerDutyRoutingKey) {
		t.Errorf("PagerDuty request body %s lacks the routing key from the connectors file", pages[0].Body)
	}
	status, body, err := d.do(http.MethodGet, "/v1/runs/"+id, nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("GET /v1/runs/%s: status %d, error %v", id, status, err)
	}
	if strings.Contains(string(body), pagerDutyRoutingKey) {
		t.Errorf("GET /v1/runs/%s shows the PagerDuty routing key", id)
	}
	if strings.Contains(d.output(), pagerDutyRoutingKey) {
		t.Errorf("the daemon logged the PagerDuty routing key")
	}
}
