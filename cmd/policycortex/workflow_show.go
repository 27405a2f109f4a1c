package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/policycortex/policycortex/api"
)

// printWorkflowDetail prints a workflow as indented text.
func printWorkflowDetail(w io.Writer, d api.WorkflowDetail) error {
	fmt.Fprintf(w, "workflow:    %s\n", d.Name)
	if d.Description != "" {
		fmt.Fprintf(w, "description: %s\n", d.Description)
	}
	fmt.Fprintf(w, "version:     %s\n", orDash(d.Version))
	fmt.Fprintf(w, "commit:      %s (snapshot %d)\n", d.Commit, d.SnapshotID)
	fmt.Fprintf(w, "file:        %s\n", d.File)
	fmt.Fprintf(w, "digest:      sha256:%s\n", d.Digest)
	printTrigger(w, d.Trigger)
	if len(d.Conditions) > 0 {
		fmt.Fprintln(w, "conditions:")
		for _, c := range d.Conditions {
			fmt.Fprintf(w, "  %s: %s\n", c.Name, oneLine(c.Expression))
		}
	}
	printApproval(w, d.Approval, d.ApprovalChain)
	fmt.Fprintf(w, "steps (%d):\n", len(d.Steps))
	for i, s := range d.Steps {
		printStepView(w, i, s)
	}
	return nil
}

func printTrigger(w io.Writer, t api.TriggerView) {
	fmt.Fprintln(w, "trigger:")
	if t.Event != "" {
		fmt.Fprintf(w, "  event:    %s\n", t.Event)
	}
	for _, m := range t.Conditions {
		fmt.Fprintf(w, "  match:    %s\n", matchText(m))
	}
	if t.Schedule != "" {
		fmt.Fprintf(w, "  schedule: %s (%s)\n", t.Schedule, orDash(t.Timezone))
	}
}

func printApproval(w io.Writer, a *api.ApprovalView, chain []api.ApprovalStageView) {
	if a != nil {
		fmt.Fprintf(w, "approval: approvers %s", strings.Join(a.Approvers, ", "))
		if len(a.RequiredFor) > 0 {
			fmt.Fprintf(w, ", required for %s", strings.Join(a.RequiredFor, ", "))
		}
		if a.Timeout != "" {
			fmt.Fprintf(w, ", timeout %s", a.Timeout)
		}
		fmt.Fprintln(w)
	}
	if len(chain) > 0 {
		fmt.Fprintln(w, "approval chain:")
		for i, stage := range chain {
			fmt.Fprintf(w, "  %d. %s: approvers %s", i+1, stage.Name, strings.Join(stage.Approvers, ", "))
			if stage.Condition != "" {
				fmt.Fprintf(w, ", when %s", oneLine(stage.Condition))
			}
			if stage.Timeout != "" {
				fmt.Fprintf(w, ", timeout %s", stage.Timeout)
			}
			fmt.Fprintln(w)
		}
	}
}

func printStepView(w io.Writer, i int, s api.StepView) {
	kind := "evaluation"
	switch {
	case s.Action != "":
		kind = "action " + s.Action
	case s.Script:
		kind = "script"
	}
	fmt.Fprintf(w, "  %d. %s (%s)\n", i+1, s.Name, kind)

	if s.Condition != "" {
		fmt.Fprintf(w, "     condition:  %s\n", oneLine(s.Condition))
	}
	for _, m := range s.Matches {
		fmt.Fprintf(w, "     match:      %s\n", matchText(m))
	}
	for _, e := range s.Expressions {
		fmt.Fprintf(w, "     requires:   %s\n", oneLine(e))
	}
	if s.Parameters != nil {
		params, _ := json.Marshal(s.Parameters)
		fmt.Fprintf(w, "     parameters: %s\n", truncate(string(params), 200))
	}

	var limits []string
	if s.Timeout != "" {
		limits = append(limits, "timeout "+s.Timeout)
	}
	if s.MaxDelay != "" {
		limits = append(limits, "max_delay "+s.MaxDelay)
	}
	if s.Retry != nil {
		limits = append(limits, fmt.Sprintf("retry %d attempts, backoff %s", s.Retry.MaxAttempts, orDash(s.Retry.Backoff)))
	}
	if s.OnFailure != "" && s.OnFailure != "fail" {
		limits = append(limits, "on_failure "+s.OnFailure)
	}
	if len(limits) > 0 {
		fmt.Fprintf(w, "     limits:     %s\n", strings.Join(limits, ", "))
	}
}

// matchText formats a trigger or step match as key == value or key in [..].
func matchText(m api.MatchView) string {
	values, _ := json.Marshal(m.Values)
	if m.AnyOf {
		return fmt.Sprintf("%s in %s", m.Key, values)
	}
	if len(m.Values) == 1 {
		single, _ := json.Marshal(m.Values[0])
		return fmt.Sprintf("%s == %s", m.Key, single)
	}
	return fmt.Sprintf("%s == %s", m.Key, values)
}

// oneLine joins a multi-line expression into one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
