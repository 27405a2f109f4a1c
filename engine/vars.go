package engine

import (
	"time"

	"github.com/policycortex/policycortex/actions"
	"github.com/policycortex/policycortex/expr"
	"github.com/policycortex/policycortex/schema"
)

// runScope is the set of values visible to one run's expressions; steps
// grows as steps finish.
type runScope struct {
	catalog  *actions.Catalog
	event    *Event
	workflow *schema.Workflow
	repo     *schema.Repository
	commit   string
	runID    string
	started  time.Time
	steps    map[string]any
}

func newRunScope(set *activeSet, wf *schema.Workflow, ev *Event, runID string, started time.Time) *runScope {
	return &runScope{
		catalog:  set.catalog,
		event:    ev,
		workflow: wf,
		repo:     set.repo,
		commit:   set.commit,
		runID:    runID,
		started:  started,
		steps:    map[string]any{},
	}
}

// setStep records a finished step's output for later expressions.
func (s *runScope) setStep(name string, status string, output any) {
	s.steps[name] = map[string]any{"output": output, "status": status}
}

// vars builds the expression variables at time now.
func (s *runScope) vars(now time.Time) *expr.Vars {
	loc := s.workflow.Trigger.Location
	if loc == nil {
		loc = time.UTC
	}
	return &expr.Vars{
		Event: s.event.Attributes,
		Data:  s.event.Data,
		Steps: s.steps,
		Workflow: map[string]any{
			"name":    s.workflow.Name,
			"version": s.workflow.Version,
			"file":    s.workflow.File,
			"commit":  s.commit,
		},
		Run: map[string]any{
			"id":         s.runID,
			"started_at": s.started.UTC().Format(time.RFC3339Nano),
		},
		Conditions: namedConditions(s.repo, s.workflow),
		Now:        now,
		Location:   loc,
	}
}

// namedConditions merges repository-wide and workflow conditions; the
// workflow's own definition wins on a name clash.
func namedConditions(repo *schema.Repository, wf *schema.Workflow) map[string]*expr.Program {
	out := make(map[string]*expr.Program, len(wf.Conditions))
	if repo != nil {
		for _, c := range repo.Conditions {
			out[c.Name] = c.Program
		}
	}
	for _, c := range wf.Conditions {
		out[c.Name] = c.Program
	}
	return out
}
