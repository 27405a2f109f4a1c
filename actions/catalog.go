package actions

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/policycortex/policycortex/schema"
)

// Catalog maps action names to actions: the built-in http, exec and
// send_slack_message actions, then the repository's user-defined actions.
// It is safe for concurrent use.
type Catalog struct {
	actions map[string]Action
}

// NewCatalog builds the catalog for one active repository version. A
// user-defined action named like a built-in one is ignored with a warning,
// so a repository cannot change what a built-in name does.
func NewCatalog(conn Connectors, defs map[string]*schema.ActionDef, opts Options) *Catalog {
	opts = opts.withDefaults()
	rt := newRuntime(conn, opts)
	actions := rt.builtinActions()
	for name, def := range defs {
		if _, builtin := actions[name]; builtin {
			opts.Logger.Warn("user-defined action ignored: the name belongs to a built-in action",
				slog.String("action", name), slog.String("file", def.File))
			continue
		}
		actions[name] = newUserAction(def, rt)
	}
	return &Catalog{actions: actions}
}

// Lookup returns the named action. An unknown name is a permanent *Error
// naming it and the known actions.
func (c *Catalog) Lookup(name string) (Action, error) {
	if action, ok := c.actions[name]; ok {
		return action, nil
	}
	names := make([]string, 0, len(c.actions))
	for known := range c.actions {
		names = append(names, known)
	}
	sort.Strings(names)
	return nil, permanentError(fmt.Sprintf("action %q not found: it is neither built in nor defined in actions/*.yaml (known actions: %s)",
		name, strings.Join(names, ", ")), nil)
}

// newUserAction binds def to the http or exec code path.
func newUserAction(def *schema.ActionDef, rt *connectorsRuntime) Action {
	params := newParamValidator(def)
	switch {
	case def.HTTP != nil:
		return &userHTTPAction{def: def, rt: rt, params: params}
	case def.Exec != nil:
		return &userExecAction{def: def, rt: rt, params: params}
	}
	return unboundAction{name: def.Name, file: def.File}
}

// unboundAction is a definition with neither an http nor an exec binding.
// Using it fails with an error that names its file.
type unboundAction struct {
	name, file string
}

func (a unboundAction) err() error {
	return permanentError(fmt.Sprintf("action %s (%s) has neither an http nor an exec binding", a.name, a.file), nil)
}

// Execute fails: there is nothing to perform.
func (a unboundAction) Execute(context.Context, Invocation) (any, error) { return nil, a.err() }

// Render fails: there is nothing to render.
func (a unboundAction) Render(Invocation) (Request, error) { return Request{}, a.err() }
