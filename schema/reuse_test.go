package schema

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestLoadRepositoryReusesUnchangedWorkflows(t *testing.T) {
	t.Parallel()
	files := generatedRepo(t, 20)
	first, problems := LoadRepository(files, LoadOptions{})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	changed := Files{}
	for k, v := range files {
		changed[k] = v
	}
	changed["workflows/generated/wf-00003.yaml"] = append(generatedWorkflow(3), "# edited\n"...)
	second, problems := LoadRepository(changed, LoadOptions{Previous: first})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if first.Workflow("generated-00001") != second.Workflow("generated-00001") {
		t.Errorf("unchanged workflow was compiled again")
	}
	if first.Workflow("generated-00003") == second.Workflow("generated-00003") {
		t.Errorf("changed workflow was reused")
	}
	if first.Workflow("generated-00003").Digest == second.Workflow("generated-00003").Digest {
		t.Errorf("changed workflow kept its digest")
	}
}

func TestLoadRepositoryContextChangeRecompiles(t *testing.T) {
	t.Parallel()
	files := generatedRepo(t, 5)
	first, problems := LoadRepository(files, LoadOptions{})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	changed := Files{}
	for k, v := range files {
		changed[k] = v
	}
	// Dropping the required "priority" from the action's schema is a
	// context change: every workflow is judged again.
	changed["actions/create_jira_incident.yaml"] = []byte(`action:
  name: create_jira_incident
  parameters:
    type: object
    required: [title, owner]
  http:
    url: https://jira.example.com/rest/api/2/issue
`)
	second, problems := LoadRepository(changed, LoadOptions{Previous: first})
	if first.Workflow("generated-00001") == second.Workflow("generated-00001") && second.Workflow("generated-00001") != nil {
		t.Errorf("workflow reused after its context changed")
	}
	if len(problems) == 0 {
		t.Fatalf("no problem for the new required parameter")
	}
	want := `workflows/generated/wf-00000.yaml:25:7: missing required parameter "owner" for action "create_jira_incident"`
	if !strings.Contains(problems.Error(), want) {
		t.Errorf("problems = %v, want one saying %q", problems, want)
	}
}

func TestLoadRepositoryReusesProblems(t *testing.T) {
	t.Parallel()
	files := generatedRepo(t, 3)
	files["workflows/bad.yaml"] = []byte("workflow:\n  name: bad\n")
	first, want := LoadRepository(files, LoadOptions{})
	_, got := LoadRepository(files, LoadOptions{Previous: first})
	if len(want) == 0 || got.Error() != want.Error() {
		t.Errorf("problems after reuse = %v, want %v", got, want)
	}
}

func TestBuiltinActions(t *testing.T) {
	t.Parallel()
	builtins := BuiltinActions()
	for _, name := range []string{"http", "exec", "send_slack_message"} {
		data, ok := builtins[name]
		if !ok {
			t.Errorf("built-in action %q missing", name)
			continue
		}
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Errorf("%s schema: %v", name, err)
			continue
		}
		if doc["type"] != "object" || doc["additionalProperties"] != false {
			t.Errorf("%s schema must be a closed object schema, got type %v", name, doc["type"])
		}
	}
	if len(builtins) != 3 {
		t.Errorf("got %d built-in actions, want 3", len(builtins))
	}
}
