package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/policycortex/policycortex/store"
)

// gateStages evaluates a workflow's approval rules for a run. A single
// `approval` applies when any of its required_for conditions holds (always
// when the list is empty). Each `approval_chain` stage applies when its
// condition holds; a stage that does not apply is recorded as skipped. The
// gate sits in front of the first step, and deadlines start now.
func gateStages(scope *runScope, now time.Time, defaultTimeout time.Duration) ([]store.Gate, error) {
	wf := scope.workflow
	vars := scope.vars(now)
	var gates []store.Gate
	if a := wf.Approval; a != nil {
		required, err := approvalRequired(scope, a.RequiredFor, now)
		if err != nil {
			return nil, err
		}
		if required {
			gates = append(gates, store.Gate{
				Index:     len(gates),
				Name:      "approval",
				Approvers: a.Approvers,
				Status:    store.GatePending,
				Deadline:  now.Add(orDefault(a.Timeout, defaultTimeout)),
			})
		}
	}
	for _, stage := range wf.ApprovalChain {
		status := store.GatePending
		if stage.Condition != nil {
			ok, err := stage.Condition.EvalBool(vars)
			if err != nil {
				return nil, fmt.Errorf("approval stage %s condition %q: %w", stage.Name, stage.Condition.Source, err)
			}
			if !ok {
				status = store.GateSkipped
			}
		}
		gates = append(gates, store.Gate{
			Index:     len(gates),
			Name:      stage.Name,
			Approvers: stage.Approvers,
			Status:    status,
			Deadline:  now.Add(orDefault(stage.Timeout, defaultTimeout)),
		})
	}
	return gates, nil
}

// approvalRequired evaluates the named conditions of approval.required_for.
func approvalRequired(scope *runScope, names []string, now time.Time) (bool, error) {
	if len(names) == 0 {
		return true, nil
	}
	conds := namedConditions(scope.repo, scope.workflow)
	vars := scope.vars(now)
	for _, name := range names {
		p, ok := conds[name]
		if !ok {
			return false, fmt.Errorf("approval required_for: named condition %q not found", name)
		}
		holds, err := p.EvalBool(vars)
		if err != nil {
			return false, fmt.Errorf("approval required_for %s: %w", name, err)
		}
		if holds {
			return true, nil
		}
	}
	return false, nil
}

func pendingGates(gates []store.Gate) bool {
	for _, g := range gates {
		if g.Status == store.GatePending {
			return true
		}
	}
	return false
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// expireGates ends runs whose approval stage passed its deadline.
func (e *Engine) expireGates(ctx context.Context) {
	ids, err := e.cfg.Store.ExpireGates(ctx, e.cfg.Now().UTC())
	if err != nil {
		if ctx.Err() == nil {
			e.log.Error("expire approval gates", "error", err)
		}
		return
	}
	for _, id := range ids {
		e.cfg.Metrics.gateExpired()
		e.log.Warn("approval expired; run timed out", "run", id)
	}
}
