package api

import (
	"fmt"
	"net/http"

	"github.com/policycortex/policycortex/schema"
)

// WorkflowList is the body of GET /v1/workflows: the active set.
type WorkflowList struct {
	// Commit and SnapshotID identify the active snapshot; empty and zero
	// before the first activation.
	Commit     string            `json:"commit"`
	SnapshotID int64             `json:"snapshot_id"`
	Workflows  []WorkflowSummary `json:"workflows"`
}

// WorkflowSummary describes one active workflow.
type WorkflowSummary struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Version     string `json:"version,omitempty"`
	File        string `json:"file"`
	// Digest is the hex SHA-256 of the workflow file and of the action,
	// approval-chain, conditions and approvers files it depends on.
	Digest     string      `json:"digest"`
	Commit     string      `json:"commit"`
	SnapshotID int64       `json:"snapshot_id"`
	Trigger    TriggerView `json:"trigger"`
	StepCount  int         `json:"step_count"`
}

// TriggerView is a workflow trigger.
type TriggerView struct {
	Event      string      `json:"event,omitempty"`
	Conditions []MatchView `json:"conditions,omitempty"`
	// Schedule is the schedule as written, such as "cron(0 9 * * MON)".
	Schedule string `json:"schedule,omitempty"`
	// Timezone is the IANA name of the schedule's time zone.
	Timezone string `json:"timezone,omitempty"`
}

// MatchView is one `key: value` condition against event data.
type MatchView struct {
	Key    string `json:"key"`
	Values []any  `json:"values"`
	// AnyOf is true when the condition was written as a list.
	AnyOf bool `json:"any_of,omitempty"`
}

// WorkflowDetail is the body of GET /v1/workflows/{name}.
type WorkflowDetail struct {
	WorkflowSummary
	Conditions    []ConditionView     `json:"conditions,omitempty"`
	Steps         []StepView          `json:"steps"`
	Approval      *ApprovalView       `json:"approval,omitempty"`
	ApprovalChain []ApprovalStageView `json:"approval_chain,omitempty"`
}

// ConditionView is a named condition.
type ConditionView struct {
	Name       string `json:"name"`
	Expression string `json:"expression"`
}

// StepView is one workflow step. Durations are Go duration strings; empty
// means the engine default.
type StepView struct {
	Name        string      `json:"name"`
	Type        string      `json:"type,omitempty"`
	Action      string      `json:"action,omitempty"`
	Script      bool        `json:"script,omitempty"`
	Parameters  any         `json:"parameters,omitempty"`
	Condition   string      `json:"condition,omitempty"`
	Matches     []MatchView `json:"matches,omitempty"`
	Expressions []string    `json:"expressions,omitempty"`
	Timeout     string      `json:"timeout,omitempty"`
	MaxDelay    string      `json:"max_delay,omitempty"`
	Retry       *RetryView  `json:"retry,omitempty"`
	OnFailure   string      `json:"on_failure,omitempty"`
}

// RetryView is a step's retry policy.
type RetryView struct {
	MaxAttempts int    `json:"max_attempts"`
	Backoff     string `json:"backoff,omitempty"`
	MaxBackoff  string `json:"max_backoff,omitempty"`
}

// ApprovalView is a single-stage approval gate.
type ApprovalView struct {
	RequiredFor []string `json:"required_for,omitempty"`
	Approvers   []string `json:"approvers"`
	Timeout     string   `json:"timeout,omitempty"`
}

// ApprovalStageView is one stage of an approval chain.
type ApprovalStageView struct {
	Name      string   `json:"step"`
	Approvers []string `json:"approvers"`
	Condition string   `json:"condition,omitempty"`
	Timeout   string   `json:"timeout,omitempty"`
}

func (s *Server) handleListWorkflows(w http.ResponseWriter, _ *http.Request) {
	repo, snapshotID, commit := s.cfg.Engine.Active()
	list := WorkflowList{Commit: commit, SnapshotID: snapshotID, Workflows: []WorkflowSummary{}}
	if repo != nil {
		for _, wf := range repo.Workflows {
			list.Workflows = append(list.Workflows, summarizeWorkflow(repo, wf, snapshotID, commit))
		}
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) handleGetWorkflow(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	repo, snapshotID, commit := s.cfg.Engine.Active()
	if repo == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("workflow %q not found: no policy snapshot is active yet", name))
		return
	}
	for _, wf := range repo.Workflows {
		if wf.Name == name {
			writeJSON(w, http.StatusOK, describeWorkflow(repo, wf, snapshotID, commit))
			return
		}
	}
	writeError(w, http.StatusNotFound, fmt.Sprintf("workflow %q not found in the active snapshot (commit %s)", name, commit))
}

func summarizeWorkflow(repo *schema.Repository, wf *schema.Workflow, snapshotID int64, commit string) WorkflowSummary {
	return WorkflowSummary{
		Name:        wf.Name,
		Description: wf.Description,
		Version:     wf.Version,
		File:        wf.File,
		Digest:      repo.EffectiveDigest(wf),
		Commit:      commit,
		SnapshotID:  snapshotID,
		Trigger:     describeTrigger(wf.Trigger),
		StepCount:   len(wf.Steps),
	}
}

func describeTrigger(t schema.Trigger) TriggerView {
	view := TriggerView{Event: t.Event, Conditions: describeMatches(t.Matches)}
	if t.Schedule != nil {
		view.Schedule = t.Schedule.Spec
		if t.Schedule.Location != nil {
			view.Timezone = t.Schedule.Location.String()
		}
	}
	return view
}

func describeMatches(matches []schema.Match) []MatchView {
	var views []MatchView
	for _, m := range matches {
		views = append(views, MatchView{Key: m.Key, Values: m.Values, AnyOf: m.List})
	}
	return views
}
