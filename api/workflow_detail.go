package api

import (
	"time"

	"github.com/policycortex/policycortex/expr"
	"github.com/policycortex/policycortex/schema"
)

// describeWorkflow converts a compiled workflow into its JSON view.
func describeWorkflow(repo *schema.Repository, wf *schema.Workflow, snapshotID int64, commit string) WorkflowDetail {
	detail := WorkflowDetail{
		WorkflowSummary: summarizeWorkflow(repo, wf, snapshotID, commit),
		Steps:           make([]StepView, 0, len(wf.Steps)),
	}
	for _, c := range wf.Conditions {
		detail.Conditions = append(detail.Conditions, ConditionView{Name: c.Name, Expression: programSource(c.Program)})
	}
	for _, step := range wf.Steps {
		detail.Steps = append(detail.Steps, describeStep(step))
	}
	if a := wf.Approval; a != nil {
		detail.Approval = &ApprovalView{
			RequiredFor: a.RequiredFor,
			Approvers:   a.Approvers,
			Timeout:     durationText(a.Timeout),
		}
	}
	for _, stage := range wf.ApprovalChain {
		detail.ApprovalChain = append(detail.ApprovalChain, ApprovalStageView{
			Name:      stage.Name,
			Approvers: stage.Approvers,
			Condition: programSource(stage.Condition),
			Timeout:   durationText(stage.Timeout),
		})
	}
	return detail
}

func describeStep(step *schema.Step) StepView {
	view := StepView{
		Name:      step.Name,
		Type:      step.Type,
		Action:    step.Action,
		Script:    step.Script != nil,
		Condition: programSource(step.Condition),
		Matches:   describeMatches(step.Matches),
		Timeout:   durationText(step.Timeout),
		MaxDelay:  durationText(step.MaxDelay),
		OnFailure: string(step.OnFailure),
	}
	if step.Parameters != nil {
		view.Parameters = step.Parameters.Raw()
	}
	for _, p := range step.Expressions {
		view.Expressions = append(view.Expressions, programSource(p))
	}
	if step.Retry.MaxAttempts > 1 {
		view.Retry = &RetryView{
			MaxAttempts: step.Retry.MaxAttempts,
			Backoff:     durationText(step.Retry.Backoff),
			MaxBackoff:  durationText(step.Retry.MaxBackoff),
		}
	}
	return view
}

func programSource(p *expr.Program) string {
	if p == nil {
		return ""
	}
	return p.Source
}

// durationText formats a duration, or returns "" for zero, which means the
// default everywhere in the workflow model.
func durationText(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}
